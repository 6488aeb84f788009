"""The SLA sweep (Celery beat, `tickets.sla_sweep`): every running timer past its due time
is recorded as breached, every one past its at-risk time warned about, each exactly once.

Timers are claimed with `FOR UPDATE SKIP LOCKED` in batches, so sweepers may race and a
worker may die half-way. A breach is a unique `SlaBreach` row written before any side
effect. Both passes cost a handful of queries per batch, whatever its size (pinned by
tests/tickets/test_sla_sweep_queries.py). Who hears of what: `notifications`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone

from tickets import realtime
from tickets.models import (
    EventKind,
    Notification,
    NotificationKind,
    Priority,
    SlaBreach,
    SlaMetric,
    SlaTimer,
    Team,
    Ticket,
    TicketEvent,
    TimerState,
)
from tickets.services.delay_notice import delay_notices_queue
from tickets.services.notifications import (
    WarningFallback,
    at_risk_recipients,
    breach_recipients,
    notifications_create,
    warning_fallback,
)

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    at_risk: int
    breached: int


def sla_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """Record every due breach and at-risk warning once. Safe to run in parallel: each batch
    claims its rows with SKIP LOCKED, and a breach row is unique per timer."""
    now = now or timezone.now()
    breached = at_risk = 0
    while True:
        done = _sweep_batch(now, batch, due=True)
        breached += done
        if done < batch:
            break
    while True:
        done = _sweep_batch(now, batch, due=False)
        at_risk += done
        if done < batch:
            break
    if breached or at_risk:
        logger.info("SLA sweep: %s breached, %s at risk", breached, at_risk)
    return SweepResult(at_risk=at_risk, breached=breached)


def _sweep_batch(now: datetime, batch: int, *, due: bool) -> int:
    """Claim one batch and record it. Returns how many were recorded; fewer than `batch`
    ends the sweep (so timers of a ticket busy elsewhere wait for the next one)."""
    with transaction.atomic():
        timers = list(_claim(now, batch, due=due)[:batch])
        recorded = _breach_batch(timers, now) if due else _at_risk_batch(timers, now)
        # One publish for the batch, not one per ticket: per-ticket channel-layer sends
        # were most of a big sweep's time.
        realtime.publish_ticket_batch(
            event="sla.breached" if due else "sla.at_risk",
            tickets={timer.ticket_id: {"metric": timer.metric} for timer in recorded},
        )
        return len(recorded)


def _claim(now: datetime, batch: int, *, due: bool) -> QuerySet[SlaTimer]:
    """The running timers past their due (or at-risk) time, oldest first, locked with SKIP
    LOCKED; each query reads one partial index (`sla_timer_due_idx`, `_at_risk_idx`)."""
    base = SlaTimer.objects.select_for_update(skip_locked=True, of=("self",))
    if due:
        return base.filter(
            state=TimerState.RUNNING, breached_at__isnull=True, due_at__lte=now
        ).order_by("due_at")
    return base.filter(
        state=TimerState.RUNNING,
        at_risk_notified_at__isnull=True,
        at_risk_at__lte=now,
        breached_at__isnull=True,
    ).order_by("at_risk_at")


def _tickets(ids: set[int], *, lock: bool) -> dict[int, Ticket]:
    """The batch's tickets with all that choosing recipients reads (assignee, team, lead;
    the teams' members in one more query), so no recipient rule queries per ticket. A
    breach locks them (SKIP LOCKED: a ticket busy elsewhere is left for the next sweep)."""
    # Only the columns the recipient rules and the priority raise read: a whole ticket and
    # user row per ticket made model loading a third of a big sweep's Python time.
    users = ("id", "is_active", "email")
    query = Ticket.objects.select_related("assignee", "team__lead").only(
        "priority",
        *(f"assignee__{field}" for field in users),
        *(f"team__lead__{field}" for field in users),
    )
    if lock:
        query = query.select_for_update(skip_locked=True, of=("self",))
    tickets = {ticket.pk: ticket for ticket in query.filter(pk__in=ids)}
    # One Team object per team, so that its members are set on a handful of objects rather
    # than on each ticket's copy (that alone cost ~0.1 s a batch).
    teams: dict[int, Team] = {}
    for ticket in tickets.values():
        if ticket.team is not None:
            ticket.team = teams.setdefault(ticket.team.pk, ticket.team)
    prefetch_related_objects(list(teams.values()), "members")
    return tickets


def _labels() -> dict[str, str]:
    """Each metric's name as warnings and events show it; read once per batch (a lazy
    label is a translation lookup each time)."""
    return {metric.value: str(metric.label).lower() for metric in SlaMetric}


def _due(timer: SlaTimer) -> str:
    """The due time as warnings and events show it."""
    return f"{timezone.localtime(timer.due_at):%Y-%m-%d %H:%M}"


# --- at risk -------------------------------------------------------------------------------


def _at_risk_batch(timers: list[SlaTimer], now: datetime) -> list[SlaTimer]:
    """Warn about a claimed batch of timers in a fixed number of queries: one update marks
    them all, one query loads their tickets with assignee, team and lead (and the team's
    members), and the notifications are created in bulk."""
    if not timers:
        return []
    SlaTimer.objects.filter(pk__in=[timer.pk for timer in timers]).update(at_risk_notified_at=now)
    tickets = _tickets({timer.ticket_id for timer in timers}, lock=False)
    fallback = warning_fallback()
    labels = _labels()
    notes: list[Notification] = []
    for timer in timers:
        timer.at_risk_notified_at = now
        ticket = tickets[timer.ticket_id]
        text = f"Ticket #{ticket.pk} is at risk: {labels[timer.metric]} due {_due(timer)}"
        notes += [
            Notification(
                user=user, ticket_id=ticket.pk, kind=NotificationKind.SLA_AT_RISK, text=text
            )
            for user in at_risk_recipients(ticket, fallback)
        ]
    notifications_create(notes)
    delay_notices_queue(timers)
    return timers


# --- breached ------------------------------------------------------------------------------


def _breach_batch(timers: list[SlaTimer], now: datetime) -> list[SlaTimer]:
    """Record a batch of breaches in a handful of statements, whatever its size: claim the
    tickets and write the breach rows, then the events, priority raises and notifications."""
    # Tickets before breach rows: ingestion locks ticket then timer, so waiting for a ticket
    # while holding its timer could deadlock. A busy ticket waits for the next sweep
    # (seconds later, well inside the 90 s promise).
    tickets = _tickets({timer.ticket_id for timer in timers}, lock=True)
    timers = [timer for timer in timers if timer.ticket_id in tickets]
    if not timers:
        return []
    _record_breaches([timer.pk for timer in timers], now)
    per_ticket: dict[int, list[SlaTimer]] = {}
    for timer in timers:
        timer.breached_at = now
        per_ticket.setdefault(timer.ticket_id, []).append(timer)
    _breach_consequences(tickets, per_ticket, now)
    return timers


def _record_breaches(timer_ids: list[int], now: datetime) -> None:
    """The unique breach rows, then the timers marked breached (and warned: no at-risk
    warning after the fact). Set-based SQL over one array of ids: building a model and a
    placeholder per row was a fifth of a big sweep's Python time."""
    breach, timer = SlaBreach._meta.db_table, SlaTimer._meta.db_table
    with connection.cursor() as cursor:
        # The breach row comes first: should another sweeper ever have recorded one of
        # these, the insert fails, the batch rolls back and no side effect happened.
        cursor.execute(
            f"INSERT INTO {breach} (timer_id, ticket_id, metric, due_at, recorded_at) "  # noqa: S608
            f"SELECT id, ticket_id, metric, due_at, %s FROM {timer} WHERE id = ANY(%s)",
            [timezone.now(), timer_ids],
        )
        # One statement: each fires the trigger that keeps `Ticket.sla_due_at`.
        cursor.execute(
            f"UPDATE {timer} SET breached_at = %s, "  # noqa: S608
            f"at_risk_notified_at = COALESCE(at_risk_notified_at, %s) WHERE id = ANY(%s)",
            [now, now, timer_ids],
        )


