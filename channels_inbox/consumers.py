"""Live chat websockets: the visitor's widget and the agents' chat socket. Thin: every
write and read goes through `services.chat` / `selectors`.

Visitor socket: `/ws/chat/<widget key>/`
-----------------------------------------
Only a page on the widget's `allowed_origins` may connect: another or a missing Origin is
refused with close code 4403 (an unknown or inactive widget: 4404). Frames are JSON objects
with a `type`.

Visitor → server:
- `{"type": "hello", "token": "…"?, "name": "…"?, "email": "…"?, "language": "nl"?,
  "time_zone": "Europe/Warsaw"?}` — first frame (the time zone: the browser's, so a promise
  reads in the visitor's own time). With the `token` of an earlier session it resumes that
  conversation; without (or with an unknown one) it starts a new one. Name and email are
  the optional pre-chat form; an email joins the visitor to the existing customer with that
  address.
- `{"type": "message", "id": "<client message id>", "text": "…"}` — `id` is made by the
  widget (1-64 of A-Z a-z 0-9 - _) and kept until acknowledged: sending it again after a
  reconnect stores nothing new and is acknowledged with the same server id.
- `{"type": "typing", "typing": true|false}`
- `{"type": "answer", "payload": "…"}` — the visitor pressed one of a message's
  `quick_replies` (a survey rating) → `{"type": "answered", "payload", "recorded": bool}`;
  never stored as a message.
- `{"type": "ping"}` → `{"type": "pong"}`

Server → visitor:
- `{"type": "session", "token", "history": [message…], "agents_online": bool, "resumed"}`
  where a message is `{"id", "from": "visitor"|"agent", "text", "at", "client_id", "author",
  "quick_replies": [{"title", "payload"}…]}`.
- `{"type": "ack", "id": "<client id>", "message": <server id>, "at", "duplicate": bool}`
- `{"type": "message", "message": {…}}` — an agent's reply, live.
- `{"type": "typing", "typing": bool, "name": "Anna"}` — an agent is typing.
- `{"type": "presence", "agents_online": bool}`
- `{"type": "error", "code", "detail", "id"?, "retry_after"?}` — codes: `bad_frame`,
  `no_session`, `invalid_email`, `invalid_id`, `empty`, `too_long`, `rate_limited` (more
  than HELPDESK_CHAT_RATE_LIMIT messages a minute; resend after `retry_after` seconds).

Agent socket: `/ws/agents/chat/` (session-authenticated agents, Origin checked like
`/ws/tickets/`)
------------------------------------------------------------------------------------------
While open the agent counts as online for every widget. Agents receive
`{"type": "chat.started" | "chat.message" | "chat.typing", "ticket", "conversation", …}`
(none about a restricted team's ticket unless they are in the team or a manager — the
`tickets.selectors` rule, checked per socket at most once a minute per ticket) and
`{"type": "presence", "agents_online": true}` on connect, and send
`{"type": "typing", "ticket": <id>, "typing": bool}` to show the visitor they are typing.
Replies are the REST API's `POST /api/v1/tickets/<id>/messages/` (channel chat); watchers of
`/ws/tickets/<id>/` also get `chat.typing` and `chat.started` as ticket events.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from channels_inbox import selectors
from channels_inbox.services import chat as chat_services
from helpdesk.parsers import json_loads_bounded
from tickets import selectors as ticket_selectors
from tickets.permissions import is_agent

if TYPE_CHECKING:
    from helpdesk.roles import User

# Presence entries live PRESENCE_TTL seconds; an open socket refreshes them well before.
HEARTBEAT_SECONDS = selectors.PRESENCE_TTL // 3
MAX_FRAME = 20_000
# A widget sends a typing frame per keystroke; the other side needs a change of state, or a
# reminder every few seconds that it still holds, not a fan-out per key.
TYPING_REPEAT_SECONDS = 3.0


def _origin(scope: dict[str, Any]) -> str:
    for name, value in scope.get("headers", []):
        if name == b"origin":
            return str(value.decode("latin-1"))
    return ""


async def _heartbeat(touch: Any) -> None:
    while True:
        await asyncio.sleep(HEARTBEAT_SECONDS)
        await database_sync_to_async(touch)()


class _JsonConsumer(AsyncJsonWebsocketConsumer):
    heartbeat: asyncio.Task[None] | None = None
    _typing_sent: dict[object, tuple[bool, float]] | None = None

    def typing_due(self, key: object, typing: bool) -> bool:
        """Whether a typing frame is worth passing on: the state changed, or "still typing"
        after TYPING_REPEAT_SECONDS. Kept per socket: no shared state is needed for this."""
        if self._typing_sent is None:
            self._typing_sent = {}
        now = time.monotonic()
        last = self._typing_sent.get(key)
        if last is not None and last[0] == typing and now - last[1] < TYPING_REPEAT_SECONDS:
            return False
        self._typing_sent[key] = (typing, now)
        return True

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        # A malformed or oversized frame gets an error, not a crashed socket.
        if text_data is None or len(text_data) > MAX_FRAME:
            await self.error("bad_frame", "send JSON text frames of at most 20000 characters")
            return
        try:
            content = json_loads_bounded(text_data)
        except ValueError as exc:
            await self.error("bad_frame", f"that is not JSON ({exc})")
            return
        if not isinstance(content, dict):
            await self.error("bad_frame", "send a JSON object with a type")
            return
        await self.receive_json(content)

    async def error(self, code: str, detail: str, **extra: Any) -> None:
        await self.send_json({"type": "error", "code": code, "detail": detail, **extra})

    def start_heartbeat(self, touch: Any) -> None:
        self.heartbeat = asyncio.ensure_future(_heartbeat(touch))

    async def stop_heartbeat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.heartbeat


class ChatVisitorConsumer(_JsonConsumer):
    """One visitor's widget. Refused (4403) unless the page's Origin is on the widget's list."""

    conversation_id: int | None = None
    ticket_id: int | None = None

    async def connect(self) -> None:
        key = self.scope["url_route"]["kwargs"]["key"]
        widget = await database_sync_to_async(selectors.chat_widget_active)(key=key)
        if widget is None:
            await self.close(code=4404)
            return
        if not selectors.chat_widget_allows(widget=widget, origin=_origin(self.scope)):
            await self.close(code=4403)
            return
        self.widget = widget
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.stop_heartbeat()
        if self.conversation_id is not None:
            group = chat_services.conversation_group(self.conversation_id)
            await self.channel_layer.group_discard(group, self.channel_name)
            await self.channel_layer.group_discard(chat_services.VISITORS_GROUP, self.channel_name)
            await database_sync_to_async(chat_services.chat_visitor_gone)(
                conversation_id=self.conversation_id, channel_name=self.channel_name
            )

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "hello":
            await self.hello(content)
        elif self.conversation_id is None:
            await self.error("no_session", "say hello first")
        elif kind == "message":
            await self.message(content)
        elif kind == "answer":
            payload = str(content.get("payload") or "")
            recorded = await database_sync_to_async(chat_services.chat_visitor_answer)(
                conversation_id=self.conversation_id, payload=payload
            )
            await self.send_json({"type": "answered", "payload": payload, "recorded": recorded})
        elif kind == "typing":
            typing = bool(content.get("typing"))
            if self.typing_due(self.ticket_id, typing):
                await database_sync_to_async(chat_services.chat_visitor_typing)(
                    conversation_id=self.conversation_id, ticket_id=self.ticket_id, typing=typing
                )
        else:
            await self.error("bad_frame", f"unknown frame type {kind!r}")

    async def hello(self, content: dict[str, Any]) -> None:
        if self.conversation_id is not None:
            await self.error("bad_frame", "this socket already has a session")
            return
        try:
            session = await database_sync_to_async(chat_services.chat_session_open)(
                widget=self.widget,
                token=str(content.get("token") or ""),
                name=str(content.get("name") or ""),
                email=str(content.get("email") or ""),
                language=str(content.get("language") or ""),
                time_zone=str(content.get("time_zone") or ""),
            )
        except chat_services.ChatError as exc:
            await self.error(exc.code, str(exc))
            return
        self.conversation_id, self.ticket_id = session.conversation_id, session.ticket_id
        group = chat_services.conversation_group(session.conversation_id)
        await self.channel_layer.group_add(group, self.channel_name)
        await self.channel_layer.group_add(chat_services.VISITORS_GROUP, self.channel_name)
        touch = self._touch_presence
        await database_sync_to_async(touch)()
        self.start_heartbeat(touch)
        await self.send_json(
            {
                "type": "session",
                "token": session.token,
                "history": session.history,
                "agents_online": session.agents_online,
                "resumed": session.resumed,
            }
        )

    def _touch_presence(self) -> None:
        assert self.conversation_id is not None  # noqa: S101 - set by hello before this runs
        chat_services.chat_visitor_present(
            conversation_id=self.conversation_id, channel_name=self.channel_name
        )

    async def message(self, content: dict[str, Any]) -> None:
        client_id = str(content.get("id") or "")
        assert self.conversation_id is not None  # noqa: S101 - checked by receive_json
        try:
            posted = await database_sync_to_async(chat_services.chat_visitor_message)(
                conversation_id=self.conversation_id,
                client_id=client_id,
                text=str(content.get("text") or ""),
            )
        except chat_services.ChatError as exc:
            extra: dict[str, Any] = {"id": client_id}
            if exc.retry_after is not None:
                extra["retry_after"] = exc.retry_after
            await self.error(exc.code, str(exc), **extra)
            return
        self.ticket_id = posted.ticket_id
        await self.send_json(
            {
                "type": "ack",
                "id": client_id,
                "message": posted.message_id,
                "at": posted.at,
                "duplicate": posted.duplicate,
            }
        )

    # Channel-layer events
    async def chat_message(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "message", "message": event["message"]})

    async def chat_typing(self, event: dict[str, Any]) -> None:
        await self.send_json(
            {"type": "typing", "typing": event["typing"], "name": event.get("name", "")}
        )

    async def chat_presence(self, event: dict[str, Any]) -> None:
        await self.send_json({"type": "presence", "agents_online": event["agents_online"]})


