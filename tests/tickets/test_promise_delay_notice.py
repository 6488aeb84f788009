"""The honest delay notice (issue 16, item 3), through the SLA sweep's at-risk pass and the
Celery task it queues, with the clock moved by time-machine: sent once when a response
clock becomes at risk, only in business hours, never while pending, never twice for one
promise, never after a person's reply nor while an agent is replying, refused with the
reason outside WhatsApp's window without a template; and it never meets the clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from desk.presence import entry_for, presence_enter, presence_leave, presence_replying
from tests.factories import inbound
from tickets import senders
from tickets.models import (
    BusinessCalendar,
    Direction,
    EventKind,
    Message,
    SlaPolicy,
    SlaTimer,
    Ticket,
    TicketEvent,
    TimerState,
)
from tickets.promise import promise_format
from tickets.services import message_ingest, reply_create, sla_sweep, ticket_set_status
from tickets.tasks import delay_notices_send

pytestmark = pytest.mark.django_db(transaction=False)

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    from tickets.services import sla_policies_default

    sla_policies_default()
    SlaPolicy.objects.update(delay_notice=True)


class Recorder:
    """A channel's sender that keeps what it was asked to send (Meta is not reachable)."""

    def __init__(self, channel: str) -> None:
        self.channel = channel
        self.sent: list[Message] = []

    def send(self, message: Message) -> senders.SendResult:
        self.sent.append(message)
        return senders.SendResult(provider_message_id=f"{self.channel}-{message.pk}")


def _email(value: str = "eva@example.com", name: str = "Eva Jansen") -> Ticket:
    return message_ingest(data=inbound("email", value=value, customer_name=name)).ticket


def _sweep(capture, at: datetime) -> None:
    """The beat's sweep at `at`, and what it queued on commit (the notice task), as the
    worker would run them."""
    with time_machine.travel(at, tick=False), capture(execute=True):
        sla_sweep(now=at)


def _notices(ticket: Ticket) -> list[Message]:
    return list(
        Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND, is_automatic=True)
    )


def _decisions(ticket: Ticket) -> list[TicketEvent]:
    return list(
        TicketEvent.objects.filter(
            ticket=ticket, kind=EventKind.SLA, data__has_key="delay_notice_timer"
        )
    )


def test_sent_once_at_risk_with_the_due_time_and_it_does_not_meet_the_clock(
    django_capture_on_commit_callbacks,
) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    timer = SlaTimer.objects.get(ticket=ticket, metric="first_response")
    _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=35))
    assert _notices(ticket) == []  # not at risk yet (75 % of 48 h is 36 h)

    _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=37))
    [notice] = _notices(ticket)
    due = promise_format(timer.due_at, language="en")
    assert due == "Thursday 26 November, 10:00"  # T0 + 48 h, Amsterdam time: not moved
    assert "We need a little more time for your request" in notice.body_text
    assert f"A person will answer by {due}." in notice.body_text
    assert f"#{ticket.pk}" in notice.body_text
    assert f"/support/requests/{ticket.pk}/" in notice.body_text
    assert notice.body_text.startswith("Hello Eva,")
    assert notice.author_user is None
    assert notice.channel == "email"
    [sent] = mail.outbox
    assert sent.to == ["eva@example.com"]
    assert sent.body == notice.body_text
    [event] = _decisions(ticket)
    assert event.data["delay_notice"] == "sent"
    assert event.message_id == notice.pk
    assert f"Delay notice sent by Email: a person will answer by {due}" == event.text

    # Automatic: the clock still runs and breaches when nobody answers.
    timer.refresh_from_db()
    assert timer.state == TimerState.RUNNING
    assert timer.met_at is None
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is None
    # Never twice for one promise: another sweep, and the task run again by hand.
    _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=38))
    with time_machine.travel(T0 + timedelta(hours=38), tick=False):
        delay_notices_send.delay([timer.pk])
    assert len(_notices(ticket)) == 1
    assert len(mail.outbox) == 1
    _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=49))
    timer.refresh_from_db()
    assert timer.breached_at is not None
    assert timer.state == TimerState.RUNNING


def test_off_unless_the_policy_turns_it_on(django_capture_on_commit_callbacks) -> None:
    SlaPolicy.objects.update(delay_notice=False)
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=37))
    assert SlaTimer.objects.get(ticket=ticket).at_risk_notified_at is not None
    assert _notices(ticket) == []
    assert _decisions(ticket) == []


