"""The desk's websocket route (agents only: behind the session auth and host check of
`helpdesk.asgi`, like `/ws/tickets/`)."""

from __future__ import annotations

from django.urls import path

from desk.consumers import DeskPresenceConsumer

websocket_urlpatterns = [
    path("ws/desk/presence/<int:ticket_id>/", DeskPresenceConsumer.as_asgi()),
]
