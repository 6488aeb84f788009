"""The beat task `tickets.close_solved` (`tickets_close_solved`): a ticket solved longer
ago than HELPDESK_CLOSE_SOLVED_AFTER_DAYS is closed, with an event on its timeline; a
younger solved ticket, and any ticket not solved, stays as it is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import inbound
from tickets.models import EventKind, Status, Ticket
from tickets.services import message_ingest, ticket_set_status
from tickets.tasks import close_solved

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def _ticket(value: str, *, status: str, agent) -> Ticket:
    with time_machine.travel(T0, tick=False):
        ticket = message_ingest(data=inbound("email", value=value)).ticket
        return ticket_set_status(ticket=ticket, status=status, by=agent)


def _run_task_at(when: datetime) -> None:
    with time_machine.travel(when, tick=False):
        close_solved.delay()


def test_a_ticket_solved_long_enough_ago_is_closed_with_an_event(agent, settings) -> None:
    settings.HELPDESK_CLOSE_SOLVED_AFTER_DAYS = 4
    ticket = _ticket("old@example.com", status=Status.SOLVED, agent=agent)
    later = T0 + timedelta(days=4, minutes=1)

    _run_task_at(later)

    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    assert ticket.closed_at == later
    assert ticket.solved_at == T0
    event = ticket.events.filter(kind=EventKind.STATUS).last()
    assert event is not None
    assert event.text == "status solved → closed: aged out"
    assert event.actor is None
    assert event.data == {"old": "solved", "new": "closed"}


def test_a_ticket_solved_recently_stays_solved(agent, settings) -> None:
    settings.HELPDESK_CLOSE_SOLVED_AFTER_DAYS = 4
    ticket = _ticket("young@example.com", status=Status.SOLVED, agent=agent)
    events_before = ticket.events.count()

    _run_task_at(T0 + timedelta(days=3, hours=23))

    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert ticket.closed_at is None
    assert ticket.events.count() == events_before


def test_only_solved_tickets_age_out(agent, settings) -> None:
    settings.HELPDESK_CLOSE_SOLVED_AFTER_DAYS = 4
    solved = _ticket("solved@example.com", status=Status.SOLVED, agent=agent)
    pending = _ticket("pending@example.com", status=Status.PENDING, agent=agent)
    opened = _ticket("open@example.com", status=Status.OPEN, agent=agent)

    _run_task_at(T0 + timedelta(days=30))

    statuses = dict(
        Ticket.objects.filter(pk__in=[solved.pk, pending.pk, opened.pk]).values_list("pk", "status")
    )
    assert statuses == {
        solved.pk: Status.CLOSED,
        pending.pk: Status.PENDING,
        opened.pk: Status.OPEN,
    }


def test_running_the_task_again_closes_nothing_twice(agent, settings) -> None:
    settings.HELPDESK_CLOSE_SOLVED_AFTER_DAYS = 4
    ticket = _ticket("twice@example.com", status=Status.SOLVED, agent=agent)
    later = T0 + timedelta(days=5)

    _run_task_at(later)
    _run_task_at(later + timedelta(hours=1))

    ticket.refresh_from_db()
    assert ticket.closed_at == later
    assert ticket.events.filter(text="status solved → closed: aged out").count() == 1