def test_only_inside_business_hours(django_capture_on_commit_callbacks) -> None:
    """Monday to Friday 09:00-17:00 in Amsterdam: a clock whose at-risk time is at closing, swept in
    the evening, gets no notice then; the same task in opening hours sends it."""
    calendar = BusinessCalendar.objects.create(
        name="Office",
        time_zone="Europe/Amsterdam",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    SlaPolicy.objects.filter(name="Standard").update(
        calendar=calendar, first_response_minutes=16 * 60, at_risk_percent=50
    )
    monday_nine = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
    with time_machine.travel(monday_nine, tick=False):
        ticket = _email()
    timer = SlaTimer.objects.get(ticket=ticket)
    assert timer.at_risk_at == datetime(2026, 11, 23, 17, 0, tzinfo=AMSTERDAM)
    assert timer.due_at == datetime(2026, 11, 24, 17, 0, tzinfo=AMSTERDAM)

    _sweep(django_capture_on_commit_callbacks, datetime(2026, 11, 23, 20, 0, tzinfo=AMSTERDAM))
    assert timer.__class__.objects.get(pk=timer.pk).at_risk_notified_at is not None
    assert _notices(ticket) == []
    assert _decisions(ticket) == []

    with (
        time_machine.travel(datetime(2026, 11, 24, 9, 30, tzinfo=AMSTERDAM), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        delay_notices_send.delay([timer.pk])
    [notice] = _notices(ticket)
    assert "A person will answer by Tuesday 24 November, 17:00." in notice.body_text


def test_never_while_pending_or_on_hold(django_capture_on_commit_callbacks, agent) -> None:
    with time_machine.travel(T0, tick=False):
        pending = _email("pim@example.com", "Pim")
        held = _email("han@example.com", "Han")
        ticket_set_status(ticket=pending, status="pending", by=agent)
        ticket_set_status(ticket=held, status="on_hold", by=agent)
    _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=37))
    assert _notices(pending) == []
    assert _notices(held) == []
    assert SlaTimer.objects.filter(ticket=pending, metric="first_response").get().state == (
        TimerState.RUNNING
    )


def test_never_after_a_persons_reply(django_capture_on_commit_callbacks, agent) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    timer = SlaTimer.objects.get(ticket=ticket, metric="first_response")
    with (
        time_machine.travel(T0 + timedelta(hours=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reply_create(ticket=ticket, author=agent, body_text="We are on it.")
    _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=37))
    with time_machine.travel(T0 + timedelta(hours=37), tick=False):
        delay_notices_send.delay([timer.pk])  # a task queued before the reply, say
    assert _notices(ticket) == []
    assert _decisions(ticket) == []
    assert len(mail.outbox) == 1  # the agent's reply only


def test_not_while_an_agent_is_replying(django_capture_on_commit_callbacks, agent) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    entry = entry_for(ticket_id=ticket.pk, user=agent)
    presence_enter(entry)
    presence_replying(entry, replying=True)
    try:
        _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=37))
    finally:
        presence_leave(entry)
    assert _notices(ticket) == []
    assert _decisions(ticket) == []


def _whatsapp(at: datetime) -> Ticket:
    with time_machine.travel(at, tick=False):
        data = inbound("whatsapp", value="+31612345678", customer_name="Jeroen Smit")
        data.sent_at = at
        data.language_hint = "nl"  # what the WhatsApp adapter says for a +31 number
        return message_ingest(data=data).ticket


def test_whatsapp_outside_the_window_is_refused_with_the_reason(
    django_capture_on_commit_callbacks,
) -> None:
    # A 48-hour promise on WhatsApp: at risk after 36 h, when Meta's 24-hour window is shut.
    SlaPolicy.objects.filter(name="Social").update(first_response_minutes=48 * 60)
    recorder = Recorder("whatsapp")
    with senders.senders_replaced([recorder]):
        ticket = _whatsapp(T0)
        _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=37))
    assert _notices(ticket) == []
    assert recorder.sent == []
    [event] = _decisions(ticket)
    assert event.data["delay_notice"] == "refused"
    assert "window is closed" in event.data["reason"]
    assert event.text.startswith("Delay notice not sent: the WhatsApp 24-hour window is closed")


def test_whatsapp_outside_the_window_goes_as_the_approved_template(
    django_capture_on_commit_callbacks,
) -> None:
    SlaPolicy.objects.filter(name="Social").update(
        first_response_minutes=48 * 60, delay_notice_template="delay_notice"
    )
    recorder = Recorder("whatsapp")
    with senders.senders_replaced([recorder]):
        ticket = _whatsapp(T0)
        _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=37))
    [notice] = _notices(ticket)
    assert notice.meta["template"] == {"name": "delay_notice", "language": "nl"}
    assert [m.pk for m in recorder.sent] == [notice.pk]
    [event] = _decisions(ticket)
    assert event.data["delay_notice"] == "sent"
    assert "WhatsApp template delay_notice" in event.text


def test_whatsapp_inside_the_window_is_plain_text(django_capture_on_commit_callbacks) -> None:
    recorder = Recorder("whatsapp")
    with senders.senders_replaced([recorder]):
        ticket = _whatsapp(T0)
        _sweep(django_capture_on_commit_callbacks, T0 + timedelta(hours=19))
    [notice] = _notices(ticket)
    assert notice.channel == "whatsapp"
    assert "template" not in notice.meta
    # The Social policy's 24 h, in Jeroen's (Dutch) language.
    assert promise_format(T0 + timedelta(hours=24), language="nl") in notice.body_text
    assert [m.pk for m in recorder.sent] == [notice.pk]


def test_a_clock_at_risk_at_closing_time_is_still_told_when_swept_just_after(
    django_capture_on_commit_callbacks,
) -> None:
    calendar = BusinessCalendar.objects.create(
        name="Office",
        time_zone="Europe/Amsterdam",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    SlaPolicy.objects.filter(name="Standard").update(
        calendar=calendar, first_response_minutes=16 * 60, at_risk_percent=50
    )
    with time_machine.travel(datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM), tick=False):
        ticket = _email()
    # At risk at 17:00 sharp; the sweep comes 20 seconds later, after closing.
    _sweep(django_capture_on_commit_callbacks, datetime(2026, 11, 23, 17, 0, 20, tzinfo=AMSTERDAM))
    [notice] = _notices(ticket)
    assert "A person will answer by Tuesday 24 November, 17:00." in notice.body_text
