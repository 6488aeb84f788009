"""Inbound messages: the one entry point every channel adapter calls (`message_ingest`),
in three steps — resolve the thread (sender and ticket), store the message, record the
consequences (timeline, reopening, chasing, SLA: `ticket_on_inbound`)."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from dataclasses import fields as dataclass_fields
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from customers.language import customer_language_observe
from customers.models import Customer, Identity
from customers.services import customer_resolve
from helpdesk.db import advisory_xact_lock
from tickets import realtime, selectors
from tickets.models import (
    Attachment,
    Channel,
    Direction,
    EventKind,
    Message,
    Status,
    Ticket,
)
from tickets.services.chasing import Chasing, chasing_after, chasing_priority_raise
from tickets.services.errors import TicketError
from tickets.services.events import event_record
from tickets.services.sla import sla_on_inbound, sla_on_status
from tickets.services.tickets import ticket_live, ticket_lock
from tickets.text import (
    attachment_display_name,
    attachment_storage_name,
    json_clean,
    text_clean,
)

logger = logging.getLogger(__name__)


@dataclass
class InboundAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"
    content_id: str = ""
    is_inline: bool = False


@dataclass
class InboundMessage:
    """What a channel adapter hands to `message_ingest`: parsed, not yet stored."""

    channel: str
    identity_kind: str
    identity_value: str
    body_text: str = ""
    body_html: str = ""
    subject: str = ""
    customer_name: str = ""
    phone_region: str | None = None
    provider_message_id: str = ""
    # This message's own conversation key (its email Message-ID, the chat conversation id…).
    thread_key: str = ""
    # Keys of earlier messages it answers (email In-Reply-To / References, social thread id).
    reply_to_keys: list[str] = field(default_factory=list)
    # A ticket number found in the subject token or plus-addressed reply-to.
    ticket_number: int | None = None
    is_automatic: bool = False
    sent_at: datetime | None = None
    attachments: list[InboundAttachment] = field(default_factory=list)
    # Routing hint from the channel (e.g. the mailbox written to): team of a new ticket.
    team_id: int | None = None
    call_direction: str = ""
    call_answered: bool | None = None
    call_duration_seconds: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    # What the channel says about the customer's language ("nl", "pl-PL", an Accept-Language
    # list) and how strong it is: `channel` (browser, Content-Language) or `phone_country`.
    # Without a hint the language is detected from the text (customers.language).
    language_hint: str = ""
    language_source: str = "channel"
    # The sender is already known (a customer signed in to the portal): no identity lookup;
    # `identity_kind`/`identity_value` may then be empty.
    customer_id: int | None = None
    # The sender asked for a new conversation (the portal's "New request"): never threaded
    # onto their open ticket. Tags (the request's category) go on that new ticket.
    new_ticket: bool = False
    tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class IngestResult:
    message: Message
    ticket: Ticket
    created_ticket: bool
    duplicate: bool
    reason: str


class IngestSkipped(Exception):
    """The message is deliberately not stored (an automatic reply to no known conversation)."""


def inbound_clean(*, data: InboundMessage) -> InboundMessage:
    """`data` with every text (all str fields, reply keys, attachments, meta) made storable by
    `tickets.text.text_clean`; what was removed is recorded per field in
    `meta["cleaned"]` ({"body_text": {"U+0000": 2}}), merged with an earlier record.
    Pure and idempotent: a channel may clean before `message_ingest` does (to route a button
    payload, say) and the second pass changes nothing."""
    cleaned: dict[str, Counter[str]] = {}
    changes: dict[str, Any] = {}
    for name in (f.name for f in dataclass_fields(data) if isinstance(getattr(data, f.name), str)):
        value, removed = text_clean(getattr(data, name))
        if removed:
            changes[name], cleaned[name] = value, removed
    keys, removed = json_clean(data.reply_to_keys)
    if removed:
        changes["reply_to_keys"], cleaned["reply_to_keys"] = keys, removed
    attachments, removed = _attachments_clean(data.attachments)
    if removed:
        changes["attachments"], cleaned["attachments"] = attachments, removed
    meta, removed = json_clean(data.meta)
    if removed:
        changes["meta"], cleaned["meta"] = meta, removed
    if not cleaned:
        return data
    record = dict((changes.get("meta") or data.meta).get("cleaned") or {})
    for name, counts in cleaned.items():
        record[name] = dict(Counter(record.get(name) or {}) + counts)
    changes["meta"] = {**(changes.get("meta") or data.meta), "cleaned": record}
    logger.info("inbound %s message %s cleaned: %s", data.channel, data.provider_message_id, record)
    return replace(data, **changes)


def _attachments_clean(
    items: list[InboundAttachment],
) -> tuple[list[InboundAttachment], Counter[str]]:
    found: Counter[str] = Counter()
    result = []
    for item in items:
        (filename, content_type, content_id), removed = json_clean(
            [item.filename, item.content_type, item.content_id]
        )
        found.update(removed)
        result.append(
            replace(item, filename=filename, content_type=content_type, content_id=content_id)
        )
    return result, found


def _thread_by_keys(data: InboundMessage) -> tuple[Ticket | None, str]:
    keys = [k for k in data.reply_to_keys if k]
    if keys:
        earlier = (
            Message.objects.filter(channel=data.channel, thread_key__in=keys)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            return ticket_live(earlier.ticket), f"replied to message {earlier.pk}"
    return None, ""


def _thread_match(data: InboundMessage, customer: Customer) -> tuple[Ticket | None, str]:
    """The channel's own thread key first, then the ticket token (same customer only)."""
    ticket, reason = _thread_by_keys(data)
    if ticket is not None:
        return ticket, reason
    if data.ticket_number:
        token_ticket = Ticket.objects.filter(pk=data.ticket_number).first()
        # A token is guessable: only the ticket's own customer may thread onto it by token.
        if token_ticket is not None and token_ticket.customer_id == customer.pk:
            return ticket_live(token_ticket), f"ticket token #{data.ticket_number}"
    return None, ""


