from __future__ import annotations

from django.urls import path

from tickets.consumers import NotificationsConsumer, TicketUpdatesConsumer

websocket_urlpatterns = [
    path("ws/tickets/", TicketUpdatesConsumer.as_asgi()),
    path("ws/tickets/<int:ticket_id>/", TicketUpdatesConsumer.as_asgi()),
    path("ws/notifications/", NotificationsConsumer.as_asgi()),
]
