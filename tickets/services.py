"""Writes on tickets and messages. Every function is atomic and keyword-only; nothing else
calls `.save()` on a Ticket or Message.

`message_ingest` is the one entry point every channel adapter calls for an inbound message;
`reply_create` / `note_add` / `call_log` are the agent's side.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from customers.models import Customer, Identity
from customers.services import customer_merge_records, customer_resolve
from helpdesk.db import advisory_xact_lock
from tickets import realtime
from tickets.models import (
    ACTIVE_STATUSES,
    CHANNEL_IDENTITY_KIND,
    Attachment,
    CallDirection,
    Channel,
    DeliveryState,
    Direction,
    EventKind,
    Message,
    Priority,
    Status,
    Team,
    Ticket,
    TicketEvent,
)
from tickets.senders import PermanentSendError, TransientSendError, get_sender

logger = logging.getLogger(__name__)


class TicketError(ValueError):
    """A request on a ticket that cannot be carried out; the message says why (shown to users)."""


# --- inbound -----------------------------------------------------------------------------


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
    call_direction: str = ""
    call_answered: bool | None = None
    call_duration_seconds: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class IngestResult:
    message: Message
    ticket: Ticket
    created_ticket: bool
    duplicate: bool
    reason: str


def _event(
    ticket: Ticket,
    kind: str,
    text: str,
    *,
    actor: Any = None,
    message: Message | None = None,
    **data: Any,
) -> TicketEvent:
    return TicketEvent.objects.create(
        ticket=ticket, kind=kind, text=text[:500], actor=actor, message=message, data=data
    )


def _live_ticket(ticket: Ticket) -> Ticket:
    seen: set[int] = set()
    while ticket.merged_into is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    return ticket


def _thread_match(data: InboundMessage, customer: Customer) -> tuple[Ticket | None, str]:
    """The channel's own thread key first, then the ticket token (same customer only)."""
    keys = [k for k in data.reply_to_keys if k]
    if keys:
        earlier = (
            Message.objects.filter(channel=data.channel, thread_key__in=keys)
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        if earlier is not None:
            return _live_ticket(earlier.ticket), f"replied to message {earlier.pk}"
    if data.ticket_number:
        token_ticket = Ticket.objects.filter(pk=data.ticket_number).first()
        # A token is guessable: only the ticket's own customer may thread onto it by token.
        if token_ticket is not None and token_ticket.customer_id == customer.pk:
            return _live_ticket(token_ticket), f"ticket token #{data.ticket_number}"
    return None, ""


def _open_ticket_of(customer: Customer) -> Ticket | None:
    return (
        Ticket.objects.filter(
            customer=customer, status__in=ACTIVE_STATUSES, merged_into__isnull=True
        )
        .order_by("-last_inbound_at", "-id")
        .first()
    )


def _raise_priority(ticket: Ticket) -> int:
    return min(ticket.priority + 1, Priority.URGENT)


def _new_ticket(data: InboundMessage, customer: Customer, *, follow_up_of: Ticket | None) -> Ticket:
    subject = data.subject or (data.body_text.strip().splitlines() or [""])[0][:120]
    ticket = Ticket.objects.create(
        subject=subject[:300],
        customer=customer,
        channel=data.channel,
        status=Status.NEW,
        team=follow_up_of.team if follow_up_of else None,
        follow_up_of=follow_up_of,
    )
    return ticket


@transaction.atomic
def message_ingest(*, data: InboundMessage) -> IngestResult:
    """Store one inbound message on the right ticket, exactly once.

    Idempotent on (channel, provider_message_id), also when the same delivery arrives on two
    connections at once (an advisory lock serialises them). Threading, in order: the
    channel's thread key / ticket token; else the customer's open ticket on any channel; else
    a new ticket. A solved ticket is reopened; a closed one gets a linked follow-up. Counts
    chasing and raises priority one step on the second repeat contact (once per ticket).
    Raises `InvalidIdentity` when the sender cannot be identified.
    """
    if data.channel not in Channel.values:
        raise TicketError(f"unknown channel '{data.channel}'")
    if data.provider_message_id:
        advisory_xact_lock(f"message:{data.channel}:{data.provider_message_id}")
        existing = (
            Message.objects.select_related("ticket")
            .filter(channel=data.channel, provider_message_id=data.provider_message_id)
            .first()
        )
        if existing is not None:
            return IngestResult(existing, existing.ticket, False, True, "duplicate delivery")

    resolved = customer_resolve(
        kind=data.identity_kind,
        value=data.identity_value,
        name=data.customer_name,
        region=data.phone_region,
    )
    customer = resolved.customer
    received_at = data.sent_at or timezone.now()

    ticket, reason = _thread_match(data, customer)
    created = False
    follow_up_of: Ticket | None = None
    if ticket is None:
        ticket = _open_ticket_of(customer)
        reason = "same customer's open ticket" if ticket else ""
    if ticket is not None and ticket.status == Status.CLOSED:
        follow_up_of, ticket = ticket, None
    if ticket is None:
        ticket = _new_ticket(data, customer, follow_up_of=follow_up_of)
        created = True
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)

    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.INBOUND,
        channel=data.channel,
        author_customer=customer,
        identity=resolved.identity,
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
        _attach(message, item)

    if created:
        if follow_up_of is not None:
            _event(
                ticket,
                EventKind.FOLLOW_UP,
                f"follow-up of closed ticket #{follow_up_of.pk}",
                message=message,
                follow_up_of=follow_up_of.pk,
            )
            _event(
                follow_up_of,
                EventKind.FOLLOW_UP,
                f"customer wrote again: follow-up ticket #{ticket.pk} opened",
                follow_up=ticket.pk,
            )
        else:
            _event(ticket, EventKind.CREATED, f"created from {data.channel}", message=message)
    else:
        _event(ticket, EventKind.JOINED, f"joined: {reason}", message=message, reason=reason)

    _apply_inbound_to_ticket(ticket, message, received_at=received_at)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    logger.info(
        "inbound %s message %s on ticket %s (%s)",
        data.channel,
        message.pk,
        ticket.pk,
        "new ticket" if created else reason,
    )
    return IngestResult(message, ticket, created, False, reason or "new ticket")


