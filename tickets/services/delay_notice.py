"""The honest delay notice: when a first- or next-response clock becomes at risk and no person
has replied, the customer is told on their channel "we need a little more time; a person
will answer by <due time>". The due time is the clock's own: the promise does not move.

The SLA sweep's at-risk pass hands over the timers it has just marked (`delay_notices_queue`,
no query inside the sweep's batch); after its commit a task (`tickets.delay_notices_send`)
decides each one under the ticket's row lock. A policy turns it on (`SlaPolicy.delay_notice`).
At most once per clock: the decision, sent or refused, is a timeline event naming the timer,
and a timer with one gets no other. Not sent outside business hours, while the ticket waits
on the customer (pending) or on hold, after a person's public reply, or while an agent is
replying at that moment (asked through `replying_check_register`, which the desk answers from
its presence). On WhatsApp outside the 24-hour window only as the policy's approved template;
on Messenger and Instagram there, or on WhatsApp without a template, it is refused with the
reason on the timeline. The notice is an automatic message: it never meets a clock.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tickets import realtime
from tickets.business_hours import business_time_between
from tickets.models import (
    AutomaticPurpose,
    Channel,
    Direction,
    EventKind,
    Message,
    SlaTimer,
    Status,
    Ticket,
    TicketEvent,
    TimerState,
)
from tickets.promise import RESPONSE_METRICS, language_of, promise_format, promise_text
from tickets.selectors import WINDOW_CHANNELS, messaging_window
from tickets.senders import get_sender
from tickets.services.errors import TicketError
from tickets.services.events import event_record
from tickets.services.replies import reply_channel_default, reply_create
from tickets.services.sla import policy_schedule

logger = logging.getLogger(__name__)

# Whose turn it is not: the customer's (pending), a third party's (on hold), or nobody's.
QUIET_STATUSES = (Status.PENDING, Status.ON_HOLD, Status.SOLVED, Status.CLOSED)

# A notice decided this soon after closing still counts as in business hours (the sweep runs
# every 20 s, and business-hours arithmetic puts many at-risk times exactly at closing).
CLOSING_GRACE = timedelta(minutes=2)

ReplyingCheck = Callable[[int], bool]
_replying_checks: list[ReplyingCheck] = []


def replying_check_register(check: ReplyingCheck) -> None:
    """`check(ticket_id)` says whether an agent is writing a reply on the ticket right now.
    The desk registers its presence at app start (tickets may not import the desk)."""
    if check not in _replying_checks:
        _replying_checks.append(check)


def _someone_replying(ticket_id: int) -> bool:
    for check in _replying_checks:
        try:
            if check(ticket_id):
                return True
        except Exception:  # presence is Redis: its hiccup must not stop the notice
            logger.warning("replying check failed for ticket %s", ticket_id, exc_info=True)
    return False


def delay_notices_queue(timers: Sequence[SlaTimer]) -> None:
    """Called by the at-risk pass with the timers it has just marked at risk: after its
    commit, the task decides the response clocks' notices. No query here, so the sweep's
    batch keeps its fixed cost."""
    ids = [timer.pk for timer in timers if timer.metric in RESPONSE_METRICS]
    if not ids:
        return
    from tickets.tasks import delay_notices_send

    transaction.on_commit(lambda: delay_notices_send.delay(ids))


def delay_notices_send(*, timer_ids: Sequence[int], now: datetime | None = None) -> dict[int, str]:
    """Decide each timer's notice; returns what happened per timer ("sent", "refused", or
    why nothing was done), for the task's log and the tests."""
    return {timer_id: delay_notice_send(timer_id=timer_id, now=now) for timer_id in timer_ids}