def _automatic_thread(data: InboundMessage) -> tuple[Ticket, str]:
    """The conversation an automatic message answers. Auto-replies and out-of-office notes
    never open, reopen or follow up a ticket: without an open conversation they are
    skipped (`IngestSkipped`), before any customer is resolved."""
    ticket, reason = _thread_by_keys(data)
    if ticket is None or ticket.status == Status.CLOSED:
        raise IngestSkipped("an automatic message that answers no open conversation")
    return ticket, reason


def _new_ticket(data: InboundMessage, customer: Customer, *, follow_up_of: Ticket | None) -> Ticket:
    subject = data.subject or (data.body_text.strip().splitlines() or [""])[0][:120]
    ticket = Ticket.objects.create(
        subject=subject[:300],
        customer=customer,
        channel=data.channel,
        status=Status.NEW,
        team_id=follow_up_of.team_id if follow_up_of else data.team_id,
        follow_up_of=follow_up_of,
        tags=list(dict.fromkeys(tag[:50] for tag in data.tags if tag)),
    )
    return ticket


@dataclass(frozen=True)
class _Thread:
    """Where an inbound message goes: its sender and the (locked) ticket, and how it got
    there (`reason`; a new ticket, maybe as the follow-up of a closed one)."""

    customer: Customer
    identity: Identity | None
    ticket: Ticket
    created: bool
    follow_up_of: Ticket | None
    reason: str


def _duplicate_find(data: InboundMessage) -> Message | None:
    """The message already stored for this delivery. The advisory lock (held till commit)
    serialises two connections delivering the same message at once."""
    if not data.provider_message_id:
        return None
    advisory_xact_lock(f"message:{data.channel}:{data.provider_message_id}")
    return (
        Message.objects.select_related("ticket")
        .filter(channel=data.channel, provider_message_id=data.provider_message_id)
        .first()
    )


def _thread_resolve(data: InboundMessage) -> _Thread:
    """Step 1: the sender and the ticket. An automatic message only joins the conversation
    it answers; anything else threads by the channel's keys / ticket token, else onto the
    customer's open ticket, else a new one (a follow-up when the match is closed)."""
    ticket, reason = _automatic_thread(data) if data.is_automatic else (None, "")
    customer, identity = _sender_resolve(data)
    if not data.is_automatic:
        # An auto-reply's language is the mail server's, not the customer's; a call's text
        # is our summary or the agent's notes.
        customer_language_observe(
            customer=customer,
            hint=data.language_hint,
            hint_source=data.language_source,
            text="" if data.call_direction else data.body_text,
        )
        ticket, reason = _thread_match(data, customer)
    if ticket is None and not data.new_ticket:
        ticket = selectors.ticket_open_for_customer(customer=customer)
        reason = "same customer's open ticket" if ticket else ""
    follow_up_of: Ticket | None = None
    if ticket is not None and ticket.status == Status.CLOSED:
        follow_up_of, ticket = ticket, None
    created = ticket is None
    if ticket is None:
        # Made in this transaction: nobody else sees it yet, so no lock and no re-read.
        ticket = _new_ticket(data, customer, follow_up_of=follow_up_of)
    else:
        ticket = ticket_lock(ticket)
    return _Thread(customer, identity, ticket, created, follow_up_of, reason)