def _attach(message: Message, item: InboundAttachment) -> Attachment:
    attachment = Attachment(
        message=message,
        filename=item.filename[:255] or "attachment",
        content_type=item.content_type[:255],
        size=len(item.content),
        content_id=item.content_id[:255],
        is_inline=item.is_inline,
    )
    attachment.file.save(attachment.filename, ContentFile(item.content), save=False)
    attachment.save()
    return attachment


def _apply_inbound_to_ticket(ticket: Ticket, message: Message, *, received_at: datetime) -> None:
    fields = {"latest_inbound_channel", "last_inbound_at", "updated_at"}
    ticket.latest_inbound_channel = message.channel
    # Deliveries can arrive out of order: the latest contact time only moves forward.
    if ticket.last_inbound_at is None or received_at > ticket.last_inbound_at:
        ticket.last_inbound_at = received_at
    if ticket.status == Status.SOLVED:
        ticket.status = Status.OPEN
        ticket.solved_at = None
        fields |= {"status", "solved_at"}
        _event(ticket, EventKind.REOPENED, "reopened: the customer wrote again", message=message)
    elif ticket.status in (Status.PENDING, Status.ON_HOLD):
        old = ticket.status
        ticket.status = Status.OPEN
        fields.add("status")
        _event(
            ticket,
            EventKind.STATUS,
            f"status {old} → open: the customer replied",
            message=message,
            old=old,
            new=Status.OPEN,
        )
    if not message.is_automatic:
        if ticket.unanswered_contacts >= 1:
            ticket.repeat_contacts += 1
            fields.add("repeat_contacts")
            _event(
                ticket,
                EventKind.CHASING,
                f"customer contacted you {ticket.unanswered_contacts + 1} times without an answer",
                message=message,
                contacts=ticket.unanswered_contacts + 1,
                repeat_contacts=ticket.repeat_contacts,
            )
            if ticket.repeat_contacts >= 2 and not ticket.chase_priority_raised:
                old_priority = ticket.priority
                ticket.priority = _raise_priority(ticket)
                ticket.chase_priority_raised = True
                fields |= {"priority", "chase_priority_raised"}
                _event(
                    ticket,
                    EventKind.PRIORITY,
                    f"priority {Priority(old_priority).label.lower()} → "
                    f"{Priority(ticket.priority).label.lower()}: the customer is chasing",
                    message=message,
                    old=old_priority,
                    new=ticket.priority,
                )
        ticket.unanswered_contacts += 1
        fields.add("unanswered_contacts")
    ticket.save(update_fields=sorted(fields))


