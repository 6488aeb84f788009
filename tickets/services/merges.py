"""Merges and moves: two tickets of one customer become one, two customers become one
(with a note on each moved ticket's timeline), a message moves to another ticket or splits
off into a new one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_merge
from tickets.models import Direction, EventKind, Message, Status, Ticket
from tickets.services.chasing import chasing_priority_raise, chasing_recount
from tickets.services.errors import TicketError
from tickets.services.events import event_record
from tickets.services.sla import first_response_business_seconds, sla_on_merge
from tickets.services.tickets import ticket_check_writable

if TYPE_CHECKING:
    from helpdesk.roles import User


def _times_after_merge(target: Ticket, source: Ticket) -> set[str]:
    """The target takes the source's earlier acknowledgement and first reply and its later
    inbound message; the fields changed."""
    fields = set()
    for name in ("last_inbound_at", "first_ack_at", "first_human_reply_at"):
        a, b = getattr(target, name), getattr(source, name)
        if b is not None and (a is None or (b < a if name != "last_inbound_at" else b > a)):
            setattr(target, name, b)
            fields.add(name)
    if "first_human_reply_at" in fields:
        # The source's earlier reply is now the target's first: its business time is counted
        # from the target's creation, on the target's first-response calendar.
        target.first_response_business_seconds = first_response_business_seconds(target)
        fields.add("first_response_business_seconds")
    return fields


@transaction.atomic
def ticket_merge(*, source: Ticket, target: Ticket, by: User) -> Ticket:
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
    sla_on_merge(source=source, target=target)
    old_status = source.status
    source.merged_into = target
    source.status = Status.CLOSED
    source.closed_at = timezone.now()
    source.save(update_fields=["merged_into", "status", "closed_at", "updated_at"])
    fields = {"updated_at", *_times_after_merge(target, source)}
    event_record(
        source,
        EventKind.MERGE,
        f"merged into #{target.pk}",
        actor=by,
        into=target.pk,
        old_status=old_status,
    )
    event_record(
        target,
        EventKind.MERGE,
        f"#{source.pk} merged in ({moved} messages)",
        actor=by,
        source=source.pk,
    )
    fields |= _chasing_recount_after_merge(target, source)
    target.save(update_fields=sorted(fields))
    return target


def _chasing_recount_after_merge(target: Ticket, source: Ticket) -> set[str]:
    """Chasing counted over the merged timeline, not the two tickets' sums: a call on one
    ticket and an email on the other, unanswered, are a repeat contact. The survivor's
    priority goes up at most once (never again if chasing already raised it)."""
    counted = chasing_recount(ticket=target)
    before = target.repeat_contacts
    target.unanswered_contacts, target.repeat_contacts = counted.unanswered, counted.repeats
    fields = {"unanswered_contacts", "repeat_contacts"}
    if counted.repeats > before:
        text = f"{counted.repeats} repeat contacts counted over the merge with #{source.pk}"
        if counted.unanswered > 1:
            text = f"customer contacted you {counted.unanswered} times without an answer ({text})"
        event_record(
            target,
            EventKind.CHASING,
            text,
            message=counted.last_repeat,
            contacts=counted.unanswered,
            repeat_contacts=counted.repeats,
            merged=source.pk,
        )
    return fields | chasing_priority_raise(target, message=counted.last_repeat)


@transaction.atomic
def message_move(*, message: Message, to_ticket: Ticket | None, by: User) -> Ticket:
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
        event_record(
            to_ticket, EventKind.CREATED, f"split off from #{source.pk}", actor=by, message=message
        )
    elif to_ticket.pk == source.pk:
        return source
    ticket_check_writable(to_ticket)
    if to_ticket.customer_id != source.customer_id:
        raise TicketError("a message can only move to a ticket of the same customer")
    message.ticket = to_ticket
    message.save(update_fields=["ticket"])
    event_record(
        source, EventKind.MESSAGE_MOVED, f"message {message.pk} moved to #{to_ticket.pk}", actor=by
    )
    event_record(
        to_ticket,
        EventKind.MESSAGE_MOVED,
        f"message {message.pk} moved here from #{source.pk}",
        actor=by,
        message=message,
    )
    return to_ticket


@transaction.atomic
def customer_merge_with_timeline(
    *, source: Customer, target: Customer, by: User | None
) -> Customer:
    """Merge two customers: identities, tickets and history move to the survivor, which the
    merged record keeps pointing at. Each moved ticket says so on its timeline."""
    ticket_ids = list(Ticket.objects.filter(customer=source).values_list("pk", flat=True))
    survivor = customer_merge(source=source, target=target)
    for ticket in Ticket.objects.filter(pk__in=ticket_ids):
        event_record(
            ticket,
            EventKind.CUSTOMER_MERGE,
            f"customer {source.pk} merged into {survivor.pk}",
            actor=by,
            source=source.pk,
            target=survivor.pk,
        )
    return survivor
