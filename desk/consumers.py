"""The desk's presence socket: `/ws/desk/presence/<ticket id>/`.

A ticket page holds one open while it is shown. Connecting makes the agent "viewing" the
ticket; closing ends it. Frames, JSON objects with a `type`:

Browser → server:
- `{"type": "composing", "composing": true|false}` — the agent started or stopped writing
  a reply (the composer's `desk:composing` event, passed on by `static/desk/live.js`).
- `{"type": "ping"}` → `{"type": "pong"}`, every `HEARTBEAT_SECONDS`: keeps the entry alive.
  A socket that stops pinging drops out after `TTL_SECONDS`, whether or not it closed.

Server → browser: `pong`, and `{"type": "error", "code": "bad_frame", "detail"}`.

Nothing is sent to other agents over this socket: a change becomes a `presence.changed`
ticket event (`desk.presence`), which the `/ws/tickets/` sockets already carry to exactly
those who may see the ticket. This socket stays separate from `tickets.consumers`: that one is
the read-only feed of the tickets app (API clients use it too), presence is the desk's own
state, and `tickets` may not import `desk`.

Refused like `/ws/tickets/<id>/`: 4403 for anyone who is not an agent, 4404 for a ticket
that is missing or hidden from them (a restricted team's)."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from desk import presence
from helpdesk.parsers import json_loads_bounded
from tickets import selectors
from tickets.permissions import is_agent

MAX_FRAME = 1_000


class DeskPresenceConsumer(AsyncJsonWebsocketConsumer):
    entry: presence.Entry | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        ticket_id = int(self.scope["url_route"]["kwargs"]["ticket_id"])
        if not await database_sync_to_async(selectors.ticket_visible)(
            user=user, ticket_id=ticket_id
        ):
            await self.close(code=4404)
            return
        await self.accept()
        self.entry = presence.entry_for(ticket_id=ticket_id, user=user)
        await database_sync_to_async(presence.presence_enter)(self.entry)

    async def disconnect(self, code: int) -> None:
        if self.entry is not None:
            await database_sync_to_async(presence.presence_leave)(self.entry)
            self.entry = None

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # A malformed frame gets an error, not a crashed socket (which would end presence).
        if text_data is None or len(text_data) > MAX_FRAME:
            await self.error("send JSON text frames of at most 1000 characters")
            return
        try:
            content = json_loads_bounded(text_data)
        except ValueError:
            await self.error("that is not JSON")
            return
        if not isinstance(content, dict):
            await self.error("send a JSON object with a type")
            return
        await self.receive_json(content)

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        entry = self.entry
        if entry is None:
            return
        kind = content.get("type")
        if kind == "ping":
            await database_sync_to_async(presence.presence_touch)(entry)
            await self.send_json({"type": "pong"})
        elif kind == "composing":
            replying = content.get("composing") is True
            await database_sync_to_async(presence.presence_replying)(entry, replying=replying)
        else:
            await self.error(f"unknown frame type {kind!r}")

    async def error(self, detail: str) -> None:
        await self.send_json({"type": "error", "code": "bad_frame", "detail": detail})