# --- agent's side: replies, notes, calls --------------------------------------------------


# Channels that cannot carry a reply themselves and the channel that answers for them.
REPLY_CHANNEL: dict[str, str] = {Channel.WEB: Channel.EMAIL}


def reply_channel_default(*, ticket: Ticket) -> str:
    """The channel of the customer's latest inbound message, else the ticket's origin
    (a web-form request is answered by email)."""
    channel = ticket.latest_inbound_channel or ticket.channel
    return REPLY_CHANNEL.get(channel, channel)


def _recipient(ticket: Ticket, channel: str, identity: Identity | None) -> Identity | None:
    if channel == Channel.PHONE and identity is None:
        return ticket.customer.identities.filter(kind__in=["phone", "whatsapp"]).first()
    kind = CHANNEL_IDENTITY_KIND.get(channel)
    if identity is not None:
        if identity.customer_id != ticket.customer_id or identity.kind != kind:
            raise TicketError(f"that identity cannot receive a {channel} reply for this customer")
        return identity
    latest = (
        ticket.messages.filter(direction=Direction.INBOUND, channel=channel, identity__isnull=False)
        .order_by("-created_at")
        .select_related("identity")
        .first()
    )
    if latest is not None and latest.identity and latest.identity.customer_id == ticket.customer_id:
        return latest.identity
    return ticket.customer.identities.filter(kind=kind).order_by("created_at").first()


def _check_writable(ticket: Ticket) -> None:
    if ticket.status == Status.CLOSED:
        raise TicketError(f"ticket #{ticket.pk} is closed; open a follow-up instead")
    if ticket.merged_into_id is not None:
        raise TicketError(f"ticket #{ticket.pk} was merged into #{ticket.merged_into_id}")


def _record_public_reply(ticket: Ticket, message: Message) -> None:
    now = message.created_at
    fields = {"updated_at"}
    if ticket.first_ack_at is None:
        ticket.first_ack_at = now
        fields.add("first_ack_at")
    if message.is_human_public_reply:
        if ticket.first_human_reply_at is None:
            ticket.first_human_reply_at = now
            fields.add("first_human_reply_at")
        ticket.last_human_reply_at = now
        ticket.unanswered_contacts = 0
        fields |= {"last_human_reply_at", "unanswered_contacts"}
        if ticket.status == Status.NEW:
            ticket.status = Status.OPEN
            fields.add("status")
    ticket.save(update_fields=sorted(fields))


@transaction.atomic
def reply_create(
    *,
    ticket: Ticket,
    author: Any | None,
    body_text: str,
    body_html: str = "",
    channel: str | None = None,
    identity: Identity | None = None,
    is_automatic: bool = False,
) -> Message:
    """Record a public reply and queue it for the channel's sender (after commit).

    The message row is the outbox; `message_deliver` sends it, `outbox_sweep` re-drives it if
    the task is lost. `author=None` with `is_automatic=True` is for acknowledgements, which
    do not count as a human reply.
    """
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    _check_writable(ticket)
    if not body_text.strip():
        raise TicketError("a reply needs some text")
    channel = channel or reply_channel_default(ticket=ticket)
    if channel not in Channel.values:
        raise TicketError(f"unknown channel '{channel}'")
    channel = REPLY_CHANNEL.get(channel, channel)
    if channel == Channel.PHONE:
        raise TicketError("a phone reply is a call: log it with call_log")
    recipient = _recipient(ticket, channel, identity)
    if recipient is None:
        raise TicketError(f"the customer has no {channel} identity to reply to")
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        channel=channel,
        author_user=author,
        identity=recipient,
        subject=ticket.subject,
        body_text=body_text,
        body_html=body_html,
        is_automatic=is_automatic,
        delivery_state=DeliveryState.QUEUED,
        next_attempt_at=timezone.now(),
    )
    _record_public_reply(ticket, message)
    _enqueue_delivery(message.pk)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    return message


