"""SLA clocks, driven by the ticket's own events and swept like beat sweeps them, with the
clock moved by time-machine. PRODUCT.md: SLA."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connection

from tests.factories import inbound
from tickets.models import (
    BusinessCalendar,
    BusinessHoliday,
    EventKind,
    Notification,
    NotificationKind,
    Priority,
    SlaBreach,
    SlaPolicy,
    SlaTimer,
    Team,
    Ticket,
)
from tickets.services import (
    message_ingest,
    note_add,
    reply_create,
    sla_policy_save,
    sla_sweep,
    ticket_assign,
    ticket_set_status,
)

pytestmark = pytest.mark.django_db(transaction=False)

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _default_policies(db) -> None:
    """Migration 0006 creates them; a transactional test elsewhere may have emptied the
    tables since."""
    from tickets.services import sla_policies_default

    sla_policies_default()


def _sla(api, ticket: Ticket, metric: str = "first_response") -> dict:
    body = api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    clocks = [c for c in body["sla"] if c["metric"] == metric]
    assert clocks, body["sla"]
    return clocks[-1]


def _email(value: str = "eva@example.com", **kwargs) -> Ticket:
    return message_ingest(data=inbound("email", value=value, **kwargs)).ticket


def test_email_is_due_in_48_hours_and_whatsapp_in_24(api) -> None:
    with time_machine.travel(T0, tick=False):
        email = _email()
        whatsapp = message_ingest(data=inbound("whatsapp", value="+31612345678")).ticket
        first = _sla(api, email)
        assert first["status"] == "on_track"
        assert first["policy"] == "Standard"
        assert first["remaining_seconds"] == 48 * 3600
        assert datetime.fromisoformat(first["due_at"]) == T0 + timedelta(hours=48)
        assert datetime.fromisoformat(_sla(api, whatsapp)["due_at"]) == T0 + timedelta(hours=24)
        assert "48 h" in first["reason"]


def test_acknowledgement_and_note_do_not_meet_it_a_human_reply_does(api, agent) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    with time_machine.travel(T0 + timedelta(minutes=1), tick=False):
        reply_create(ticket=ticket, author=None, body_text="We got it.", is_automatic=True)
        note_add(ticket=ticket, author=agent, body_text="Check the order first")
        assert _sla(api, ticket)["status"] == "on_track"
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        # A macro's text sent by an agent is a human reply.
        response = api.post(
            f"/api/v1/tickets/{ticket.pk}/messages/",
            {"kind": "reply", "body_text": "Hello Eva, your order left today."},
            format="json",
        )
        assert response.status_code == 201, response.content
        clock = _sla(api, ticket)
        assert clock["status"] == "met"
        assert datetime.fromisoformat(clock["met_at"]) == T0 + timedelta(hours=3)
        assert clock["remaining_seconds"] is None


def test_missed_call_starts_the_clock(api) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = message_ingest(
            data=inbound(
                "phone",
                value="+31612345678",
                body_text="",
                call_direction="inbound",
                call_answered=False,
                call_duration_seconds=0,
            )
        ).ticket
        clock = _sla(api, ticket)
        assert clock["status"] == "on_track"
        assert datetime.fromisoformat(clock["due_at"]) == T0 + timedelta(hours=48)


def test_whatsapp_on_an_unanswered_email_ticket_pulls_the_due_time_earlier(api) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email(value="lotte@example.nl")
    customer = ticket.customer
    from customers.services import identity_add

    identity_add(customer=customer, kind="whatsapp", value="+31611112222")
    with time_machine.travel(T0 + timedelta(hours=2), tick=False):
        again = message_ingest(data=inbound("whatsapp", value="+31611112222")).ticket
    assert again.pk == ticket.pk
    clock = _sla(api, ticket)
    assert datetime.fromisoformat(clock["due_at"]) == T0 + timedelta(hours=26)
    assert clock["policy"] == "Social"
    assert SlaTimer.objects.filter(ticket=ticket).count() == 1
    assert ticket.events.filter(kind=EventKind.SLA, text__contains="earlier").exists()
    # A later email does not push it back out.
    with time_machine.travel(T0 + timedelta(hours=3), tick=False):
        message_ingest(data=inbound("email", value="lotte@example.nl"))
    assert datetime.fromisoformat(_sla(api, ticket)["due_at"]) == T0 + timedelta(hours=26)


def test_next_response_clock_starts_with_the_customer_after_our_reply(api, agent) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        reply_create(ticket=ticket, author=agent, body_text="Which order?")
    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        _email()
        clock = _sla(api, ticket, "next_response")
        assert datetime.fromisoformat(clock["due_at"]) == T0 + timedelta(hours=53)
    with time_machine.travel(T0 + timedelta(hours=6), tick=False):
        _email()  # a second message does not restart the running clock
        assert datetime.fromisoformat(_sla(api, ticket, "next_response")["due_at"]) == (
            T0 + timedelta(hours=53)
        )
        reply_create(ticket=ticket, author=agent, body_text="Found it.")
        assert _sla(api, ticket, "next_response")["status"] == "met"


def test_resolution_clock_pauses_while_pending(api, agent) -> None:
    policy = SlaPolicy.objects.get(name="Standard")
    policy.resolution_minutes = 72 * 60
    sla_policy_save(policy=policy)
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    with time_machine.travel(T0 + timedelta(hours=10), tick=False):
        ticket_set_status(ticket=ticket, status="pending", by=agent)
        assert _sla(api, ticket, "resolution")["status"] == "paused"
    with time_machine.travel(T0 + timedelta(hours=40), tick=False):
        _email()  # the customer answers: open again, the clock runs on
        clock = _sla(api, ticket, "resolution")
        assert clock["status"] == "on_track"
        # 62 h were left when it paused.
        assert datetime.fromisoformat(clock["due_at"]) == T0 + timedelta(hours=102)
        assert clock["paused_seconds"] == 30 * 3600
    with time_machine.travel(T0 + timedelta(hours=50), tick=False):
        ticket_set_status(ticket=ticket, status="solved", by=agent)
        assert _sla(api, ticket, "resolution")["status"] == "met"


def test_business_hours_across_a_weekend_and_a_dutch_holiday(api) -> None:
    calendar = BusinessCalendar.objects.create(
        name="Office NL",
        time_zone="Europe/Amsterdam",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    BusinessHoliday.objects.create(calendar=calendar, date=date(2026, 12, 28), name="test day")
    policy = SlaPolicy.objects.get(name="Standard")
    policy.calendar = calendar
    policy.first_response_minutes = 8 * 60
    sla_policy_save(policy=policy)
    friday_afternoon = datetime(2026, 12, 25, 15, 0, tzinfo=UTC)  # 16:00 in Amsterdam
    with time_machine.travel(friday_afternoon, tick=False):
        ticket = _email()
    clock = _sla(api, ticket)
    # Fri 1 h, weekend, Monday the 28th is a holiday, Tuesday 7 h: 16:00 Amsterdam.
    assert datetime.fromisoformat(clock["due_at"]) == datetime(2026, 12, 29, 15, 0, tzinfo=UTC)
    assert "business hours" in clock["reason"]


def test_at_risk_at_75_percent_notifies_the_assignee_once(
    agent, django_capture_on_commit_callbacks
) -> None:
    agent.email = "ada@helpdesk.example"
    agent.save()
    with time_machine.travel(T0, tick=False):
        ticket = _email()
        ticket_assign(ticket=ticket, agent=agent, by=agent)
    with time_machine.travel(T0 + timedelta(hours=35), tick=False):
        assert sla_sweep().at_risk == 0
    with (
        time_machine.travel(T0 + timedelta(hours=36), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sla_sweep().at_risk == 1
        assert sla_sweep().at_risk == 0
    [note] = Notification.objects.all()
    assert (note.user, note.kind) == (agent, NotificationKind.SLA_AT_RISK)
    assert f"#{ticket.pk}" in note.text
    [sent] = mail.outbox
    assert sent.to == ["ada@helpdesk.example"]
    assert "at risk" in sent.subject.lower()


def test_breach_records_raises_priority_once_and_tells_lead_and_managers(
    api, agent, django_user_model, django_capture_on_commit_callbacks
) -> None:
    lead = django_user_model.objects.create_user("lead", email="lead@helpdesk.example")
    manager = django_user_model.objects.create_user("boss", email="boss@helpdesk.example")
    manager.groups.add(Group.objects.get_or_create(name="Managers")[0])
    team = Team.objects.create(name="Support", lead=lead)
    with time_machine.travel(T0, tick=False):
        ticket = message_ingest(data=inbound("email", team_id=team.pk)).ticket
    assert ticket.priority == Priority.NORMAL
    with (
        time_machine.travel(T0 + timedelta(hours=48, seconds=30), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        result = sla_sweep()
        assert result.breached == 1
        assert sla_sweep().breached == 0
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH
    assert SlaBreach.objects.filter(ticket=ticket).count() == 1
    assert ticket.events.filter(kind=EventKind.SLA, text__contains="breached").count() == 1
    notified = set(
        Notification.objects.filter(kind=NotificationKind.SLA_BREACHED).values_list(
            "user__username", flat=True
        )
    )
    assert notified == {"lead", "boss"}
    assert sorted(m.to[0] for m in mail.outbox) == [
        "boss@helpdesk.example",
        "lead@helpdesk.example",
    ]
    assert _sla(api, ticket)["status"] == "breached"
    # The reply comes late: met late, and the breach stays on the record.
    with time_machine.travel(T0 + timedelta(hours=50), tick=False):
        reply_create(ticket=ticket, author=agent, body_text="Sorry for the wait.")
    clock = _sla(api, ticket)
    assert clock["status"] == "met_late"
    assert clock["breached_at"] is not None


def test_policy_change_retimes_open_tickets(api, agent) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email()
        policy = SlaPolicy.objects.get(name="Standard")
        policy.first_response_minutes = 8 * 60
        sla_policy_save(policy=policy, by=agent)
    clock = _sla(api, ticket)
    assert datetime.fromisoformat(clock["due_at"]) == T0 + timedelta(hours=8)
    assert clock["policy_version"] == 2
    assert ticket.events.filter(kind=EventKind.SLA, text__contains="re-timed").exists()


def test_ticket_list_queries_do_not_grow_with_sla_clocks(
    api, django_assert_max_num_queries
) -> None:
    for index in range(15):
        _email(value=f"c{index}@example.com")
    with django_assert_max_num_queries(6):
        response = api.get("/api/v1/tickets/?page_size=50")
    assert all(ticket["sla"] for ticket in response.json()["results"])


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_record_one_breach_per_timer() -> None:
    with time_machine.travel(T0, tick=False):
        tickets = [_email(value=f"race{index}@example.com") for index in range(30)]
    results = []
    barrier = threading.Barrier(2)

    def sweeper() -> None:
        try:
            barrier.wait()
            results.append(sla_sweep(now=T0 + timedelta(hours=49), batch=7).breached)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweeper) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(results) == 30
    assert SlaBreach.objects.count() == 30
    for ticket in tickets:
        assert ticket.events.filter(kind=EventKind.SLA, text__contains="breached").count() == 1
        ticket.refresh_from_db()
        assert ticket.priority == Priority.HIGH


@pytest.mark.parametrize(
    ("zone", "holiday", "contact", "due"),
    [
        # Warsaw: Tuesday 16:00, Wednesday 11 November (Independence Day) closed.
        (
            "Europe/Warsaw",
            date(2026, 11, 11),
            datetime(2026, 11, 10, 15, 0, tzinfo=UTC),
            datetime(2026, 11, 12, 9, 0, tzinfo=UTC),
        ),
        # Amsterdam: Friday 16:00 CET before the spring change, due Monday 10:00 CEST.
        (
            "Europe/Amsterdam",
            None,
            datetime(2026, 3, 27, 15, 0, tzinfo=UTC),
            datetime(2026, 3, 30, 8, 0, tzinfo=UTC),
        ),
        # Warsaw: Friday 16:00 CEST before the autumn change, due Monday 10:00 CET.
        (
            "Europe/Warsaw",
            None,
            datetime(2026, 10, 23, 14, 0, tzinfo=UTC),
            datetime(2026, 10, 26, 9, 0, tzinfo=UTC),
        ),
    ],
)
def test_office_hours_in_amsterdam_and_warsaw_through_holidays_and_dst(
    api, zone: str, holiday: date | None, contact: datetime, due: datetime
) -> None:
    calendar = BusinessCalendar.objects.create(
        name=zone,
        time_zone=zone,
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    if holiday:
        BusinessHoliday.objects.create(calendar=calendar, date=holiday, name="public holiday")
    policy = SlaPolicy.objects.get(name="Standard")
    policy.calendar, policy.first_response_minutes = calendar, 2 * 60
    sla_policy_save(policy=policy)
    with time_machine.travel(contact, tick=False):
        ticket = _email()
    assert datetime.fromisoformat(_sla(api, ticket)["due_at"]) == due


def test_a_reply_after_the_due_time_is_met_late_even_before_a_sweep(api, agent) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = _email()
    with time_machine.travel(T0 + timedelta(hours=49), tick=False):
        reply_create(ticket=ticket, author=agent, body_text="Sorry, we are late.")
    clock = _sla(api, ticket)
    assert clock["status"] == "met_late"
    assert SlaBreach.objects.filter(ticket=ticket).count() == 1
    with time_machine.travel(T0 + timedelta(hours=50), tick=False):
        assert sla_sweep().breached == 0  # nothing left to alarm about
    ticket.refresh_from_db()
    assert ticket.priority == Priority.NORMAL
