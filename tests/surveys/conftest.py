from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group

from customers.models import Customer
from surveys.models import Survey
from surveys.tasks import schedule_sweep, send_sweep
from tests.factories import inbound
from tickets.models import Team, Ticket
from tickets.services import message_ingest, ticket_assign, ticket_set_status, ticket_set_team

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """Time stands still unless a test moves it (`clock.move_to`)."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def lead(django_user_model):
    user = django_user_model.objects.create_user(
        username="lead1", password="pw-lead-1", email="lead@shop.test", first_name="Lea"
    )
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    return user


@pytest.fixture
def manager(django_user_model):
    from rest_framework.test import APIClient

    user = django_user_model.objects.create_user(username="boss", password="pw-boss-1")
    user.groups.add(Group.objects.get_or_create(name="Managers")[0])
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def team(lead):
    return Team.objects.create(name="Support", lead=lead)


@pytest.fixture
def solve(agent, team):
    """A customer writes (email by default), the agent handles it and solves it."""

    def make(value: str = "eva@example.com", channel: str = "email", **kwargs: Any) -> Ticket:
        result = message_ingest(data=inbound(channel=channel, value=value, **kwargs))
        ticket = result.message.ticket
        ticket_assign(ticket=ticket, agent=agent, by=agent)
        ticket_set_team(ticket=ticket, team=team, by=agent)
        return ticket_set_status(ticket=ticket, status="solved", by=agent)

    return make


def sweep() -> None:
    """What beat does every minute (tasks run inline under eager Celery)."""
    schedule_sweep.delay()
    send_sweep.delay()


def rating_links(body: str) -> list[str]:
    return re.findall(r"http://testserver(/survey/r/[^/\s]+/\d/)", body)


def survey_of(ticket: Ticket) -> Survey:
    return Survey.objects.get(ticket=ticket)


def set_language(ticket: Ticket, language: str) -> None:
    Customer.objects.filter(pk=ticket.customer_id).update(language=language)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"


def later(clock, **delta: float) -> None:
    clock.move_to(datetime.now(tz=UTC) + timedelta(**delta))
