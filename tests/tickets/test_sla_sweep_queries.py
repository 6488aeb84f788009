"""Each pass of the SLA sweep costs the same handful of queries per batch whatever the
number of timers in it: the timers are claimed and marked in one statement each, their
tickets (with assignee, team, lead and the team's members) load in two queries, and the
breach rows, events and notifications are created in bulk. Owners of every kind are mixed
in, so each recipient rule (assignee, team members, team lead, default team's lead, and a
breach's fallback to the at-risk rule) is on the path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import inbound
from tickets.models import (
    EventKind,
    Notification,
    NotificationKind,
    SlaBreach,
    SlaTimer,
    Team,
    TicketEvent,
)
from tickets.services import message_ingest, sla_sweep

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
AT_RISK = T0 + timedelta(hours=36)  # 75 % of the standard 48 h first response, not due yet

# The queries of one at-risk sweep, whatever the number of timers (below a batch): the
# breach pass's claim (none due); the at-risk claim, the mark, the tickets, the teams'
# members, the default team, the managers, the notifications' insert; each pass in a
# savepoint (a savepoint and its release, for each pass).
AT_RISK_SWEEP_QUERIES = 12


@pytest.fixture(autouse=True)
def _default_policies(db) -> None:
    from tickets.services import sla_policies_default

    sla_policies_default()


def _tickets_at_risk(count: int, django_user_model, tag: str) -> None:
    """`count` tickets with a running first-response clock, owned in turn by an assignee,
    a team with members, a team with only a lead, and nobody (the default team's lead)."""
    user = django_user_model.objects.create_user
    crew = Team.objects.create(name=f"Crew {tag}", lead=user(f"lead-{tag}", email="l@x.example"))
    crew.members.add(user(f"member-{tag}", email="m@x.example"))
    leads_only = Team.objects.create(name=f"Leads {tag}", lead=user(f"solo-{tag}"))
    Team.objects.get_or_create(
        is_default=True, defaults={"name": "Default", "lead": user(f"default-{tag}")}
    )
    assignee = user(f"agent-{tag}", email="a@x.example")
    with time_machine.travel(T0, tick=False):
        for i in range(count):
            ticket = message_ingest(data=inbound("email", value=f"c{i}-{tag}@example.com")).ticket
            owner = i % 4
            if owner == 0:
                ticket.assignee = assignee
            elif owner in (1, 2):
                ticket.team = crew if owner == 1 else leads_only
            ticket.save(update_fields=["assignee", "team"])


def _at_risk_sweep_queries(count: int) -> int:
    with time_machine.travel(AT_RISK, tick=False), CaptureQueriesContext(connection) as ctx:
        result = sla_sweep()
    assert result.at_risk == count
    assert result.breached == 0
    return len(ctx.captured_queries)


@pytest.mark.parametrize("count", [4, 12])
def test_an_at_risk_sweep_costs_the_same_queries_for_any_number_of_timers(
    count, django_user_model, django_assert_num_queries
) -> None:
    _tickets_at_risk(count, django_user_model, tag=str(count))

    with time_machine.travel(AT_RISK, tick=False), django_assert_num_queries(AT_RISK_SWEEP_QUERIES):
        result = sla_sweep()

    assert result.at_risk == count
    assert not SlaTimer.objects.filter(at_risk_notified_at__isnull=True).exists()
    notes = Notification.objects.filter(kind=NotificationKind.SLA_AT_RISK)
    # One warning per ticket: each of these owners is a single person.
    assert notes.count() == count
    assert set(notes.values_list("user__username", flat=True)) == {
        f"agent-{count}",
        f"member-{count}",
        f"solo-{count}",
        f"default-{count}",
    }


def test_two_batch_sizes_give_the_same_count(django_user_model) -> None:
    _tickets_at_risk(3, django_user_model, tag="small")
    small = _at_risk_sweep_queries(3)
    # The warned timers are done; a larger set of new ones costs no more.
    _tickets_at_risk(10, django_user_model, tag="large")
    large = _at_risk_sweep_queries(10)

    assert small == large


# --- breaches --------------------------------------------------------------------------------

BREACH = T0 + timedelta(hours=49)  # an hour past the standard 48 h first response

# The queries of one breach sweep, whatever the number of timers (below a batch): the claim;
# the tickets locked with assignee, team and lead, and the teams' members; the breach rows;
# the timers marked; the priority raise (one per number of steps: one breach each here);
# the default team and the managers; the events' and the notifications' inserts;
# the at-risk pass's claim (none left); a savepoint and its release for each pass.
BREACH_SWEEP_QUERIES = 15


def _tickets_due(count: int, django_user_model, tag: str) -> None:
    """`count` tickets with a running first-response clock, owned in turn by a team with a
    lead, a team with members and no lead, an assignee in that team, and nobody: a breach
    without a lead (and no managers) falls back to the at-risk rule's owners."""
    user = django_user_model.objects.create_user
    led = Team.objects.create(name=f"Led {tag}", lead=user(f"lead-{tag}", email="l@x.example"))
    floor = Team.objects.create(name=f"Floor {tag}")
    floor.members.add(user(f"member-{tag}", email="m@x.example"))
    Team.objects.get_or_create(
        is_default=True, defaults={"name": "Default", "lead": user(f"default-{tag}")}
    )
    assignee = user(f"agent-{tag}", email="a@x.example")
    with time_machine.travel(T0, tick=False):
        for i in range(count):
            ticket = message_ingest(data=inbound("email", value=f"d{i}-{tag}@example.com")).ticket
            owner = i % 4
            ticket.team = {0: led, 1: floor, 2: floor}.get(owner)
            ticket.assignee = assignee if owner == 2 else None
            ticket.save(update_fields=["assignee", "team"])


@pytest.mark.parametrize("count", [4, 12])
def test_a_breach_sweep_costs_the_same_queries_for_any_number_of_timers(
    count, django_user_model, django_assert_num_queries
) -> None:
    _tickets_due(count, django_user_model, tag=str(count))

    with time_machine.travel(BREACH, tick=False), django_assert_num_queries(BREACH_SWEEP_QUERIES):
        result = sla_sweep()

    assert (result.breached, result.at_risk) == (count, 0)
    assert SlaBreach.objects.count() == count
    assert (
        TicketEvent.objects.filter(kind=EventKind.SLA, text__contains="breached").count() == count
    )
    notes = Notification.objects.filter(kind=NotificationKind.SLA_BREACHED)
    assert notes.count() == count
    assert set(notes.values_list("user__username", flat=True)) == {
        f"lead-{count}",
        f"member-{count}",
        f"agent-{count}",
        f"default-{count}",
    }