def _enqueue_delivery(message_id: int) -> None:
    from tickets.tasks import deliver_message

    transaction.on_commit(lambda: deliver_message.delay(message_id))


@transaction.atomic
def note_add(*, ticket: Ticket, author: Any, body_text: str) -> Message:
    """An internal note: never sent, never meets a response promise."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.merged_into_id is not None:
        raise TicketError(f"ticket #{ticket.pk} was merged into #{ticket.merged_into_id}")
    if not body_text.strip():
        raise TicketError("a note needs some text")
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.NOTE,
        channel=ticket.channel,
        author_user=author,
        body_text=body_text,
    )
    ticket.save(update_fields=["updated_at"])
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    return message


@transaction.atomic
def call_log(
    *,
    ticket: Ticket,
    agent: Any,
    direction: str,
    answered: bool,
    duration_seconds: int = 0,
    notes: str = "",
) -> Message:
    """A phone call the agent logs on a ticket. An answered outbound call is a human reply;
    an inbound call is a customer contact (and counts towards chasing)."""
    if direction not in CallDirection.values:
        raise TicketError(f"call direction must be one of {', '.join(CallDirection.values)}")
    if duration_seconds < 0:
        raise TicketError("a call cannot last less than zero seconds")
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    _check_writable(ticket)
    phone = ticket.customer.identities.filter(kind__in=["phone", "whatsapp"]).first()
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.OUTBOUND if direction == CallDirection.OUTBOUND else Direction.INBOUND,
        channel=Channel.PHONE,
        author_user=agent if direction == CallDirection.OUTBOUND else None,
        author_customer=ticket.customer if direction == CallDirection.INBOUND else None,
        identity=phone,
        body_text=notes,
        call_direction=direction,
        call_answered=answered,
        call_duration_seconds=duration_seconds,
        delivery_state=DeliveryState.SENT if direction == CallDirection.OUTBOUND else "",
        sent_at=timezone.now() if direction == CallDirection.OUTBOUND else None,
        sent_by_customer_at=timezone.now() if direction == CallDirection.INBOUND else None,
        meta={"logged_by": getattr(agent, "pk", None)},
    )
    if direction == CallDirection.OUTBOUND:
        if answered:
            _record_public_reply(ticket, message)
    else:
        _apply_inbound_to_ticket(ticket, message, received_at=message.created_at)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    return message


# --- outbound delivery (the outbox) -------------------------------------------------------


def _backoff(attempt: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempt - 1, 0), 3600))


def message_deliver(*, message_id: int) -> Message | None:
    """Send one queued outbound message through its channel's sender, at most once at a time.

    The row is claimed with a conditional UPDATE (queued → sending), so two workers or a
    re-driven task never send it twice. Transient errors put it back in the queue with
    backoff; permanent ones, or too many attempts, mark it failed with the reason.
    """
    claimed = Message.objects.filter(
        pk=message_id, direction=Direction.OUTBOUND, delivery_state=DeliveryState.QUEUED
    ).update(
        delivery_state=DeliveryState.SENDING,
        send_attempts=F("send_attempts") + 1,
        # While sending, next_attempt_at holds the claim time: a send stuck past it is re-driven.
        next_attempt_at=timezone.now(),
    )
    if not claimed:
        return None
    message = Message.objects.select_related("ticket", "identity", "ticket__customer").get(
        pk=message_id
    )
    sender = get_sender(message.channel)
    now = timezone.now()
    try:
        if sender is None:
            raise PermanentSendError(f"no sender is configured for the {message.channel} channel")
        result = sender.send(message)
    except TransientSendError as exc:
        if message.send_attempts >= settings.HELPDESK_SEND_MAX_ATTEMPTS:
            return _mark_failed(message, f"gave up after {message.send_attempts} attempts: {exc}")
        message.delivery_state = DeliveryState.QUEUED
        message.delivery_error = str(exc)[:2000]
        message.next_attempt_at = now + _backoff(message.send_attempts)
        message.save(update_fields=["delivery_state", "delivery_error", "next_attempt_at"])
        logger.warning(
            "message %s: transient send error, retry at %s", message.pk, message.next_attempt_at
        )
        return message
    except PermanentSendError as exc:
        return _mark_failed(message, str(exc))
    message.delivery_state = DeliveryState.SENT
    message.sent_at = now
    message.delivery_error = ""
    message.next_attempt_at = None
    fields = ["delivery_state", "sent_at", "delivery_error", "next_attempt_at"]
    if result.provider_message_id and not message.provider_message_id:
        message.provider_message_id = result.provider_message_id
        fields.append("provider_message_id")
    if result.thread_key and not message.thread_key:
        message.thread_key = result.thread_key
        fields.append("thread_key")
    message.save(update_fields=fields)
    realtime.publish_ticket_event(
        ticket_id=message.ticket_id,
        event="message.delivery",
        data={"message": message.pk, "state": "sent"},
    )
    return message


def _mark_failed(message: Message, reason: str) -> Message:
    message.delivery_state = DeliveryState.FAILED
    message.delivery_error = reason[:2000]
    message.next_attempt_at = None
    message.save(update_fields=["delivery_state", "delivery_error", "next_attempt_at"])
    logger.error("message %s failed: %s", message.pk, reason)
    realtime.publish_ticket_event(
        ticket_id=message.ticket_id,
        event="message.delivery",
        data={"message": message.pk, "state": "failed"},
    )
    return message


def outbox_due_ids(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Queued messages whose attempt is due, plus sends stuck in 'sending' (worker died)."""
    now = now or timezone.now()
    stuck_before = now - timedelta(minutes=10)
    stuck = Message.objects.filter(
        delivery_state=DeliveryState.SENDING, next_attempt_at__lt=stuck_before
    ).update(delivery_state=DeliveryState.QUEUED)
    if stuck:
        logger.warning("outbox: %s sends stuck in 'sending' put back in the queue", stuck)
    return list(
        Message.objects.filter(delivery_state=DeliveryState.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


# --- ticket properties --------------------------------------------------------------------


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, by: Any) -> Ticket:
    if status not in Status.values:
        raise TicketError(f"unknown status '{status}'")
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status == status:
        return ticket
    if ticket.status == Status.CLOSED:
        raise TicketError(f"ticket #{ticket.pk} is closed and read-only")
    old = ticket.status
    ticket.status = status
    fields = ["status", "updated_at"]
    now = timezone.now()
    if status == Status.SOLVED:
        ticket.solved_at = now
        fields.append("solved_at")
    elif status == Status.CLOSED:
        ticket.closed_at = now
        ticket.solved_at = ticket.solved_at or now
        fields += ["closed_at", "solved_at"]
    elif old == Status.SOLVED:
        ticket.solved_at = None
        fields.append("solved_at")
    ticket.save(update_fields=fields)
    _event(ticket, EventKind.STATUS, f"status {old} → {status}", actor=by, old=old, new=status)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="ticket.updated", data={"status": status}
    )
    return ticket