def _sender_resolve(data: InboundMessage) -> tuple[Customer, Identity | None]:
    """The customer who wrote, and the identity they wrote from (None when a signed-in
    customer wrote from the portal without one of the channel's kind)."""
    if data.customer_id is None:
        resolved = customer_resolve(
            kind=data.identity_kind,
            value=data.identity_value,
            name=data.customer_name,
            region=data.phone_region,
        )
        return resolved.customer, resolved.identity
    customer = Customer.objects.get(pk=data.customer_id)
    while customer.merged_into_id is not None:
        customer = Customer.objects.get(pk=customer.merged_into_id)
    identity = customer.identities.filter(kind=data.identity_kind).order_by("pk").first()
    return customer, identity


def _message_store(data: InboundMessage, thread: _Thread, *, received_at: datetime) -> Message:
    """Step 2: the message row and its files."""
    message = Message.objects.create(
        ticket=thread.ticket,
        direction=Direction.INBOUND,
        channel=data.channel,
        author_customer=thread.customer,
        identity=thread.identity,
        subject=data.subject[:300],
        body_text=data.body_text,
        body_html=data.body_html,
        provider_message_id=data.provider_message_id,
        thread_key=data.thread_key,
        is_automatic=data.is_automatic,
        call_direction=data.call_direction,
        call_answered=data.call_answered,
        call_duration_seconds=data.call_duration_seconds,
        meta=data.meta,
        sent_by_customer_at=received_at,
    )
    for item in data.attachments:
        attachment_store(message, item)
    return message


def _thread_events_record(thread: _Thread, message: Message) -> None:
    """How the message got onto its ticket, on the timeline: created (or a follow-up, on
    both tickets) or joined with the threading reason."""
    ticket, follow_up_of = thread.ticket, thread.follow_up_of
    if not thread.created:
        reason = thread.reason
        event_record(ticket, EventKind.JOINED, f"joined: {reason}", message=message, reason=reason)
    elif follow_up_of is None:
        event_record(ticket, EventKind.CREATED, f"created from {message.channel}", message=message)
    else:
        event_record(
            ticket,
            EventKind.FOLLOW_UP,
            f"follow-up of closed ticket #{follow_up_of.pk}",
            message=message,
            follow_up_of=follow_up_of.pk,
        )
        event_record(
            follow_up_of,
            EventKind.FOLLOW_UP,
            f"customer wrote again: follow-up ticket #{ticket.pk} opened",
            follow_up=ticket.pk,
        )


@transaction.atomic
def message_ingest(*, data: InboundMessage) -> IngestResult:
    """Store one inbound message on the right ticket, exactly once.

    Idempotent on (channel, provider_message_id), also when the same delivery arrives on two
    connections at once (an advisory lock serialises them). Threading, in order: the
    channel's thread key / ticket token; else the customer's open ticket on any channel; else
    a new ticket. A solved ticket is reopened; a closed one gets a linked follow-up. Counts
    chasing and raises priority one step on the second repeat contact (once per ticket).
    Raises `InvalidIdentity` when the sender cannot be identified, `IngestSkipped` for an
    automatic message that answers no open conversation. Text PostgreSQL would refuse (NUL,
    lone surrogates) is cleaned first (`inbound_clean`), never a lost message.
    """
    data = inbound_clean(data=data)
    if data.channel not in Channel.values:
        raise TicketError(f"unknown channel '{data.channel}'")
    existing = _duplicate_find(data)
    if existing is not None:
        return IngestResult(existing, existing.ticket, False, True, "duplicate delivery")
    thread = _thread_resolve(data)
    received_at = data.sent_at or timezone.now()
    message = _message_store(data, thread, received_at=received_at)
    # Step 3: the consequences: the timeline, then status, chasing and SLA clocks.
    _thread_events_record(thread, message)
    ticket = thread.ticket
    ticket_on_inbound(ticket=ticket, message=message, received_at=received_at)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    how = "new ticket" if thread.created else thread.reason
    logger.info("inbound %s message %s on ticket %s (%s)", data.channel, message.pk, ticket.pk, how)
    return IngestResult(message, ticket, thread.created, False, thread.reason or "new ticket")


