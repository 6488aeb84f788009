"""Phone calls: a call an agent logs on a ticket (`call_log`), calls reported by the
telephony provider's webhook, and calls an agent logs from a number (`call_log_new`). An
inbound call is a customer contact (`message_ingest` / `ticket_on_inbound`), an outbound
call is ours (`call_log`; answered, it is a reply: `ticket_on_public_reply`)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from customers.models import PHONE_KINDS, Customer, Identity, IdentityKind
from customers.normalise import InvalidIdentity, normalise_phone
from customers.selectors import customer_get
from customers.services import customer_resolve
from helpdesk.db import advisory_xact_lock
from tickets import realtime, selectors
from tickets.models import (
    CallDirection,
    Channel,
    DeliveryState,
    Direction,
    EventKind,
    Message,
    Ticket,
    TodoKind,
)
from tickets.services.errors import TicketError
from tickets.services.events import event_record
from tickets.services.ingest import (
    InboundMessage,
    IngestResult,
    message_ingest,
    ticket_on_inbound,
)
from tickets.services.replies import ticket_on_public_reply
from tickets.services.tickets import ticket_check_writable, ticket_create
from tickets.services.todos import todo_add, todos_settle

if TYPE_CHECKING:
    from helpdesk.roles import User


def _check_call(direction: str, duration_seconds: int) -> None:
    if direction not in CallDirection.values:
        raise TicketError(f"call direction must be one of {', '.join(CallDirection.values)}")
    if duration_seconds < 0:
        raise TicketError("a call cannot last less than zero seconds")


@transaction.atomic
def call_log(
    *,
    ticket: Ticket,
    agent: User | None,
    direction: str,
    answered: bool,
    duration_seconds: int = 0,
    notes: str = "",
) -> Message:
    """A phone call the agent logs on a ticket. An answered outbound call is a human reply;
    an inbound call is a customer contact (and counts towards chasing)."""
    _check_call(direction, duration_seconds)
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    ticket_check_writable(ticket)
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
            ticket_on_public_reply(ticket=ticket, message=message)
    else:
        ticket_on_inbound(ticket=ticket, message=message, received_at=message.created_at)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    return message


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
    event_record(ticket, EventKind.CALL_MISSED, f"missed call from {number}", message=message)
    todo_add(
        ticket=ticket,
        kind=TodoKind.CALL_BACK,
        text=_call_back_text(ticket, number),
        message=message,
    )


@transaction.atomic
def call_ingest(*, data: InboundMessage, by: User | None = None) -> IngestResult:
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
    ticket = selectors.ticket_open_for_customer(customer=customer) if customer else None
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
    agent: User,
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
    return _call_outbound_new(
        agent=agent,
        number=number,
        who=who,
        name=name,
        answered=answered,
        duration_seconds=duration_seconds,
        notes=notes,
    )


def _call_outbound_new(
    *,
    agent: User,
    number: str,
    who: str,
    name: str,
    answered: bool,
    duration_seconds: int,
    notes: str,
) -> Message:
    """`call_log_new` for a call to the customer: on their open ticket, else a new one."""
    customer = customer_resolve(kind=IdentityKind.PHONE, value=number, name=name).customer
    ticket = selectors.ticket_open_for_customer(customer=customer) or ticket_create(
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