def _change(
    ticket: Ticket, field: str, value: Any, *, kind: str, text: str, by: Any, old: Any, new: Any
) -> Ticket:
    """Set one field of a locked ticket, record the event and tell the watchers."""
    setattr(ticket, field, value)
    ticket.save(update_fields=[field, "updated_at"])
    _event(ticket, kind, text, actor=by, old=old, new=new)
    realtime.publish_ticket_event(ticket_id=ticket.pk, event="ticket.updated", data={field: new})
    return ticket


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


@transaction.atomic
def ticket_assign(*, ticket: Ticket, agent: Any | None, by: Any) -> Ticket:
    ticket = _locked(ticket)
    new = agent.pk if agent else None
    if ticket.assignee_id == new:
        return ticket
    text = f"assigned to {agent.get_username()}" if agent else "unassigned"
    return _change(
        ticket,
        "assignee",
        agent,
        kind=EventKind.ASSIGNMENT,
        text=text,
        by=by,
        old=ticket.assignee_id,
        new=new,
    )


@transaction.atomic
def ticket_set_team(*, ticket: Ticket, team: Team | None, by: Any) -> Ticket:
    ticket = _locked(ticket)
    new = team.pk if team else None
    if ticket.team_id == new:
        return ticket
    text = f"team: {team.name if team else 'none'}"
    return _change(
        ticket, "team", team, kind=EventKind.TEAM, text=text, by=by, old=ticket.team_id, new=new
    )


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: int, by: Any) -> Ticket:
    if priority not in Priority.values:
        raise TicketError(f"priority must be one of {Priority.values}")
    ticket = _locked(ticket)
    if ticket.priority == priority:
        return ticket
    text = (
        f"priority {Priority(ticket.priority).label.lower()} → {Priority(priority).label.lower()}"
    )
    return _change(
        ticket,
        "priority",
        priority,
        kind=EventKind.PRIORITY,
        text=text,
        by=by,
        old=ticket.priority,
        new=priority,
    )