def attachment_store(message: Message, item: InboundAttachment) -> Attachment:
    """Store one file (a customer's, or an agent's upload on a reply or note) under a
    generated name (a uuid and a plain extension): the sender's name ("..", "../../x",
    "con.txt\\x00.html", 400 characters) is only ever displayed, as `attachment_display_name`
    cleaned it, and never reaches a path."""
    filename = attachment_display_name(item.filename)
    attachment = Attachment(
        message=message,
        filename=filename,
        content_type=text_clean(item.content_type)[0][:255],
        size=len(item.content),
        content_id=text_clean(item.content_id)[0][:255],
        is_inline=item.is_inline,
    )
    stored_as = attachment_storage_name(filename, unique=uuid.uuid4().hex)
    attachment.file.save(stored_as, ContentFile(item.content), save=False)
    attachment.save()
    return attachment


def message_attachments_add(
    *,
    message_id: int,
    key: str,
    attachment: InboundAttachment | None = None,
    omitted: str = "",
) -> bool:
    """Add a file fetched after the message was stored (a channel that sends links, not
    files), or the reason it could not be fetched. `key` names the file within the message:
    a key already settled is skipped, so a retried or doubled fetch stores it once. Returns
    whether anything changed."""
    # Both end up in Message.meta (jsonb), which refuses NUL like a text column does.
    key, omitted = text_clean(key)[0], text_clean(omitted)[0]
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        settled = list(message.meta.get("media_settled", []))
        if key in settled:
            return False
        message.meta = {**message.meta, "media_settled": [*settled, key]}
        data: dict[str, Any] = {"message": message.pk}
        if attachment is not None:
            data["attachment"] = attachment_store(message, attachment).pk
        if omitted:
            message.meta["omitted_attachments"] = [
                *message.meta.get("omitted_attachments", []),
                omitted,
            ]
            data["omitted"] = omitted
        message.save(update_fields=["meta"])
        realtime.publish_ticket_event(
            ticket_id=message.ticket_id, event="message.attachments", data=data
        )
    return True


def ticket_on_inbound(*, ticket: Ticket, message: Message, received_at: datetime) -> None:
    """What a customer's message (stored, on a locked ticket) does to the ticket: the latest
    contact, reopening, chasing, the SLA clocks. An automatic message only touches
    `updated_at`: it is not a contact by the customer. Also for calls an agent logs."""
    if message.is_automatic:
        ticket.save(update_fields=["updated_at"])
        return
    fields = {"latest_inbound_channel", "last_inbound_at", "updated_at"}
    ticket.latest_inbound_channel = message.channel
    # Deliveries can arrive out of order: the latest contact time only moves forward.
    if ticket.last_inbound_at is None or received_at > ticket.last_inbound_at:
        ticket.last_inbound_at = received_at
    old_status = ticket.status
    fields |= _reopen(ticket, message)
    fields |= _chasing_count(ticket, message)
    ticket.save(update_fields=sorted(fields))
    if old_status != ticket.status:
        sla_on_status(ticket=ticket, old=old_status, new=ticket.status, at=received_at)
    sla_on_inbound(ticket=ticket, message=message, at=received_at)


def _reopen(ticket: Ticket, message: Message) -> set[str]:
    """A solved, pending or on-hold ticket opens again when the customer writes."""
    if ticket.status == Status.SOLVED:
        ticket.status = Status.OPEN
        ticket.solved_at = None
        event_record(
            ticket, EventKind.REOPENED, "reopened: the customer wrote again", message=message
        )
        return {"status", "solved_at"}
    if ticket.status in (Status.PENDING, Status.ON_HOLD):
        old = ticket.status
        ticket.status = Status.OPEN
        event_record(
            ticket,
            EventKind.STATUS,
            f"status {old} → open: the customer replied",
            message=message,
            old=old,
            new=Status.OPEN,
        )
        return {"status"}
    return set()


def _chasing_count(ticket: Ticket, message: Message) -> set[str]:
    """Count the contact; the rule lives in services/chasing.py (a ticket merge recounts
    with it too)."""
    before = Chasing(ticket.unanswered_contacts, ticket.repeat_contacts)
    after = chasing_after(before, message)
    ticket.unanswered_contacts, ticket.repeat_contacts = after.unanswered, after.repeats
    fields = {"unanswered_contacts", "repeat_contacts"}
    if after.repeats > before.repeats:
        event_record(
            ticket,
            EventKind.CHASING,
            f"customer contacted you {after.unanswered} times without an answer",
            message=message,
            contacts=after.unanswered,
            repeat_contacts=after.repeats,
        )
        fields |= chasing_priority_raise(ticket, message=message)
    return fields
