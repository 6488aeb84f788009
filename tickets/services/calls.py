"""Phone calls that do not start from an existing ticket: calls reported by the telephony
provider's webhook, and calls an agent logs as a new ticket. Both reuse the two existing
paths: an inbound call is a customer contact (`message_ingest`), an outbound call is ours
(`call_log`). A call an agent logs on a ticket is `call_log` itself."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from customers.models import PHONE_KINDS, Customer, Identity, IdentityKind
from customers.normalise import InvalidIdentity, normalise_phone
from customers.selectors import customer_get
from customers.services import customer_resolve
from helpdesk.db import advisory_xact_lock
from tickets.models import CallDirection, Channel, Direction, EventKind, Message, Ticket, TodoKind
from tickets.services._common import TicketError, _event
from tickets.services.ingest import InboundMessage, IngestResult, _open_ticket_of, message_ingest
from tickets.services.properties import ticket_create
from tickets.services.replies import _check_call, call_log
from tickets.services.todos import todo_add, todos_settle


def _missed_calls_since(ticket: Ticket, since: datetime) -> int:
    return Message.objects.filter(
        ticket=ticket,
        direction=Direction.INBOUND,
        call_direction=CallDirection.INBOUND,
        call_answered=False,
        created_at__gt=since,
    ).count()


def _call_back_text(ticket: Ticket, number: str) -> str:
    """ "Call back +31…", with the number of missed calls once there is more than one."""
    open_todo = ticket.todos.filter(kind=TodoKind.CALL_BACK, done_at__isnull=True).first()
    missed = 1 + _missed_calls_since(ticket, open_todo.created_at) if open_todo else 1
    return f"Call back {number}" + (f" ({missed} missed calls)" if missed > 1 else "")


def _missed_call(result: IngestResult) -> None:
    message, ticket = result.message, result.ticket
    number = message.identity.value if message.identity else "the customer"
    _event(ticket, EventKind.CALL_MISSED, f"missed call from {number}", message=message)
    todo_add(
        ticket=ticket,
        kind=TodoKind.CALL_BACK,
        text=_call_back_text(ticket, number),
        message=message,
    )


@transaction.atomic
def call_ingest(*, data: InboundMessage, by: Any = None) -> IngestResult:
    """Record an inbound call through `message_ingest` (customer, threading, chasing, SLA:
    a missed call is a contact moment like any other).

    A missed call also adds a "missed call" event and the ticket's call-back to-do (one
    open call-back per ticket; a repeat missed call updates its count). An answered call
    settles an open call-back. Idempotent on `data.provider_message_id` (the provider's call
    id): a repeated delivery returns the stored call and adds nothing. `by` is the agent who
    logged the call, if any.
    """
    if data.channel != Channel.PHONE or data.call_direction != CallDirection.INBOUND:
        raise TicketError("call_ingest takes inbound calls on the phone channel")
    result = message_ingest(data=data)
    if result.duplicate:
        return result
    if data.call_answered:
        todos_settle(ticket=result.ticket, kind=TodoKind.CALL_BACK, by=by)
    else:
        _missed_call(result)
    return result


def _phone_customer(number: str) -> Customer | None:
    identity = (
        Identity.objects.filter(kind__in=PHONE_KINDS, value=number).order_by("created_at").first()
    )
    # customer_get follows a merged record to its survivor.
    return customer_get(customer_id=identity.customer_id) if identity else None


@transaction.atomic
def call_record_outbound(
    *,
    number: str,
    answered: bool,
    duration_seconds: int,
    provider_call_id: str,
    meta: dict[str, Any] | None = None,
) -> Message | None:
    """Record an outbound call the telephony provider reports, on the called customer's open
    ticket, through `call_log`.

    The call is ours, not the customer's: it never opens or reopens a ticket, so a call to
    an unknown number or to a customer without an open ticket is not recorded (returns
    None). The provider does not tell which agent called, so the call has no author: an
    answered one counts as the first acknowledgement, not as a human reply (an agent meets
    the response promise by logging the call). Idempotent on `provider_call_id`.
    Raises `InvalidIdentity` for a number that cannot be normalised.
    """
    if not provider_call_id:
        raise TicketError("an outbound call from the provider needs its call id")
    advisory_xact_lock(f"message:{Channel.PHONE}:{provider_call_id}")
    existing = Message.objects.filter(
        channel=Channel.PHONE, provider_message_id=provider_call_id
    ).first()
    if existing is not None:
        return existing
    customer = _phone_customer(normalise_phone(number))
    ticket = _open_ticket_of(customer) if customer else None
    if ticket is None:
        return None
    message = call_log(
        ticket=ticket,
        agent=None,
        direction=CallDirection.OUTBOUND,
        answered=answered,
        duration_seconds=duration_seconds,
    )
    message.provider_message_id = provider_call_id
    message.meta = {**(meta or {}), "logged_by": None}
    message.save(update_fields=["provider_message_id", "meta"])
    if answered:
        todos_settle(ticket=ticket, kind=TodoKind.CALL_BACK, by=None)
    return message


@transaction.atomic
def call_log_new(
    *,
    agent: Any,
    phone: str,
    direction: str,
    answered: bool,
    duration_seconds: int = 0,
    notes: str = "",
    name: str = "",
    region: str | None = None,
) -> Message:
    """An agent logs a call from or to a phone number, not on a ticket they chose.

    The number resolves to the customer with that phone (or WhatsApp) identity, or a new
    customer. An inbound call threads like any customer contact (`call_ingest`: the
    customer's open ticket, else a new one; a missed one adds the call-back). An outbound
    call is logged with `call_log` on the customer's open ticket, else on a new phone ticket;
    answered, it is the agent's reply and settles an open call-back.
    Raises `TicketError` for an unknown direction, a negative duration or a bad number.
    """
    _check_call(direction, duration_seconds)
    try:
        number = normalise_phone(phone, region=region)
    except InvalidIdentity as exc:
        raise TicketError(exc.messages[0]) from exc
    who = name.strip() or number
    if direction == CallDirection.INBOUND:
        data = InboundMessage(
            channel=Channel.PHONE,
            identity_kind=IdentityKind.PHONE,
            identity_value=number,
            customer_name=name,
            subject=f"Call from {who}",
            body_text=notes,
            call_direction=CallDirection.INBOUND,
            call_answered=answered,
            call_duration_seconds=duration_seconds,
            meta={"logged_by": getattr(agent, "pk", None)},
        )
        return call_ingest(data=data, by=agent).message
    customer = customer_resolve(kind=IdentityKind.PHONE, value=number, name=name).customer
    ticket = _open_ticket_of(customer) or ticket_create(
        customer=customer, subject=f"Call to {who}", channel=Channel.PHONE, by=agent
    )
    message = call_log(
        ticket=ticket,
        agent=agent,
        direction=CallDirection.OUTBOUND,
        answered=answered,
        duration_seconds=duration_seconds,
        notes=notes,
    )
    if answered:
        todos_settle(ticket=ticket, kind=TodoKind.CALL_BACK, by=agent)
    return message