@transaction.atomic
def ticket_set_tags(*, ticket: Ticket, tags: list[str], by: Any) -> Ticket:
    cleaned = sorted({t.strip().lower()[:50] for t in tags if t.strip()})
    ticket = _locked(ticket)
    if sorted(ticket.tags) == cleaned:
        return ticket
    text = f"tags: {', '.join(cleaned) or 'none'}"
    return _change(
        ticket, "tags", cleaned, kind=EventKind.TAGS, text=text, by=by, old=ticket.tags, new=cleaned
    )


@transaction.atomic
def ticket_set_subject(*, ticket: Ticket, subject: str, by: Any) -> Ticket:
    subject = subject.strip()[:300]
    if not subject:
        raise TicketError("a ticket needs a subject")
    ticket = _locked(ticket)
    if ticket.subject == subject:
        return ticket
    return _change(
        ticket,
        "subject",
        subject,
        kind=EventKind.SUBJECT,
        text=f"subject: {subject}",
        by=by,
        old=ticket.subject,
        new=subject,
    )


@transaction.atomic
def ticket_create(
    *,
    customer: Customer,
    subject: str,
    channel: str,
    by: Any,
    team: Team | None = None,
    priority: int = Priority.NORMAL,
) -> Ticket:
    """An agent opens a ticket for a customer (e.g. to log a call or write first)."""
    if channel not in Channel.values:
        raise TicketError(f"unknown channel '{channel}'")
    if customer.merged_into_id is not None:
        raise TicketError(f"customer {customer.pk} was merged into {customer.merged_into_id}")
    ticket = Ticket.objects.create(
        customer=customer, subject=subject[:300], channel=channel, team=team, priority=priority
    )
    _event(ticket, EventKind.CREATED, f"created by an agent ({channel})", actor=by)
    return ticket


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, by: Any) -> Ticket:
    """Move every message of `source` onto `target`; `source` is closed and points at it."""
    if source.pk == target.pk:
        raise TicketError("a ticket cannot be merged into itself")
    first, second = sorted([source.pk, target.pk])
    locked = {t.pk: t for t in Ticket.objects.select_for_update().filter(pk__in=[first, second])}
    source, target = locked[source.pk], locked[target.pk]
    if source.merged_into_id is not None:
        raise TicketError(f"ticket #{source.pk} was already merged into #{source.merged_into_id}")
    if target.merged_into_id is not None or target.status == Status.CLOSED:
        raise TicketError(f"ticket #{target.pk} cannot take messages (merged or closed)")
    if target.customer_id != source.customer_id:
        raise TicketError(
            "tickets of different customers cannot be merged; merge the customers first"
        )
    moved = Message.objects.filter(ticket=source).update(ticket=target)
    old_status = source.status
    source.merged_into = target
    source.status = Status.CLOSED
    source.closed_at = timezone.now()
    source.save(update_fields=["merged_into", "status", "closed_at", "updated_at"])
    fields = ["updated_at", "unanswered_contacts", "repeat_contacts"]
    target.unanswered_contacts += source.unanswered_contacts
    target.repeat_contacts += source.repeat_contacts
    for name in ("last_inbound_at", "first_ack_at", "first_human_reply_at"):
        a, b = getattr(target, name), getattr(source, name)
        if b is not None and (a is None or (b < a if name != "last_inbound_at" else b > a)):
            setattr(target, name, b)
            fields.append(name)
    target.save(update_fields=fields)
    _event(
        source,
        EventKind.MERGE,
        f"merged into #{target.pk}",
        actor=by,
        into=target.pk,
        old_status=old_status,
    )
    _event(
        target,
        EventKind.MERGE,
        f"#{source.pk} merged in ({moved} messages)",
        actor=by,
        source=source.pk,
    )
    return target


