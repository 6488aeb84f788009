"""SLA clocks: started, met, paused and resumed by the ticket's own events (inbound message,
human public reply, status change, merge), never by views or API code.

Timers are rows (`SlaTimer`) with a due time and an at-risk time; the beat sweep that
records breaches and warnings is `sla_sweep`, the settings managers edit `sla_settings`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from tickets.business_hours import Schedule, add_business_time, business_time_between, parse_weekly
from tickets.models import (
    LIVE_TIMER_STATES,
    EventKind,
    Message,
    SlaBreach,
    SlaMetric,
    SlaPolicy,
    SlaTimer,
    Status,
    Ticket,
    TimerState,
)
from tickets.services.events import event_record

logger = logging.getLogger(__name__)

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


def first_response_business_seconds(ticket: Ticket) -> int | None:
    """Open seconds from the ticket's creation to its first human reply, on the calendar of
    the policy that timed its first response (the earliest first-response timer; around the
    clock when none did or the policy has no calendar). None while nobody has replied."""
    if ticket.first_human_reply_at is None:
        return None
    timer = (
        SlaTimer.objects.filter(ticket_id=ticket.pk, metric=SlaMetric.FIRST_RESPONSE)
        .select_related("policy__calendar")
        .prefetch_related("policy__calendar__holidays")
        .order_by("started_at", "id")
        .first()
    )
    schedule = policy_schedule(timer.policy) if timer is not None else Schedule()
    open_time = business_time_between(schedule, ticket.created_at, ticket.first_human_reply_at)
    return round(open_time.total_seconds())


def timer_times(policy: SlaPolicy, start: datetime, minutes: int) -> tuple[datetime, datetime]:
    schedule = policy_schedule(policy)
    due = add_business_time(schedule, start, timedelta(minutes=minutes))
    at_risk = add_business_time(
        schedule, start, timedelta(minutes=minutes * policy.at_risk_percent / 100)
    )
    return due, at_risk


def _hours(minutes: int) -> str:
    return f"{minutes // 60} h" if minutes % 60 == 0 else f"{minutes} min"


def timer_reason(policy: SlaPolicy, minutes: int, message: Message | None, start: datetime) -> str:
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
    """Start the metric's clock, or bring a running one's due time forward when this
    contact's promise is shorter. None when the policy makes no promise for the metric."""
    minutes = policy.target_minutes(metric)
    if minutes is None:
        return None
    due, at_risk = timer_times(policy, at, minutes)
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
            reason=timer_reason(policy, minutes, message, at),
            started_by=message,
        )
        _due_event(ticket, timer, message, f"SLA: {label} due {_local(due)} ({timer.reason})")
    elif timer.state == TimerState.RUNNING and due < timer.due_at and timer.breached_at is None:
        # A contact on a channel with a shorter promise: the earlier of the two wins.
        timer.due_at, timer.at_risk_at = due, min(at_risk, timer.at_risk_at)
        timer.policy, timer.policy_version, timer.target_minutes = policy, policy.version, minutes
        timer.reason = timer_reason(policy, minutes, message, at)
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
        text = f"SLA: {label} now due {_local(due)}, earlier: {timer.reason}"
        _due_event(ticket, timer, message, text)
    return timer


def _local(at: datetime) -> str:
    return f"{timezone.localtime(at):%Y-%m-%d %H:%M}"


def _due_event(ticket: Ticket, timer: SlaTimer, message: Message | None, text: str) -> None:
    event_record(
        ticket,
        EventKind.SLA,
        text,
        message=message,
        metric=timer.metric,
        due_at=timer.due_at.isoformat(),
    )


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
        event_record(
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
    event_record(
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
            event_record(ticket, EventKind.SLA, text, metric="resolution")
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
                event_record(
                    ticket, EventKind.SLA, f"SLA: resolution met{late}", metric="resolution"
                )
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
    event_record(
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
