"""Websocket routes of the chat: the visitors' (public, per-widget Origin check in the
consumer) and the agents' (behind the same session auth and host check as /ws/tickets/)."""

from __future__ import annotations

from django.urls import path

from channels_inbox.consumers import ChatAgentConsumer, ChatVisitorConsumer

# Matched by helpdesk/asgi.py without AllowedHostsOriginValidator: the widget runs on
# customers' websites, so each widget's own `allowed_origins` decides.
visitor_websocket_urlpatterns = [
    path("ws/chat/<slug:key>/", ChatVisitorConsumer.as_asgi()),
]

agent_websocket_urlpatterns = [
    path("ws/agents/chat/", ChatAgentConsumer.as_asgi()),
]
