"""Reads for channel adapters and inbound processing."""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.db.models import Q

from channels_inbox.models import ChatConversation, ChatWidget, Mailbox, PhoneNumber, SocialAccount
from tickets.models import DeliveryState, Direction, Message, Ticket

_PLUS = re.compile(r"\+[^@]*@")


def plain_address(address: str) -> str:
    """`support+t12@x.nl` → `support@x.nl`."""
    return _PLUS.sub("@", address.lower())


def mailbox_for_addresses(addresses: list[str], *, sender: str) -> tuple[Mailbox | None, bool]:
    """The first active mailbox among the recipients, in the order they were written, and
    whether the sender is one of our mailboxes (active or not: a loop). One query."""
    plain = [plain_address(a) for a in addresses]
    sender_plain = plain_address(sender)
    rows = list(Mailbox.objects.filter(address__in=[*plain, sender_plain]))
    found = {m.address.lower(): m for m in rows if m.active}
    ours = any(m.address == sender_plain for m in rows)
    return next((found[a] for a in plain if a in found), None), ours


def mailbox_for_ticket(*, ticket_id: int) -> Mailbox | None:
    """The mailbox the customer last wrote to on this ticket (replies come from it)."""
    metas = (
        Message.objects.filter(ticket_id=ticket_id, channel="email", direction=Direction.INBOUND)
        .order_by("-created_at")
        .values_list("meta", flat=True)[:20]
    )
    for meta in metas:
        if address := (meta or {}).get("mailbox"):
            return Mailbox.objects.filter(address=address, active=True).first()
    return None


def email_thread_keys(*, ticket_id: int, before_message_id: int) -> list[str]:
    """Message-IDs of the ticket's earlier email messages, oldest first, for References."""
    return list(
        Message.objects.filter(ticket_id=ticket_id, channel="email", pk__lt=before_message_id)
        .exclude(thread_key="")
        .exclude(direction=Direction.NOTE)
        .order_by("pk")
        .values_list("thread_key", flat=True)
    )


def phone_number_active(*, number: str) -> PhoneNumber | None:
    """The active number of ours a call was made to (Twilio's E.164 `To`), if configured."""
    if not number:
        return None
    return PhoneNumber.objects.filter(number=number.strip(), active=True).first()


# --- Meta (Messenger, Instagram, WhatsApp) -------------------------------------------------


def social_accounts_active(
    *, refs: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], SocialAccount]:
    """The active accounts among (platform, external id) pairs, keyed by that pair."""
    condition = Q()
    for platform, external_id in refs:
        condition |= Q(platform=platform, external_id=external_id)
    if not condition:
        return {}
    accounts = SocialAccount.objects.filter(condition, active=True).select_related("team")
    return {(a.platform, a.external_id): a for a in accounts}


def social_account_for_reply(*, message: Message) -> SocialAccount | None:
    """The account an outbound social message goes out from: the one the customer last wrote
    to on this ticket, else from this identity on any ticket (kept in the inbound message's
    meta). A page-scoped id (Messenger, Instagram) is reachable only from that page; a
    WhatsApp number from any of ours, so WhatsApp falls back to the ticket team's number,
    then to the oldest active one."""
    inbound = Message.objects.filter(direction=Direction.INBOUND, channel=message.channel)
    for scope in (Q(ticket_id=message.ticket_id), Q(identity_id=message.identity_id)):
        metas = inbound.filter(scope).order_by("-created_at").values_list("meta", flat=True)[:20]
        for meta in metas:
            if account_id := (meta or {}).get("social_account"):
                account = SocialAccount.objects.filter(
                    pk=account_id, platform=message.channel, active=True
                ).first()
                if account is not None:
                    return account
    if message.channel != "whatsapp":
        return None
    numbers = SocialAccount.objects.filter(platform="whatsapp", active=True)
    team_id = Ticket.objects.filter(pk=message.ticket_id).values_list("team_id", flat=True).first()
    of_team = numbers.filter(team_id=team_id).order_by("pk").first() if team_id else None
    return of_team or numbers.order_by("pk").first()


# Our send time is taken after the Graph API answers, a moment after Meta's own timestamp
# that a watermark compares with: a little slack keeps the last message inside.
WATERMARK_SLACK = timedelta(seconds=5)


def social_outbound_ids_until(*, channel: str, recipient: str, until: datetime) -> list[str]:
    """Provider ids of messages we sent to `recipient` (a PSID / IGSID) up to a Messenger
    watermark that are not yet delivered/read, for 'everything before this was read'."""
    return list(
        Message.objects.filter(
            channel=channel,
            direction=Direction.OUTBOUND,
            identity__kind=channel,
            identity__value=recipient,
            sent_at__lte=until + WATERMARK_SLACK,
            delivery_state__in=[DeliveryState.SENT, DeliveryState.DELIVERED],
        )
        .exclude(provider_message_id="")
        .order_by("sent_at")
        .values_list("provider_message_id", flat=True)[:200]
    )


# --- Live chat --------------------------------------------------------------------------------


def origin_normalise(origin: str) -> str:
    """`https://Shop.NL/` → `https://shop.nl`: how a browser's Origin compares with the list."""
    return origin.strip().rstrip("/").lower()


def chat_widget_active(*, key: str) -> ChatWidget | None:
    return ChatWidget.objects.filter(key=key, active=True).first()


def chat_widget_allows(*, widget: ChatWidget, origin: str) -> bool:
    """Only pages on the widget's allow-list may use it; no Origin at all is refused."""
    if not origin:
        return False
    allowed = {origin_normalise(o) for o in widget.allowed_origins}
    return origin_normalise(origin) in allowed