@transaction.atomic
def delay_notice_send(*, timer_id: int, now: datetime | None = None) -> str:
    """One timer's notice, decided under its ticket's row lock (so two tasks for one timer
    send one notice). The ticket is locked before the timer is read, as ingestion does."""
    now = now or timezone.now()
    ticket_id = SlaTimer.objects.filter(pk=timer_id).values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        return "gone"
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket_id)
    timer = SlaTimer.objects.select_related("policy__calendar").get(pk=timer_id)
    skip = _skip_reason(ticket, timer, now)
    if skip:
        logger.info("delay notice for timer %s not sent: %s", timer_id, skip)
        return skip
    channel = reply_channel_default(ticket=ticket)
    if get_sender(channel) is None:
        _refuse(ticket, timer, f"nothing sends on {Channel(channel).label}")
        return "refused"
    template = None
    if channel in WINDOW_CHANNELS and not messaging_window(ticket=ticket, channel=channel).open:
        template = _template(timer, channel)
        if template is None:
            _refuse(ticket, timer, _window_reason(channel))
            return "refused"
    return _send(ticket, timer, channel, template)


def _skip_reason(ticket: Ticket, timer: SlaTimer, now: datetime) -> str:
    """Why no notice goes out for this clock now ("" when one may), cheapest checks first."""
    if not timer.policy.delay_notice:
        return "off"
    if timer.metric not in RESPONSE_METRICS:
        return "not a response clock"
    if timer.state != TimerState.RUNNING or timer.breached_at is not None or timer.due_at <= now:
        return "the clock no longer runs"
    if ticket.merged_into_id is not None or ticket.status in QUIET_STATUSES:
        return f"the ticket is {ticket.status}"
    if _decided(ticket, timer):
        return "already decided for this promise"
    if _person_replied(ticket, timer):
        return "a person has replied"
    schedule = policy_schedule(timer.policy)
    # Open now, or a moment ago: a clock at risk right at closing time is swept seconds later.
    if business_time_between(schedule, now - CLOSING_GRACE, now + timedelta(seconds=1)) <= (
        timedelta(0)
    ):
        return "outside business hours"
    if _someone_replying(ticket.pk):
        return "an agent is replying"
    return ""


def _decided(ticket: Ticket, timer: SlaTimer) -> bool:
    return TicketEvent.objects.filter(
        ticket=ticket, kind=EventKind.SLA, data__delay_notice_timer=timer.pk
    ).exists()


def _person_replied(ticket: Ticket, timer: SlaTimer) -> bool:
    """A person's public reply since the clock started (one that met it would have stopped
    it; this also covers a reply the clock's tightening outlived)."""
    return Message.objects.filter(
        ticket=ticket,
        direction=Direction.OUTBOUND,
        is_automatic=False,
        author_user__isnull=False,
        created_at__gte=timer.started_at,
    ).exists()


def _template(timer: SlaTimer, channel: str) -> dict[str, str] | None:
    name = timer.policy.delay_notice_template.strip()
    if channel != Channel.WHATSAPP or not name:
        return None
    return {"name": name, "language": language_of(timer.ticket.customer.language)}


def _window_reason(channel: str) -> str:
    label = Channel(channel).label
    if channel == Channel.WHATSAPP:
        return f"the {label} 24-hour window is closed and the policy names no approved template"
    return f"the {label} 24-hour window is closed"


def _refuse(ticket: Ticket, timer: SlaTimer, reason: str) -> None:
    event_record(
        ticket,
        EventKind.SLA,
        f"Delay notice not sent: {reason}",
        delay_notice_timer=timer.pk,
        delay_notice="refused",
        reason=reason,
    )
    realtime.publish_ticket_event(ticket_id=ticket.pk, event="ticket.updated", data={})


def _send(ticket: Ticket, timer: SlaTimer, channel: str, template: dict[str, str] | None) -> str:
    body = promise_text(ticket, purpose=AutomaticPurpose.DELAY_NOTICE, channel=channel)
    try:
        message = reply_create(
            ticket=ticket,
            author=None,
            body_text=body,
            channel=channel,
            is_automatic=True,
            template=template,
        )
    except TicketError as exc:  # no identity on the channel, a ticket closed meanwhile
        _refuse(ticket, timer, str(exc))
        return "refused"
    due = promise_format(timer.due_at, language="en")
    how = f"WhatsApp template {template['name']}" if template else Channel(channel).label
    event_record(
        ticket,
        EventKind.SLA,
        f"Delay notice sent by {how}: a person will answer by {due}",
        message=message,
        delay_notice_timer=timer.pk,
        delay_notice="sent",
        due_at=timer.due_at.isoformat(),
    )
    return "sent"
