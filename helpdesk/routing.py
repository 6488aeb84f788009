"""Websocket routes of every app, gathered for the ASGI router.

`websocket_urlpatterns` are the agents' routes (session auth, Origin must be one of
ALLOWED_HOSTS); `public_websocket_urlpatterns` (under /ws/chat/) serve the chat widget on
customers' websites and check each widget's own Origin allow-list instead."""

from __future__ import annotations

from channels_inbox.routing import agent_websocket_urlpatterns as chat_agent_ws
from channels_inbox.routing import visitor_websocket_urlpatterns as chat_visitor_ws
from desk.routing import websocket_urlpatterns as desk_ws
from tickets.routing import websocket_urlpatterns as ticket_ws

websocket_urlpatterns = [*ticket_ws, *chat_agent_ws, *desk_ws]

PUBLIC_WEBSOCKET_PREFIX = "/ws/chat/"
public_websocket_urlpatterns = [*chat_visitor_ws]