# How long an agent's socket trusts what it learnt about a ticket's visibility (a ticket
# moved into a restricted team stops reaching outsiders' chat consoles within this).
VISIBILITY_TTL = 60.0


class ChatAgentConsumer(_JsonConsumer):
    """An agent's chat socket: presence, new chats and visitor typing, agent typing out."""

    user: User | None = None

    @property
    def agent(self) -> User:
        """The signed-in agent. `connect` sets it before accepting, so every frame has one."""
        if self.user is None:
            raise RuntimeError("agent chat socket used before it was accepted")
        return self.user

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        self.user = user
        self.visible: dict[int, tuple[bool, float]] = {}  # ticket id: (visible, until)
        await self.channel_layer.group_add(chat_services.AGENTS_GROUP, self.channel_name)
        await self.accept()
        await database_sync_to_async(self._touch_presence)()
        self.start_heartbeat(self._touch_presence)
        await self.send_json({"type": "presence", "agents_online": True})

    async def _sees(self, ticket_id: int) -> bool:
        # One query per ticket a minute, not one per event: a chat sends many per ticket.
        now = time.monotonic()
        known = self.visible.get(ticket_id)
        if known is None or known[1] < now:
            if len(self.visible) > 1000:
                self.visible.clear()
            visible = await database_sync_to_async(ticket_selectors.ticket_visible)(
                user=self.agent, ticket_id=ticket_id
            )
            known = self.visible[ticket_id] = (visible, now + VISIBILITY_TTL)
        return known[0]

    def _touch_presence(self) -> None:
        chat_services.chat_agent_present(user_id=self.agent.pk, channel_name=self.channel_name)

    async def disconnect(self, code: int) -> None:
        if self.user is None:
            return
        await self.stop_heartbeat()
        await self.channel_layer.group_discard(chat_services.AGENTS_GROUP, self.channel_name)
        await database_sync_to_async(chat_services.chat_agent_gone)(
            user_id=self.user.pk, channel_name=self.channel_name
        )

    async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong"})
            return
        if kind != "typing":
            await self.error("bad_frame", f"unknown frame type {kind!r}")
            return
        try:
            ticket_id = int(content.get("ticket") or 0)
        except (TypeError, ValueError):
            ticket_id = 0
        if ticket_id <= 0:
            await self.error("bad_frame", "typing needs the ticket id")
            return
        # An agent outside a restricted team gets the 404 answer the API gives: their typing
        # never reaches that ticket's visitor.
        if not await self._sees(ticket_id):
            await self.error("not_found", "no such ticket")
            return
        typing = bool(content.get("typing"))
        if not self.typing_due(ticket_id, typing):
            return
        await database_sync_to_async(chat_services.chat_agent_typing)(
            ticket_id=ticket_id,
            agent_name=self.agent.first_name or self.agent.get_username(),
            typing=typing,
        )

    async def chat_event(self, event: dict[str, Any]) -> None:
        """Pass a chat event on, unless it is about a ticket of a restricted team this agent
        is not in (`tickets.selectors.ticket_visible`, the API's rule): the chat group is one
        broadcast to every agent, so the filter runs here."""
        ticket_id = event.get("ticket")
        if isinstance(ticket_id, int) and not await self._sees(ticket_id):
            return
        await self.send_json(
            {
                "type": event["event"],
                **{k: v for k, v in event.items() if k not in ("type", "event")},
            }
        )