@transaction.atomic
def message_move(*, message: Message, to_ticket: Ticket | None, by: Any) -> Ticket:
    """Move a message to another ticket of the same customer, or split it off into a new one."""
    message = Message.objects.select_for_update().select_related("ticket").get(pk=message.pk)
    source = message.ticket
    if to_ticket is None:
        to_ticket = Ticket.objects.create(
            customer=source.customer,
            subject=(message.subject or message.body_text.strip()[:120] or source.subject)[:300],
            channel=message.channel,
            team=source.team,
            status=Status.OPEN,
            last_inbound_at=message.sent_by_customer_at,
            latest_inbound_channel=message.channel
            if message.direction == Direction.INBOUND
            else "",
        )
        _event(
            to_ticket, EventKind.CREATED, f"split off from #{source.pk}", actor=by, message=message
        )
    elif to_ticket.pk == source.pk:
        return source
    _check_writable(to_ticket)
    if to_ticket.customer_id != source.customer_id:
        raise TicketError("a message can only move to a ticket of the same customer")
    message.ticket = to_ticket
    message.save(update_fields=["ticket"])
    _event(
        source, EventKind.MESSAGE_MOVED, f"message {message.pk} moved to #{to_ticket.pk}", actor=by
    )
    _event(
        to_ticket,
        EventKind.MESSAGE_MOVED,
        f"message {message.pk} moved here from #{source.pk}",
        actor=by,
        message=message,
    )
    return to_ticket


@transaction.atomic
def customers_merge(*, source: Customer, target: Customer, by: Any) -> Customer:
    """Merge two customers: identities, tickets and history move to the survivor, which the
    merged record keeps pointing at. Each moved ticket says so on its timeline."""
    ticket_ids = list(Ticket.objects.filter(customer=source).values_list("pk", flat=True))
    survivor = customer_merge_records(source=source, target=target)
    for ticket in Ticket.objects.filter(pk__in=ticket_ids):
        _event(
            ticket,
            EventKind.CUSTOMER_MERGE,
            f"customer {source.pk} merged into {survivor.pk}",
            actor=by,
            source=source.pk,
            target=survivor.pk,
        )
    return survivor


def tickets_close_solved(*, now: datetime | None = None, limit: int = 1000) -> int:
    """Close tickets solved longer ago than HELPDESK_CLOSE_SOLVED_AFTER_DAYS. Returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.HELPDESK_CLOSE_SOLVED_AFTER_DAYS)
    closed = 0
    with transaction.atomic():
        due = list(
            Ticket.objects.select_for_update(skip_locked=True)
            .filter(status=Status.SOLVED, solved_at__lt=cutoff)
            .order_by("solved_at")[:limit]
        )
        for ticket in due:
            ticket.status = Status.CLOSED
            ticket.closed_at = now
            ticket.save(update_fields=["status", "closed_at", "updated_at"])
            _event(
                ticket,
                EventKind.STATUS,
                "status solved → closed: aged out",
                old="solved",
                new="closed",
            )
            closed += 1
    return closed
