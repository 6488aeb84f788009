"""Websocket routes of every app, gathered in one list for the ASGI router."""

from __future__ import annotations

from tickets.routing import websocket_urlpatterns as ticket_ws

websocket_urlpatterns = [*ticket_ws]
