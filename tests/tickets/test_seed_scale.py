"""`manage.py seed_scale --tickets N`: N tickets with their customers, identities, messages,
events and running SLA timers, straight into the tables — and the app still reads them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from customers.models import Customer, Identity
from tickets.models import (
    Direction,
    EventKind,
    Message,
    SlaMetric,
    SlaTimer,
    Status,
    Team,
    Ticket,
    TicketEvent,
    TimerState,
)
from tickets.tasks import sla_sweep

pytestmark = pytest.mark.django_db


def seed(tickets: int = 200) -> str:
    out = StringIO()
    call_command("seed_scale", tickets=tickets, stdout=out)
    return out.getvalue()


def test_it_seeds_the_asked_number_with_their_parts(agent) -> None:
    output = seed()

    assert Ticket.objects.count() == 200
    assert 800 <= Message.objects.count() <= 1200
    assert Customer.objects.count() == 40
    per_customer = Identity.objects.values("customer").annotate(n=Count("id"))
    assert {row["n"] for row in per_customer} <= {1, 2, 3}
    assert per_customer.count() == 40
    assert Team.objects.count() == 3
    assert TicketEvent.objects.filter(kind=EventKind.CREATED).count() == 200
    assert "sequences moved, tables analysed" in output


def test_the_mix_looks_like_a_helpdesk(agent) -> None:
    seed()

    statuses = dict(Ticket.objects.values_list("status").annotate(n=Count("id")))
    assert statuses[Status.CLOSED] + statuses[Status.SOLVED] > 120
    assert statuses.get(Status.NEW, 0) + statuses.get(Status.OPEN, 0) > 0
    assert Ticket.objects.values("channel").distinct().count() >= 5
    assert Ticket.objects.filter(assignee=agent).exists()
    assert Ticket.objects.filter(assignee__isnull=True).exists()
    directions = set(Message.objects.values_list("direction", flat=True).distinct())
    assert directions == {Direction.INBOUND, Direction.OUTBOUND, Direction.NOTE}
    emails = Identity.objects.filter(kind="email").values_list("value", flat=True)
    assert all(value == value.lower() for value in emails)
    phones = Identity.objects.filter(kind__in=["phone", "whatsapp"]).values_list("value", flat=True)
    assert all(value.startswith(("+316", "+4850")) and len(value) == 12 for value in phones)


def test_open_tickets_have_running_first_response_timers(agent) -> None:
    seed()

    live = Ticket.objects.filter(status__in=[Status.NEW, Status.OPEN])
    assert live.exists()
    for ticket in live:
        timer = SlaTimer.objects.get(ticket=ticket, state=TimerState.RUNNING)
        assert timer.metric == SlaMetric.FIRST_RESPONSE
        assert timer.due_at > timer.at_risk_at > timer.started_at
        assert timer.policy.name in {"Standard", "Social"}
        assert timer.started_by is not None
        assert timer.started_by.ticket_id == ticket.pk
        assert not any(m.is_human_public_reply for m in ticket.messages.all())
    assert not SlaTimer.objects.exclude(ticket__in=live).exists()


def test_the_api_lists_them(agent, api) -> None:
    seed()

    response = api.get("/api/v1/tickets/")

    assert response.status_code == 200
    assert response.json()["results"]


def test_a_second_run_adds_on_top(agent) -> None:
    seed()
    first_max = Ticket.objects.order_by("-id").values_list("id", flat=True)[0]

    seed()

    assert Ticket.objects.count() == 400
    assert Customer.objects.count() == 80
    assert Ticket.objects.filter(id__gt=first_max).count() == 200
    # The sequences moved past the explicit ids: the ORM can still insert.
    customer = Customer.objects.create(name="After the seed")
    assert Ticket.objects.create(customer=customer, channel="email").pk > first_max + 200


def test_the_sla_sweep_runs_over_them(agent) -> None:
    seed()
    overdue = list(SlaTimer.objects.order_by("id").values_list("pk", flat=True)[:3])
    SlaTimer.objects.filter(pk__in=overdue).update(
        due_at="2000-01-01T00:00:00Z", at_risk_at="2000-01-01T00:00:00Z"
    )

    sla_sweep()

    breached = SlaTimer.objects.filter(breached_at__isnull=False)
    assert set(overdue) <= set(breached.values_list("pk", flat=True))


def test_it_refuses_nonsense(agent) -> None:
    err = StringIO()
    call_command("seed_scale", tickets=0, stdout=StringIO(), stderr=err)

    assert "at least 1" in err.getvalue()
    assert not Ticket.objects.exists()
