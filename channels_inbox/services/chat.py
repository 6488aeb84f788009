"""Live chat: conversations, visitor messages, typing and presence.

The websocket consumers (`channels_inbox/consumers.py`) call these and nothing else. A
visitor message is stored at once through `tickets.services.message_ingest` (there is no
webhook to answer first: the ack the visitor waits for carries the stored message's id).

Idempotency: a visitor message's provider id is the conversation plus the widget's client
message id, so a message resent after a reconnect is stored once and acknowledged again with
the same server id. Realtime pushes go out after commit; presence lives in Redis with expiry
(see `selectors.presence_*`).
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from channels_inbox import selectors
from channels_inbox.models import ChatConversation, ChatWidget
from customers.models import Customer, Identity
from customers.normalise import InvalidIdentity, normalise_email
from customers.services import MergeError, customer_resolve, identity_add
from helpdesk.errors import DomainError
from tickets import realtime
from tickets.answers import Answer, answer_handle
from tickets.models import Team
from tickets.promise import zone_named
from tickets.services import InboundMessage, customer_merge_with_timeline, message_ingest
from tickets.services.promise_messages import promise_acknowledge
from tickets.text import text_clean

logger = logging.getLogger(__name__)

# Channel-layer groups. Visitor sockets join their conversation's group and the visitors'
# group (presence changes); agent chat sockets join the agents' group.
AGENTS_GROUP = "chat.agents"
VISITORS_GROUP = "chat.visitors"
MAX_TEXT = 5000
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def conversation_group(conversation_id: int) -> str:
    return f"chat.conversation.{conversation_id}"


class ChatError(DomainError):
    """A visitor frame that cannot be accepted; `code` is what the widget is told."""

    def __init__(self, code: str, message: str, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.retry_after = retry_after


@dataclass(frozen=True)
class ChatSession:
    conversation_id: int
    token: str
    ticket_id: int | None
    history: list[dict[str, Any]]
    agents_online: bool
    resumed: bool


@dataclass(frozen=True)
class ChatPosted:
    message_id: int
    ticket_id: int
    duplicate: bool
    at: str


def _publish_after_commit(items: list[tuple[str, dict[str, Any]]]) -> None:
    # A lost live update is tolerable: the database has the truth.
    realtime.publish_after_commit(items)


def _agents_event(event: str, **data: Any) -> tuple[str, dict[str, Any]]:
    return AGENTS_GROUP, {"type": "chat.event", "event": event, **data}


# --- Conversations ---------------------------------------------------------------------------


def _language(value: str) -> str:
    code = (value or "").strip().lower()[:2]
    return code if code in _LANGUAGES else ""


def _clean_email(email: str) -> str:
    if not email.strip():
        return ""
    try:
        return normalise_email(email)
    except InvalidIdentity as exc:
        raise ChatError("invalid_email", "that is not an email address") from exc


def _join_email_customer(conversation: ChatConversation, *, email: str, name: str) -> None:
    """The pre-chat email joins the visitor to the customer who has that address (created
    if unknown): the chat identity is added to them, so the chat lands on their record and
    their open ticket. A visitor who already chatted anonymously brings that anonymous,
    chat-only record along (merged); a record with other identities is never merged on an
    unverified address — the agent sees the address on the conversation and decides."""
    customer = customer_resolve(
        kind="email", value=email, name=name, language=conversation.language
    ).customer
    try:
        identity_add(customer=customer, kind="chat", value=conversation.visitor_id)
    except MergeError:
        existing = Identity.objects.select_related("customer").get(
            kind="chat", value=conversation.visitor_id
        )
        anonymous: Customer = existing.customer
        if not anonymous.identities.exclude(kind="chat").exists():
            customer_merge_with_timeline(source=anonymous, target=customer, by=None)
        else:
            logger.info("chat %s: email %s belongs to another customer", conversation.pk, email)


def _visitor_update(
    conversation: ChatConversation, *, name: str, email: str, language: str, time_zone: str
) -> None:
    """What the visitor's browser tells us on (re)opening: seen now, language, time zone,
    and a name and email once (the email joins the customer with that address)."""
    fields = ["last_seen_at"]
    conversation.last_seen_at = timezone.now()
    if language := _language(language):
        conversation.language = language
        fields.append("language")
    if (zone := zone_named(time_zone.strip()[:64])) and zone.key != conversation.time_zone:
        conversation.time_zone = zone.key
        fields.append("time_zone")
    if name and not conversation.visitor_name:
        conversation.visitor_name = name
        fields.append("visitor_name")
    if email and not conversation.visitor_email:
        conversation.visitor_email = email
        fields.append("visitor_email")
        _join_email_customer(conversation, email=email, name=name or conversation.visitor_name)
    conversation.save(update_fields=fields)


@transaction.atomic
def chat_session_open(
    *,
    widget: ChatWidget,
    token: str = "",
    name: str = "",
    email: str = "",
    language: str = "",
    time_zone: str = "",
) -> ChatSession:
    """Resume the conversation of `token` in this widget, or start a new one (a new token).

    Name and email come from the optional pre-chat form; an email joins the visitor to the
    existing customer with that address. Raises ChatError for an invalid email. A name is
    cleaned of what PostgreSQL refuses (NUL, lone surrogates); a token with such characters
    is no token we gave out, so it starts a new conversation."""
    email = _clean_email(email)
    name = text_clean(name)[0].strip()[:200]
    if text_clean(token)[1]:
        token = ""
    conversation = selectors.chat_conversation_by_token(widget_id=widget.pk, token=token)
    resumed = conversation is not None
    if conversation is None:
        conversation = ChatConversation.objects.create(
            widget=widget,
            visitor_id=f"v-{secrets.token_hex(12)}",
            token=secrets.token_urlsafe(32),
        )
    conversation = ChatConversation.objects.select_for_update().get(pk=conversation.pk)
    _visitor_update(conversation, name=name, email=email, language=language, time_zone=time_zone)
    return ChatSession(
        conversation_id=conversation.pk,
        token=conversation.token,
        ticket_id=conversation.ticket_id,
        history=selectors.chat_history(conversation=conversation),
        agents_online=selectors.chat_agents_online(),
        resumed=resumed,
    )


# --- Visitor messages ------------------------------------------------------------------------


def _over_rate_limit(conversation_id: int) -> int | None:
    """A fixed one-minute window per conversation in Redis (the cache). Returns the seconds
    to wait when over HELPDESK_CHAT_RATE_LIMIT, else None."""
    limit = settings.HELPDESK_CHAT_RATE_LIMIT
    if limit <= 0:
        return None
    now = int(time.time())
    key = f"ratelimit:chat:{conversation_id}:{now // 60}"
    cache.add(key, 0, timeout=70)
    if cache.incr(key) > limit:
        return 60 - now % 60
    return None


def chat_visitor_message(*, conversation_id: int, client_id: str, text: str) -> ChatPosted:
    """Store one visitor message on the conversation's ticket, exactly once per client id.

    A resend of a stored message is answered with the stored id and does not count towards
    the rate limit. Raises ChatError (invalid frame, rate limited). Characters PostgreSQL
    refuses are cleaned by `message_ingest`, which notes it on the message."""
    if not _CLIENT_ID.match(client_id or ""):
        raise ChatError("invalid_id", "a message needs an id of 1-64 letters, digits, - or _")
    text = (text or "").strip()
    if not text_clean(text)[0].strip():
        raise ChatError("empty", "a message needs some text")
    if len(text) > MAX_TEXT:
        raise ChatError("too_long", f"a message is at most {MAX_TEXT} characters")
    stored = selectors.chat_message_stored(conversation_id=conversation_id, client_id=client_id)
    if stored is not None:
        return ChatPosted(stored.pk, stored.ticket_id, True, stored.created_at.isoformat())
    if (wait := _over_rate_limit(conversation_id)) is not None:
        raise ChatError("rate_limited", "too many messages, wait a moment", retry_after=wait)
    return _visitor_message_store(conversation_id=conversation_id, client_id=client_id, text=text)


def _visitor_inbound(
    conversation: ChatConversation, *, client_id: str, text: str
) -> InboundMessage:
    """What a visitor typed, as `message_ingest` takes it: threaded on the conversation."""
    key = selectors.chat_conversation_key(conversation.pk)
    meta: dict[str, Any] = {
        "chat_conversation": conversation.pk,
        "client_id": client_id,
        "widget": conversation.widget.key,
    }
    if conversation.visitor_email:
        # Typed into a form, never verified: agents should know before trusting it.
        meta["prechat_email"] = conversation.visitor_email
    return InboundMessage(
        channel="chat",
        identity_kind="chat",
        identity_value=conversation.visitor_id,
        customer_name=conversation.visitor_name,
        body_text=text,
        provider_message_id=selectors.chat_provider_message_id(
            conversation_id=conversation.pk, client_id=client_id
        ),
        thread_key=key,
        reply_to_keys=[key],
        team_id=conversation.widget.team_id,
        # The widget's browser language: an explicit signal, stronger than the text.
        language_hint=conversation.language,
        meta=meta,
    )


@transaction.atomic
def _visitor_message_store(*, conversation_id: int, client_id: str, text: str) -> ChatPosted:
    conversation = (
        ChatConversation.objects.select_for_update()
        .select_related("widget")
        .get(pk=conversation_id)
    )
    result = message_ingest(data=_visitor_inbound(conversation, client_id=client_id, text=text))
    started = conversation.ticket_id is None
    if conversation.ticket_id != result.ticket.pk:
        conversation.ticket = result.ticket
        conversation.save(update_fields=["ticket"])
    widget = conversation.widget
    if result.created_ticket and widget.auto_acknowledge and not selectors.chat_agents_online():
        # Nobody to answer now: say when a person will, in the visitor's own time.
        promise_acknowledge(
            ticket=result.ticket, channel="chat", zone=zone_named(conversation.time_zone)
        )
    data = {
        "ticket": result.ticket.pk,
        "conversation": conversation.pk,
        "message": result.message.pk,
    }
    items = [_agents_event("chat.message", **data)]
    if started:
        items.insert(0, _agents_event("chat.started", **data, visitor=conversation.visitor_name))
        realtime.publish_ticket_event(
            ticket_id=result.ticket.pk,
            event="chat.started",
            data={"conversation": conversation.pk, "message": result.message.pk},
        )
    _publish_after_commit(items)
    return ChatPosted(
        result.message.pk, result.ticket.pk, result.duplicate, result.message.created_at.isoformat()
    )


# --- Typing ----------------------------------------------------------------------------------


def chat_visitor_answer(*, conversation_id: int, payload: str) -> bool:
    """The visitor pressed a button under a question we asked (a survey rating). Routed to
    the app that asked through `tickets.answers`; never stored as a message, so a solved
    ticket stays solved. True when it was recorded."""
    conversation = ChatConversation.objects.filter(pk=conversation_id).first()
    payload = text_clean(payload)[0]
    if conversation is None or not payload or len(payload) > 1000:
        return False
    return answer_handle(
        answer=Answer(
            payload=payload,
            channel="chat",
            identity_kind="chat",
            identity_value=conversation.visitor_id,
        )
    )


def chat_visitor_typing(*, conversation_id: int, ticket_id: int | None, typing: bool) -> None:
    """Tell the agents watching the ticket (and the chat console) the visitor is typing."""
    data = {"conversation": conversation_id, "typing": bool(typing)}
    items = [_agents_event("chat.typing", ticket=ticket_id, **data)]
    if ticket_id is not None:
        items.append(
            (
                realtime.ticket_group(ticket_id),
                {"type": "ticket.event", "event": "chat.typing", "ticket": ticket_id, "data": data},
            )
        )
    realtime.publish_now(items)


def chat_agent_typing(*, ticket_id: int, agent_name: str, typing: bool) -> int:
    """Show the visitor(s) chatting on this ticket that an agent is typing. Returns how many
    conversations were told."""
    conversation_ids = selectors.chat_conversation_ids_for_ticket(ticket_id=ticket_id)
    event = {"type": "chat.typing", "typing": bool(typing), "name": agent_name}
    realtime.publish_now([(conversation_group(cid), event) for cid in conversation_ids])
    return len(conversation_ids)


# --- Presence --------------------------------------------------------------------------------


def _presence_enter(name: str, member: str) -> int:
    """Add or refresh one socket's presence; returns how many are present now."""
    key = selectors.presence_key(name)
    now = time.time()
    pipe = selectors.presence_redis().pipeline()
    pipe.zremrangebyscore(key, "-inf", now)
    pipe.zadd(key, {member: now + selectors.PRESENCE_TTL})
    pipe.expire(key, selectors.PRESENCE_TTL * 2)
    pipe.zcard(key)
    return int(pipe.execute()[-1])