def chat_conversation_by_token(*, widget_id: int, token: str) -> ChatConversation | None:
    if not token:
        return None
    return ChatConversation.objects.filter(widget_id=widget_id, token=token).first()


def chat_conversation_key(conversation_id: int) -> str:
    """The thread key every message of one conversation carries (never the secret token)."""
    return f"chat-{conversation_id}"


def chat_provider_message_id(*, conversation_id: int, client_id: str) -> str:
    """One visitor message = one provider id: a resend after a reconnect is the same message."""
    return f"chat:{conversation_id}:{client_id}"


def chat_message_frame(*, message: Message, author: str = "") -> dict[str, Any]:
    """A message as the widget shows it: only what the visitor may see."""
    inbound = message.direction == Direction.INBOUND
    return {
        "id": message.pk,
        "from": "visitor" if inbound else "agent",
        "text": message.body_text,
        "at": message.created_at.isoformat(),
        "client_id": (message.meta or {}).get("client_id", "") if inbound else "",
        "author": "" if inbound else author,
        # Buttons under a question we asked (a satisfaction survey): title and payload only.
        "quick_replies": [
            {"title": str(reply.get("title", "")), "payload": str(reply.get("payload", ""))}
            for reply in (message.meta or {}).get("quick_replies", [])
        ]
        if not inbound
        else [],
    }


def _author_name(message: Message) -> str:
    user = message.author_user
    return (user.first_name or user.get_username()) if user is not None else ""


def chat_history(*, conversation: ChatConversation, limit: int = 200) -> list[dict[str, Any]]:
    """The visitor's own public chat messages, oldest first, on whatever ticket they are.

    Scoped to this conversation's visitor id, never to the ticket: a visitor who typed
    someone's email joins that customer's ticket, and must not read its other messages."""
    messages = (
        Message.objects.filter(
            channel="chat",
            identity__kind="chat",
            identity__value=conversation.visitor_id,
            direction__in=[Direction.INBOUND, Direction.OUTBOUND],
        )
        .exclude(delivery_state=DeliveryState.FAILED)
        .select_related("author_user")
        .order_by("-created_at")[:limit]
    )
    return [chat_message_frame(message=m, author=_author_name(m)) for m in reversed(messages)]


def chat_message_stored(*, conversation_id: int, client_id: str) -> Message | None:
    """The visitor message already stored under this client id, if any."""
    provider_id = chat_provider_message_id(conversation_id=conversation_id, client_id=client_id)
    return Message.objects.filter(channel="chat", provider_message_id=provider_id).first()


def chat_conversation_ids_for_ticket(*, ticket_id: int) -> list[int]:
    return list(ChatConversation.objects.filter(ticket_id=ticket_id).values_list("pk", flat=True))


def chat_ticket_reachable(ticket: Ticket) -> bool:
    """A chat ticket reaches its customer only through a widget conversation (in the widget,
    or by mail to a visitor who left an address): the `tickets.reach` check for "chat"."""
    return ChatConversation.objects.filter(ticket_id=ticket.pk).exists()


@dataclass(frozen=True)
class ChatReplyTarget:
    conversation_id: int
    thread_key: str
    visitor_email: str
    language: str
    author: str


def chat_reply_target(*, message: Message) -> ChatReplyTarget | None:
    """Where an outbound chat message goes: the conversation of the visitor it is addressed
    to (its chat identity), with what the sender needs and may not fetch itself."""
    if message.identity is None:
        return None
    conversation = (
        ChatConversation.objects.filter(visitor_id=message.identity.value).order_by("-pk").first()
    )
    if conversation is None:
        return None
    author = (
        Message.objects.filter(pk=message.pk)
        .values_list("author_user__first_name", "author_user__username")
        .first()
        if message.author_user_id
        else None
    )
    return ChatReplyTarget(
        conversation_id=conversation.pk,
        thread_key=chat_conversation_key(conversation.pk),
        visitor_email=conversation.visitor_email,
        # The customer's language (an agent may have corrected it), else the browser's.
        language=message.identity.customer.language or conversation.language,
        author=(author[0] or author[1]) if author else "",
    )


# Presence lives in Redis, not PostgreSQL: a sorted set per audience whose members (one per
# open socket) carry their expiry as score. Sockets refresh it while open, so a crashed
# process stops counting once its entries expire.
PRESENCE_TTL = 60
AGENTS_PRESENCE = "chat-agents"


@functools.cache
def presence_redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def presence_key(name: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:presence:{name}"


def presence_count(*, name: str) -> int:
    return int(presence_redis().zcount(presence_key(name), time.time(), "+inf"))


def chat_agents_online() -> bool:
    return presence_count(name=AGENTS_PRESENCE) > 0


def chat_visitor_connected(*, conversation_id: int) -> bool:
    return presence_count(name=_visitor_presence(conversation_id)) > 0


def _visitor_presence(conversation_id: int) -> str:
    return f"chat-visitor-{conversation_id}"


def chat_visitors_connected(*, conversation_ids: Iterable[int]) -> set[int]:
    """Which of these conversations have the visitor's widget open now: one Redis round
    trip for any number (the desk's live chat view asks for a page of them at once)."""
    ids = list(conversation_ids)
    if not ids:
        return set()
    pipe = presence_redis().pipeline(transaction=False)
    now = time.time()
    for conversation_id in ids:
        pipe.zcount(presence_key(_visitor_presence(conversation_id)), now, "+inf")
    return {cid for cid, count in zip(ids, pipe.execute(), strict=True) if count}
