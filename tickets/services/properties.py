"""A ticket's own fields (status, assignee, team, priority, tags, subject), merges and moves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from customers.services import customer_merge_records
from tickets import realtime
from tickets.models import (
    Channel,
    Direction,
    EventKind,
    Message,
    Priority,
    Status,
    Team,
    Ticket,
)
from tickets.services._common import (
    TicketError,
    _check_writable,
    _event,
    _locked,
)
from tickets.services.chasing import chasing_priority_raise, chasing_recount
from tickets.services.sla import sla_on_merge, sla_on_status


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
    sla_on_status(ticket=ticket, old=old, new=status, at=now)
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
    """Rename a ticket (trimmed, at most 300 characters): a `subject` event with the old and
    new subject. Refuses a blank subject and a closed or merged ticket (read-only)."""
    subject = subject.strip()[:300]
    if not subject:
        raise TicketError("a ticket needs a subject")
    ticket = _locked(ticket)
    _check_writable(ticket)
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
    sla_on_merge(source=source, target=target)
    old_status = source.status
    source.merged_into = target
    source.status = Status.CLOSED
    source.closed_at = timezone.now()
    source.save(update_fields=["merged_into", "status", "closed_at", "updated_at"])
    fields = {"updated_at"}
    for name in ("last_inbound_at", "first_ack_at", "first_human_reply_at"):
        a, b = getattr(target, name), getattr(source, name)
        if b is not None and (a is None or (b < a if name != "last_inbound_at" else b > a)):
            setattr(target, name, b)
            fields.add(name)
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
        _event(
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
