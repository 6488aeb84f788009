"""SLA timers: started, met, paused and resumed by the ticket's own events (inbound message,
human public reply, status change), never by views or API code, and swept by Celery beat.

Timers are rows (`SlaTimer`) with a due time; `sla_sweep` claims the ones past their at-risk
or due time with `FOR UPDATE SKIP LOCKED`, and a breach is a unique `SlaBreach` row written
before any side effect, so however many sweepers race or a worker dies half-way, each
transition is recorded once. Every warning reaches a person (`_warned`, `_breach_told`);
notifications and their emails are `tickets.services.notifications`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tickets import realtime, selectors
from tickets.business_hours import Schedule, add_business_time, business_time_between, parse_weekly
from tickets.models import (
    LIVE_TIMER_STATES,
    EventKind,
    Message,
    Notification,
    NotificationKind,
    Priority,
    SlaBreach,
    SlaMetric,
    SlaPolicy,
    SlaTimer,
    Status,
    Team,
    Ticket,
    TicketEvent,
    TimerState,
)
from tickets.services._common import _event
from tickets.services.notifications import notification_read as notification_read
from tickets.services.notifications import notifications_create as _notifications_create

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
PAUSING_STATUSES = (Status.PENDING, Status.ON_HOLD)


def policy_for(*, channel: str, priority: int) -> SlaPolicy | None:
    """The active policy with the lowest position that covers the channel and priority."""
    return (
        SlaPolicy.objects.filter(active=True, channels__contains=[channel])
        .filter(Q(priorities=[]) | Q(priorities__contains=[priority]))
        .select_related("calendar")
        .prefetch_related("calendar__holidays")
        .order_by("position", "id")
        .first()
    )


def policy_schedule(policy: SlaPolicy) -> Schedule:
    calendar = policy.calendar
    if calendar is None:
        return Schedule()
    return Schedule(
        time_zone=calendar.time_zone,
        weekly=parse_weekly(calendar.weekly_hours),
        holidays=frozenset(holiday.date for holiday in calendar.holidays.all()),
    )


def _times(policy: SlaPolicy, start: datetime, minutes: int) -> tuple[datetime, datetime]:
    schedule = policy_schedule(policy)
    due = add_business_time(schedule, start, timedelta(minutes=minutes))
    at_risk = add_business_time(
        schedule, start, timedelta(minutes=minutes * policy.at_risk_percent / 100)
    )
    return due, at_risk


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def _reason(policy: SlaPolicy, minutes: int, message: Message | None, start: datetime) -> str:
    source = f"the {message.channel} contact" if message else "the ticket"
    hours = "business hours" if policy.calendar_id else "around the clock"
    return (
        f"{_hours(minutes)} ({hours}) under {policy.name} v{policy.version}, "
        f"from {source} at {timezone.localtime(start):%Y-%m-%d %H:%M}"
    )[:300]


def _live(ticket: Ticket, metric: str) -> SlaTimer | None:
    return (
        SlaTimer.objects.select_for_update(of=("self",))
        .filter(ticket=ticket, metric=metric, state__in=LIVE_TIMER_STATES)
        .select_related("policy__calendar")
        .first()
    )


def _start_or_tighten(
    ticket: Ticket, metric: str, policy: SlaPolicy, message: Message | None, at: datetime
) -> SlaTimer | None:
    minutes = policy.target_minutes(metric)
    if minutes is None:
        return None
    due, at_risk = _times(policy, at, minutes)
    timer = _live(ticket, metric)
    label = SlaMetric(metric).label.lower()
    if timer is None:
        timer = SlaTimer.objects.create(
            ticket=ticket,
            metric=metric,
            policy=policy,
            policy_version=policy.version,
            target_minutes=minutes,
            started_at=at,
            due_at=due,
            at_risk_at=at_risk,
            reason=_reason(policy, minutes, message, at),
            started_by=message,
        )
        _event(
            ticket,
            EventKind.SLA,
            f"SLA: {label} due {timezone.localtime(due):%Y-%m-%d %H:%M} ({timer.reason})",
            message=message,
            metric=metric,
            due_at=due.isoformat(),
        )
        return timer
    if timer.state == TimerState.RUNNING and due < timer.due_at and timer.breached_at is None:
        # A contact on a channel with a shorter promise: the earlier of the two wins.
        timer.due_at, timer.at_risk_at = due, min(at_risk, timer.at_risk_at)
        timer.policy, timer.policy_version, timer.target_minutes = policy, policy.version, minutes
        timer.reason = _reason(policy, minutes, message, at)
        timer.save(
            update_fields=[
                "due_at",
                "at_risk_at",
                "policy",
                "policy_version",
                "target_minutes",
                "reason",
            ]
        )
        _event(
            ticket,
            EventKind.SLA,
            f"SLA: {label} now due {timezone.localtime(due):%Y-%m-%d %H:%M}, "
            f"earlier: {timer.reason}",
            message=message,
            metric=metric,
            due_at=due.isoformat(),
        )
    return timer


def sla_on_inbound(*, ticket: Ticket, message: Message, at: datetime) -> None:
    """A customer contact (not an automatic message) on a locked ticket: starts the first-
    response clock, or a next-response clock after an agent's reply, and the resolution
    clock if the policy has one. Called by `message_ingest` inside its transaction."""
    policy = policy_for(channel=message.channel, priority=ticket.priority)
    if policy is None:
        return
    answered = ticket.first_human_reply_at is not None
    metric = SlaMetric.NEXT_RESPONSE if answered else SlaMetric.FIRST_RESPONSE
    _start_or_tighten(ticket, metric, policy, message, at)
    if policy.resolution_minutes:
        _start_or_tighten(ticket, SlaMetric.RESOLUTION, policy, message, at)


def sla_on_human_reply(*, ticket: Ticket, message: Message) -> None:
    """A human public reply meets the running first- or next-response clock (late if it had
    already breached: the breach stays on the record)."""
    at = message.created_at
    for timer in SlaTimer.objects.select_for_update().filter(
        ticket=ticket,
        metric__in=[SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_RESPONSE],
        state__in=LIVE_TIMER_STATES,
    ):
        _breach_if_overdue(ticket, timer, at)
        timer.state, timer.met_at, timer.met_by = TimerState.MET, at, message
        timer.save(update_fields=["state", "met_at", "met_by"])
        late = " late" if timer.breached_at else ""
        _event(
            ticket,
            EventKind.SLA,
            f"SLA: {SlaMetric(timer.metric).label.lower()} met{late}",
            message=message,
            metric=timer.metric,
            late=bool(late),
        )


def _breach_if_overdue(ticket: Ticket, timer: SlaTimer, at: datetime) -> None:
    """Met after its due time but before a sweep saw it: the breach is recorded all the
    same (reports count it), without the alarms, since the wait is over."""
    if timer.breached_at is not None or at <= timer.due_at:
        return
    SlaBreach.objects.get_or_create(
        timer=timer,
        defaults={"ticket_id": ticket.pk, "metric": timer.metric, "due_at": timer.due_at},
    )
    timer.breached_at = at
    timer.save(update_fields=["breached_at"])
    due = timezone.localtime(timer.due_at)
    _event(
        ticket,
        EventKind.SLA,
        f"SLA: {SlaMetric(timer.metric).label.lower()} breached (was due {due:%Y-%m-%d %H:%M})",
        metric=timer.metric,
        due_at=timer.due_at.isoformat(),
    )


def sla_on_status(*, ticket: Ticket, old: str, new: str, at: datetime) -> None:
    """Pending and on hold pause the resolution clock; back to open resumes it with the
    open time it had left; solved meets it and stops the response clocks (a solved ticket
    waits for nobody); closed stops everything."""
    if new in PAUSING_STATUSES and old not in PAUSING_STATUSES:
        timer = _live(ticket, SlaMetric.RESOLUTION)
        if timer is not None and timer.state == TimerState.RUNNING:
            timer.state, timer.paused_at = TimerState.PAUSED, at
            timer.save(update_fields=["state", "paused_at"])
            text = f"SLA: resolution paused while {new}"
            _event(ticket, EventKind.SLA, text, metric="resolution")
    elif old in PAUSING_STATUSES and new in (Status.NEW, Status.OPEN):
        _resume(ticket, at)
    if new == Status.SOLVED:
        for timer in SlaTimer.objects.select_for_update().filter(
            ticket=ticket, state__in=LIVE_TIMER_STATES
        ):
            if timer.metric == SlaMetric.RESOLUTION:
                _breach_if_overdue(ticket, timer, at)
                timer.state, timer.met_at = TimerState.MET, at
                late = " late" if timer.breached_at else ""
                _event(ticket, EventKind.SLA, f"SLA: resolution met{late}", metric="resolution")
            else:
                timer.state = TimerState.CANCELLED
            timer.save(update_fields=["state", "met_at"])
    elif new == Status.CLOSED:
        sla_cancel(ticket=ticket)


def _resume(ticket: Ticket, at: datetime) -> None:
    timer = _live(ticket, SlaMetric.RESOLUTION)
    if timer is None or timer.state != TimerState.PAUSED or timer.paused_at is None:
        return
    schedule = policy_schedule(timer.policy)
    left = business_time_between(schedule, timer.paused_at, timer.due_at)
    risk_left = business_time_between(schedule, timer.paused_at, timer.at_risk_at)
    timer.due_at = add_business_time(schedule, at, left)
    timer.at_risk_at = add_business_time(schedule, at, risk_left)
    timer.paused_seconds += int((at - timer.paused_at).total_seconds())
    timer.state, timer.paused_at = TimerState.RUNNING, None
    timer.save(update_fields=["due_at", "at_risk_at", "paused_seconds", "state", "paused_at"])
    _event(
        ticket,
        EventKind.SLA,
        f"SLA: resolution resumed, due {timezone.localtime(timer.due_at):%Y-%m-%d %H:%M}",
        metric="resolution",
    )


def sla_cancel(*, ticket: Ticket) -> int:
    """Stop every live clock (ticket closed or merged away)."""
    return SlaTimer.objects.filter(ticket=ticket, state__in=LIVE_TIMER_STATES).update(
        state=TimerState.CANCELLED
    )


def sla_on_merge(*, source: Ticket, target: Ticket) -> None:
    """The merged-away ticket's live clocks go with its messages. When both tickets run the
    same clock, the one that started first lives on on the target, with its start and
    reason, whichever ticket survives (the customer has waited since then); the other is
    cancelled. Its due time still wins if earlier (a shorter promise), as on one ticket."""
    for timer in SlaTimer.objects.select_for_update().filter(
        ticket=source, state__in=LIVE_TIMER_STATES
    ):
        other = _live(target, timer.metric)
        if other is None:
            timer.ticket = target
            timer.save(update_fields=["ticket"])
            continue
        first, later = sorted([timer, other], key=lambda t: (t.started_at, t.pk))
        # Cancel first: one live clock per ticket and metric (a unique index).
        later.state = TimerState.CANCELLED
        later.save(update_fields=["state"])
        fields = ["ticket"]
        if later.due_at < first.due_at and first.breached_at is None:
            first.due_at, first.at_risk_at = later.due_at, min(later.at_risk_at, first.at_risk_at)
            first.policy, first.policy_version = later.policy, later.policy_version
            first.target_minutes, first.reason = later.target_minutes, later.reason
            fields += ["due_at", "at_risk_at", "policy", "policy_version", "target_minutes"]
            fields.append("reason")
        first.ticket = target
        first.save(update_fields=fields)


# --- the sweep ---------------------------------------------------------------------------


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
        base = SlaTimer.objects.select_for_update(skip_locked=True, of=("self",))
        if due:
            query = base.filter(
                state=TimerState.RUNNING, breached_at__isnull=True, due_at__lte=now
            ).order_by("due_at")
        else:
            query = base.filter(
                state=TimerState.RUNNING,
                at_risk_notified_at__isnull=True,
                at_risk_at__lte=now,
                breached_at__isnull=True,
            ).order_by("at_risk_at")
        timers = list(query[:batch])
        if due:
            recorded = _breach_batch(timers, now)
        else:
            fallback = _fallback() if timers else _Fallback(None, [])
            recorded = [timer for timer in timers if _at_risk(timer, now, fallback)]
        realtime.publish_ticket_events(
            event="sla.breached" if due else "sla.at_risk",
            tickets={timer.ticket_id: {"metric": timer.metric} for timer in recorded},
        )
        return len(recorded)


def _breach_batch(timers: list[SlaTimer], now: datetime) -> list[SlaTimer]:
    """Record a batch of breaches in a handful of statements, whatever its size."""
    # Tickets before breach rows: ingestion locks ticket then timer, so waiting for a ticket
    # while holding its timer could deadlock. A busy ticket waits for the next sweep
    # (seconds later, well inside the 90 s promise).
    tickets = {
        ticket.pk: ticket
        for ticket in Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("team__lead")
        .filter(pk__in={timer.ticket_id for timer in timers})
    }
    timers = [timer for timer in timers if timer.ticket_id in tickets]
    if not timers:
        return []
    # The unique breach row is written first: should another sweeper ever have recorded one
    # of these, the insert fails, the whole batch rolls back and no side effect happened.
    SlaBreach.objects.bulk_create(
        [
            SlaBreach(timer=t, ticket_id=t.ticket_id, metric=t.metric, due_at=t.due_at)
            for t in timers
        ]
    )
    ids = [timer.pk for timer in timers]
    SlaTimer.objects.filter(pk__in=ids).update(breached_at=now)
    # No at-risk warning after the fact.
    SlaTimer.objects.filter(pk__in=ids, at_risk_notified_at__isnull=True).update(
        at_risk_notified_at=now
    )
    events: list[TicketEvent] = []
    notes: list[Notification] = []
    raised: dict[int, list[int]] = {}
    fallback = _fallback()
    per_ticket: dict[int, list[SlaTimer]] = {}
    for timer in timers:
        timer.breached_at = now
        per_ticket.setdefault(timer.ticket_id, []).append(timer)
    for ticket_id, breached in per_ticket.items():
        ticket = tickets[ticket_id]
        for timer in breached:
            label = SlaMetric(timer.metric).label.lower()
            due = timezone.localtime(timer.due_at)
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=EventKind.SLA,
                    text=f"SLA: {label} breached (was due {due:%Y-%m-%d %H:%M})",
                    data={"metric": timer.metric, "due_at": timer.due_at.isoformat()},
                )
            )
            text = f"Ticket #{ticket.pk} breached its {label} promise (due {due:%Y-%m-%d %H:%M})"
            notes += [
                Notification(
                    user=user, ticket=ticket, kind=NotificationKind.SLA_BREACHED, text=text
                )
                for user in _breach_told(ticket, fallback)
            ]
        # One step per breach, up to urgent.
        new = min(ticket.priority + len(breached), Priority.URGENT)
        if new != ticket.priority:
            raised.setdefault(new, []).append(ticket_id)
            events.append(
                TicketEvent(
                    ticket=ticket,
                    kind=EventKind.PRIORITY,
                    text=f"priority {Priority(ticket.priority).label.lower()} → "
                    f"{Priority(new).label.lower()}: SLA breached",
                    data={"old": ticket.priority, "new": new},
                )
            )
    for priority, ticket_ids in raised.items():
        Ticket.objects.filter(pk__in=ticket_ids).update(priority=priority, updated_at=now)
    TicketEvent.objects.bulk_create(events)
    _notifications_create(notes)
    return timers


def _at_risk(timer: SlaTimer, now: datetime, fallback: _Fallback) -> bool:
    timer.at_risk_notified_at = now
    timer.save(update_fields=["at_risk_notified_at"])
    ticket = Ticket.objects.select_related("assignee", "team__lead").get(pk=timer.ticket_id)
    label = SlaMetric(timer.metric).label.lower()
    due = timezone.localtime(timer.due_at)
    text = f"Ticket #{ticket.pk} is at risk: {label} due {due:%Y-%m-%d %H:%M}"
    _notifications_create(
        [
            Notification(user=user, ticket=ticket, kind=NotificationKind.SLA_AT_RISK, text=text)
            for user in _warned(ticket, fallback)
        ]
    )
    return True


@dataclass(frozen=True)
class _Fallback:
    """Who hears of a warning its ticket's owners cannot: the default team's lead (when
    active), then the managers. Looked up once per batch."""

    default_lead: Any
    managers: list[Any]


def _fallback() -> _Fallback:
    team = Team.objects.filter(is_default=True).select_related("lead").first()
    lead = team.lead if team is not None else None
    return _Fallback(lead if lead is not None and lead.is_active else None, selectors.managers())


def _owners(ticket: Ticket) -> list[Any]:
    """The active assignee, else the team's active members, else its active lead."""
    if ticket.assignee is not None and ticket.assignee.is_active:
        return [ticket.assignee]
    if ticket.team is None:
        return []
    members = list(ticket.team.members.filter(is_active=True))
    lead = ticket.team.lead
    return members or ([lead] if lead is not None and lead.is_active else [])


def _warned(ticket: Ticket, fallback: _Fallback) -> list[Any]:
    """An at-risk warning reaches someone: the owners, else the default team's lead, else
    the managers."""
    default = [fallback.default_lead] if fallback.default_lead is not None else []
    return _owners(ticket) or default or fallback.managers


def _breach_told(ticket: Ticket, fallback: _Fallback) -> list[Any]:
    """A breach goes to the team lead (the default team's when the ticket has no team) and
    the managers; if that is nobody, to whoever an at-risk warning reaches."""
    lead = ticket.team.lead if ticket.team is not None else fallback.default_lead
    leads = [lead] if lead is not None and lead.is_active else []
    users = {user.pk: user for user in [*leads, *fallback.managers]}
    return list(users.values()) or _warned(ticket, fallback)
