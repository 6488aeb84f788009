"""SLA timers: started, met, paused and resumed by the ticket's own events (inbound message,
human public reply, status change), never by views or API code, and swept by Celery beat.

Timers are rows (`SlaTimer`) with a due time; `sla_sweep` claims the ones past their at-risk
or due time with `FOR UPDATE SKIP LOCKED`, and a breach is a unique `SlaBreach` row written
before any side effect, so however many sweepers race or a worker dies half-way, each
transition is recorded once. Notifications are rows too; their emails go out after commit.
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
    Ticket,
    TicketEvent,
    TimerState,
)
from tickets.services._common import _event

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
    """The merged-away ticket's live clocks go with its messages, unless the target already
    runs that clock (then the earlier due time wins)."""
    for timer in SlaTimer.objects.select_for_update().filter(
        ticket=source, state__in=LIVE_TIMER_STATES
    ):
        kept = _live(target, timer.metric)
        if kept is None:
            timer.ticket = target
            timer.save(update_fields=["ticket"])
            continue
        if timer.due_at < kept.due_at and kept.breached_at is None:
            kept.due_at, kept.at_risk_at = timer.due_at, min(timer.at_risk_at, kept.at_risk_at)
            kept.save(update_fields=["due_at", "at_risk_at"])
        timer.state = TimerState.CANCELLED
        timer.save(update_fields=["state"])


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
            recorded = [timer for timer in timers if _at_risk(timer, now)]
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
    managers = selectors.managers()
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
                for user in _leads_and(managers, ticket)
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


def _at_risk(timer: SlaTimer, now: datetime) -> bool:
    timer.at_risk_notified_at = now
    timer.save(update_fields=["at_risk_notified_at"])
    ticket = Ticket.objects.select_related("assignee", "team").get(pk=timer.ticket_id)
    label = SlaMetric(timer.metric).label.lower()
    due = timezone.localtime(timer.due_at)
    text = f"Ticket #{ticket.pk} is at risk: {label} due {due:%Y-%m-%d %H:%M}"
    _notify(_assignee_or_team(ticket), ticket, NotificationKind.SLA_AT_RISK, text)
    return True


def _assignee_or_team(ticket: Ticket) -> list[Any]:
    if ticket.assignee is not None:
        return [ticket.assignee]
    if ticket.team is not None:
        members = list(ticket.team.members.filter(is_active=True))
        return members or ([ticket.team.lead] if ticket.team.lead else [])
    return []


def _leads_and(managers: list[Any], ticket: Ticket) -> list[Any]:
    users = {user.pk: user for user in managers}
    if ticket.team is not None and ticket.team.lead is not None:
        users[ticket.team.lead.pk] = ticket.team.lead
    return list(users.values())


def _notify(users: list[Any], ticket: Ticket, kind: str, text: str) -> None:
    _notifications_create(
        [Notification(user=user, ticket=ticket, kind=kind, text=text[:500]) for user in users]
    )


def _notifications_create(notifications: list[Notification]) -> None:
    """Store in-app notifications; their emails go out after commit, in a task."""
    created = Notification.objects.bulk_create(notifications)
    ids = [n.pk for n in created if n.user.email]
    if ids:
        from tickets.tasks import send_notification_emails

        transaction.on_commit(lambda: send_notification_emails.delay(ids))


def notifications_email(*, notification_ids: list[int]) -> int:
    """Send the email of each notification not yet emailed; claimed per row, so a task run
    twice sends each once. Returns how many were sent."""
    from django.core.mail import send_mail
    from django.template.loader import render_to_string

    sent = 0
    for notification_id in notification_ids:
        claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            continue
        notification = Notification.objects.select_related("user", "ticket").get(pk=notification_id)
        context = {"notification": notification, "ticket": notification.ticket}
        send_mail(
            subject=render_to_string("emails/notification_subject.txt", context).strip(),
            message=render_to_string("emails/notification.txt", context),
            html_message=render_to_string("emails/notification.html", context),
            from_email=None,
            recipient_list=[notification.user.email],
        )
        sent += 1
    return sent


def notification_read(*, user: Any, notification_id: int) -> Notification | None:
    """Mark one of the user's notifications read (idempotent); None if it is not theirs."""
    notification = Notification.objects.filter(pk=notification_id, user=user).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