def _presence_leave(name: str, member: str) -> int:
    key = selectors.presence_key(name)
    pipe = selectors.presence_redis().pipeline()
    pipe.zrem(key, member)
    pipe.zcount(key, time.time(), "+inf")
    return int(pipe.execute()[-1])


def _presence_broadcast(online: bool) -> None:
    realtime.publish_now([(VISITORS_GROUP, {"type": "chat.presence", "agents_online": online})])


def chat_agent_present(*, user_id: int, channel_name: str) -> None:
    """An agent's chat socket is open (called on connect and then periodically). The first
    agent to come online tells the waiting visitors."""
    if _presence_enter(selectors.AGENTS_PRESENCE, f"{user_id}:{channel_name}") == 1:
        _presence_broadcast(True)


def chat_agent_gone(*, user_id: int, channel_name: str) -> None:
    if _presence_leave(selectors.AGENTS_PRESENCE, f"{user_id}:{channel_name}") == 0:
        _presence_broadcast(False)


def chat_visitor_present(*, conversation_id: int, channel_name: str) -> None:
    """The visitor's widget is connected: agent replies reach them live (no email copy)."""
    _presence_enter(f"chat-visitor-{conversation_id}", channel_name)


def chat_visitor_gone(*, conversation_id: int, channel_name: str) -> None:
    _presence_leave(f"chat-visitor-{conversation_id}", channel_name)
    ChatConversation.objects.filter(pk=conversation_id).update(last_seen_at=timezone.now())


# --- Widgets -----------------------------------------------------------------------------------


@transaction.atomic
def chat_widget_ensure(*, key: str, name: str, origins: list[str]) -> tuple[ChatWidget, bool]:
    """The widget with `key`, created if missing (answering with the promise when nobody is
    online); `origins` are added to its allow-list (never removed: an admin's edits stay).
    Returns (widget, created). For the demo seed."""
    team = Team.objects.order_by("pk").first()
    widget, created = ChatWidget.objects.select_for_update().get_or_create(
        key=key, defaults={"name": name, "team": team, "auto_acknowledge": True}
    )
    merged = list(
        dict.fromkeys([*widget.allowed_origins, *map(selectors.origin_normalise, origins)])
    )
    if merged != widget.allowed_origins:
        widget.allowed_origins = merged
        widget.save(update_fields=["allowed_origins"])
    return widget, created
