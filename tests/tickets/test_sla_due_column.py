"""`Ticket.sla_due_at` / `sla_at_risk_at`, the nearest promise the desk's queues sort by, kept
by a PostgreSQL trigger on the timers table: it follows every path that writes a timer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tests.factories import inbound
from tickets.models import SlaTimer, Status, Ticket, TimerState
from tickets.services import (
    message_ingest,
    reply_create,
    sla_policies_default,
    ticket_set_status,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    sla_policies_default()


def _nearest(ticket: Ticket) -> tuple[datetime | None, datetime | None]:
    live = SlaTimer.objects.filter(
        ticket=ticket, state__in=[TimerState.RUNNING, TimerState.PAUSED]
    ).order_by("due_at")
    first = live.first()
    ticket.refresh_from_db()
    assert (ticket.sla_due_at, ticket.sla_at_risk_at) == (
        (first.due_at, first.at_risk_at) if first else (None, None)
    )
    return ticket.sla_due_at, ticket.sla_at_risk_at


def test_due_follows_start_reply_merge_and_solve(agent) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = message_ingest(data=inbound(value="due@example.com", body_text="Hello")).ticket
        due, at_risk = _nearest(ticket)
        assert due is not None
        assert at_risk is not None
        assert at_risk < due

    with time_machine.travel(T0 + timedelta(hours=1), tick=False):
        ticket_set_status(ticket=ticket, status=Status.PENDING, by=agent)
        assert _nearest(ticket)[0] == due  # pending: the first reply is still owed

    with time_machine.travel(T0 + timedelta(hours=4), tick=False):
        reply_create(ticket=ticket, author=agent, body_text="On it")
        assert _nearest(ticket) == (None, None)  # met: nothing is due any more

    with time_machine.travel(T0 + timedelta(hours=5), tick=False):
        message_ingest(data=inbound(value="due@example.com", body_text="And?"))
        next_due, _ = _nearest(ticket)  # the next response is owed now
        assert next_due is not None

    # Any statement that moves a timer (a merge does) recomputes both tickets.
    other = message_ingest(data=inbound(value="other@example.com", body_text="Hi")).ticket
    SlaTimer.objects.filter(ticket=other).update(ticket=ticket, state=TimerState.CANCELLED)
    assert _nearest(other) == (None, None)
    assert _nearest(ticket)[0] == next_due

    ticket_set_status(ticket=ticket, status=Status.SOLVED, by=agent)
    assert _nearest(ticket) == (None, None)
