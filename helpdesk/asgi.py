"""ASGI entry point: HTTP through Django, websockets through Channels (Redis channel layer).

Two kinds of websocket: the agents' (`/ws/tickets/`, `/ws/agents/chat/`) behind session auth
and `AllowedHostsOriginValidator`, and the chat widget's (`/ws/chat/<key>/`), opened from
customers' websites, where the consumer checks the widget's own Origin allow-list instead.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

# Django must be set up before anything imports models (consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from helpdesk.routing import (  # noqa: E402
    PUBLIC_WEBSOCKET_PREFIX,
    public_websocket_urlpatterns,
    websocket_urlpatterns,
)

agent_websockets = AllowedHostsOriginValidator(
    AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
)
public_websockets = URLRouter(public_websocket_urlpatterns)


async def websockets(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Public chat sockets by path prefix; everything else is the agents'."""
    if scope.get("path", "").startswith(PUBLIC_WEBSOCKET_PREFIX):
        await public_websockets(scope, receive, send)
    else:
        await agent_websockets(scope, receive, send)


application = ProtocolTypeRouter({"http": django_asgi_app, "websocket": websockets})
