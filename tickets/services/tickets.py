"""A ticket itself: opening one, its own fields (status, assignee, team, priority, tags,
subject), closing solved ones, and the guards every ticket write shares (lock, merged or
closed refusals). Merges and moves are `merges`; messages are `ingest` / `replies`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from customers.models import Customer
from tickets import realtime
from tickets.models import Channel, EventKind, NotificationKind, Priority, Status, Team, Ticket
from tickets.services.errors import TicketError
from tickets.services.events import event_record
from tickets.services.notifications import notifications_add
from tickets.services.sla import sla_on_status

if TYPE_CHECKING:
    from helpdesk.roles import User


def ticket_lock(ticket: Ticket) -> Ticket:
    """The ticket re-read with its row locked (`SELECT … FOR UPDATE`) till the transaction ends."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def ticket_live(ticket: Ticket) -> Ticket:
    """The ticket a merged one lives on in (following `merged_into`, safe against cycles)."""
    seen: set[int] = set()
    while ticket.merged_into is not None and ticket.pk not in seen:
        seen.add(ticket.pk)
        ticket = ticket.merged_into
    return ticket


def ticket_check_not_merged(ticket: Ticket) -> None:
    """Raise `TicketError` if the ticket was merged away (it takes no more writes)."""
    if ticket.merged_into_id is not None:
        raise TicketError(f"ticket #{ticket.pk} was merged into #{ticket.merged_into_id}")


def ticket_check_writable(ticket: Ticket) -> None:
    """Raise `TicketError` if the ticket is closed (read-only: a follow-up takes its place)
    or merged away."""
    if ticket.status == Status.CLOSED:
        raise TicketError(f"ticket #{ticket.pk} is closed; open a follow-up instead")
    ticket_check_not_merged(ticket)


@transaction.atomic
def ticket_create(
    *,
    customer: Customer,
    subject: str,
    channel: str,
    by: User,
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
    event_record(ticket, EventKind.CREATED, f"created by an agent ({channel})", actor=by)
    return ticket


@transaction.atomic
def ticket_set_status(*, ticket: Ticket, status: str, by: User) -> Ticket:
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
    event_record(
        ticket, EventKind.STATUS, f"status {old} → {status}", actor=by, old=old, new=status
    )
    sla_on_status(ticket=ticket, old=old, new=status, at=now)
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="ticket.updated", data={"status": status}
    )
    return ticket


def _change(
    ticket: Ticket, field: str, value: Any, *, kind: str, text: str, by: User, old: Any, new: Any
) -> Ticket:
    """Set one field of a locked ticket, record the event and tell the watchers."""
    setattr(ticket, field, value)
    ticket.save(update_fields=[field, "updated_at"])
    event_record(ticket, kind, text, actor=by, old=old, new=new)
    realtime.publish_ticket_event(ticket_id=ticket.pk, event="ticket.updated", data={field: new})
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, agent: User | None, by: User) -> Ticket:
    """Assign the ticket to `agent` (None: unassign). An agent given it by someone else gets
    an "assigned to you" notification (in-app, live, and its email); taking it oneself
    notifies nobody."""
    ticket = ticket_lock(ticket)
    new = agent.pk if agent else None
    if ticket.assignee_id == new:
        return ticket
    text = f"assigned to {agent.get_username()}" if agent else "unassigned"
    ticket = _change(
        ticket,
        "assignee",
        agent,
        kind=EventKind.ASSIGNMENT,
        text=text,
        by=by,
        old=ticket.assignee_id,
        new=new,
    )
    if agent is not None and agent.pk != by.pk:
        # Someone else gave it to them: the one case they would not otherwise know of.
        by_name = by.get_full_name() or by.get_username()
        notifications_add(
            users=[agent],
            ticket=ticket,
            kind=NotificationKind.ASSIGNED,
            text=f"#{ticket.pk} {ticket.subject}: assigned to you by {by_name}",
        )
    return ticket


@transaction.atomic
def ticket_set_team(*, ticket: Ticket, team: Team | None, by: User) -> Ticket:
    ticket = ticket_lock(ticket)
    new = team.pk if team else None
    if ticket.team_id == new:
        return ticket
    text = f"team: {team.name if team else 'none'}"
    return _change(
        ticket, "team", team, kind=EventKind.TEAM, text=text, by=by, old=ticket.team_id, new=new
    )


@transaction.atomic
def ticket_set_priority(*, ticket: Ticket, priority: int, by: User) -> Ticket:
    if priority not in Priority.values:
        raise TicketError(f"priority must be one of {Priority.values}")
    ticket = ticket_lock(ticket)
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
def ticket_set_tags(*, ticket: Ticket, tags: list[str], by: User) -> Ticket:
    cleaned = sorted({t.strip().lower()[:50] for t in tags if t.strip()})
    ticket = ticket_lock(ticket)
    if sorted(ticket.tags) == cleaned:
        return ticket
    text = f"tags: {', '.join(cleaned) or 'none'}"
    return _change(
        ticket, "tags", cleaned, kind=EventKind.TAGS, text=text, by=by, old=ticket.tags, new=cleaned
    )


@transaction.atomic
def ticket_set_subject(*, ticket: Ticket, subject: str, by: User) -> Ticket:
    """Rename a ticket (trimmed, at most 300 characters): a `subject` event with the old and
    new subject. Refuses a blank subject and a closed or merged ticket (read-only)."""
    subject = subject.strip()[:300]
    if not subject:
        raise TicketError("a ticket needs a subject")
    ticket = ticket_lock(ticket)
    ticket_check_writable(ticket)
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
            event_record(
                ticket,
                EventKind.STATUS,
                "status solved → closed: aged out",
                old="solved",
                new="closed",
            )
            closed += 1
    return closed