def _breach_consequences(
    tickets: dict[int, Ticket], per_ticket: dict[int, list[SlaTimer]], now: datetime
) -> None:
    """Per breached ticket: an event and the notifications per timer, and the priority
    raised one step per breach (up to urgent), all written in bulk."""
    events: list[TicketEvent] = []
    notes: list[Notification] = []
    raised: dict[int, list[int]] = {}
    fallback = warning_fallback()
    labels = _labels()
    for ticket_id, breached in per_ticket.items():
        ticket = tickets[ticket_id]
        for timer in breached:
            events.append(_breach_event(ticket, timer, labels[timer.metric]))
            notes += _breach_notifications(ticket, timer, labels[timer.metric], fallback)
        new = min(ticket.priority + len(breached), Priority.URGENT)
        if new != ticket.priority:
            # Keyed by the steps, not the new priority: one UPDATE for the usual single
            # breach whatever the tickets' priorities (each still locked by this batch).
            raised.setdefault(len(breached), []).append(ticket_id)
            events.append(_priority_event(ticket, new))
    with connection.cursor() as cursor:
        for steps, ticket_ids in raised.items():
            cursor.execute(
                f"UPDATE {Ticket._meta.db_table} SET priority = LEAST(priority + %s, %s), "  # noqa: S608
                "updated_at = %s WHERE id = ANY(%s)",
                [steps, int(Priority.URGENT), now, ticket_ids],
            )
    TicketEvent.objects.bulk_create(events)
    notifications_create(notes)


def _breach_event(ticket: Ticket, timer: SlaTimer, label: str) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket.pk,
        kind=EventKind.SLA,
        text=f"SLA: {label} breached (was due {_due(timer)})",
        data={"metric": timer.metric, "due_at": timer.due_at.isoformat()},
    )


def _priority_event(ticket: Ticket, new: int) -> TicketEvent:
    return TicketEvent(
        ticket_id=ticket.pk,
        kind=EventKind.PRIORITY,
        text=f"priority {Priority(ticket.priority).label.lower()} → "
        f"{Priority(new).label.lower()}: SLA breached",
        data={"old": ticket.priority, "new": new},
    )


def _breach_notifications(
    ticket: Ticket, timer: SlaTimer, label: str, fallback: WarningFallback
) -> list[Notification]:
    text = f"Ticket #{ticket.pk} breached its {label} promise (due {_due(timer)})"
    return [
        Notification(user=user, ticket_id=ticket.pk, kind=NotificationKind.SLA_BREACHED, text=text)
        for user in breach_recipients(ticket, fallback)
    ]
