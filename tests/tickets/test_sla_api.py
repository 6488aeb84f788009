"""Managers edit SLA policies and business calendars through the API (agents only read);
a change re-times open tickets; each agent reads and clears their own notifications."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import inbound
from tickets.models import EventKind, Notification, NotificationKind, SlaPolicy
from tickets.services import message_ingest, sla_policies_default

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def _policies() -> None:
    sla_policies_default()


@pytest.fixture
def manager_api(django_user_model):
    manager = django_user_model.objects.create_user(username="marieke", password="pw-m-1")
    manager.groups.add(Group.objects.get_or_create(name="Managers")[0])
    client = APIClient()
    client.force_authenticate(manager)
    return client


def test_agents_read_policies_but_cannot_change_them(api) -> None:
    listed = api.get("/api/v1/sla/policies/").json()
    assert {p["name"] for p in listed} == {"Standard", "Social"}
    standard = next(p for p in listed if p["name"] == "Standard")
    assert standard["first_response_minutes"] == 48 * 60
    refused = api.patch(
        f"/api/v1/sla/policies/{standard['id']}/", {"first_response_minutes": 60}, format="json"
    )
    assert refused.status_code == 403
    assert SlaPolicy.objects.get(pk=standard["id"]).first_response_minutes == 48 * 60


def test_manager_puts_a_policy_on_office_hours_and_open_tickets_are_retimed(
    manager_api, api
) -> None:
    with time_machine.travel(T0, tick=False):
        ticket = message_ingest(data=inbound("email", value="lisa@example.nl")).ticket
    calendar = manager_api.post(
        "/api/v1/sla/calendars/",
        {
            "name": "Kantoor",
            "time_zone": "Europe/Amsterdam",
            "weekly_hours": {str(d): [["09:00", "17:00"]] for d in range(5)},
            "holidays": [{"date": "2026-12-25", "name": "Eerste Kerstdag"}],
        },
        format="json",
    )
    assert calendar.status_code == 201, calendar.content
    standard = SlaPolicy.objects.get(name="Standard")
    with time_machine.travel(T0 + timedelta(minutes=5), tick=False):
        changed = manager_api.patch(
            f"/api/v1/sla/policies/{standard.pk}/",
            {"calendar": calendar.json()["id"], "first_response_minutes": 16 * 60},
            format="json",
        )
    assert changed.status_code == 200, changed.content
    assert changed.json()["version"] == 2
    clock = api.get(f"/api/v1/tickets/{ticket.pk}/").json()["sla"][0]
    # Monday 10:00 Amsterdam + 16 office hours: Monday 7, Tuesday 8, Wednesday 10:00.
    assert datetime.fromisoformat(clock["due_at"]) == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert clock["policy_version"] == 2
    assert ticket.events.filter(kind=EventKind.SLA, text__contains="re-timed").exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"weekly_hours": {"0": [["17:00", "09:00"]]}}, "weekly_hours"),
        ({"weekly_hours": {"9": [["09:00", "17:00"]]}}, "weekly_hours"),
    ],
)
def test_bad_calendars_are_refused_with_the_reason(manager_api, payload, field) -> None:
    body = {"name": "X", "time_zone": "Europe/Warsaw", "weekly_hours": {}, **payload}
    response = manager_api.post("/api/v1/sla/calendars/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_bad_policies_are_refused(manager_api) -> None:
    response = manager_api.post(
        "/api/v1/sla/policies/",
        {"name": "VIP", "channels": ["pigeon"], "first_response_minutes": 0},
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"channels", "first_response_minutes"}


def test_priority_specific_policy_wins_by_position(manager_api, api) -> None:
    created = manager_api.post(
        "/api/v1/sla/policies/",
        {
            "name": "Urgent email",
            "channels": ["email"],
            "priorities": ["urgent"],
            "first_response_minutes": 120,
            "next_response_minutes": 120,
            "position": 10,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["priorities"] == ["urgent"]
    normal = message_ingest(data=inbound("email", value="a@example.com")).ticket
    assert api.get(f"/api/v1/tickets/{normal.pk}/").json()["sla"][0]["policy"] == "Standard"


def test_notifications_are_per_user_and_can_be_marked_read(api, agent, django_user_model) -> None:
    other = django_user_model.objects.create_user(username="other")
    mine = Notification.objects.create(user=agent, kind=NotificationKind.SLA_AT_RISK, text="a")
    Notification.objects.create(user=other, kind=NotificationKind.SLA_AT_RISK, text="b")
    listed = api.get("/api/v1/notifications/?unread=true").json()["results"]
    assert [n["id"] for n in listed] == [mine.pk]
    read = api.post(f"/api/v1/notifications/{mine.pk}/read/")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    assert api.get("/api/v1/notifications/?unread=true").json()["results"] == []
    foreign = Notification.objects.get(user=other)
    assert api.post(f"/api/v1/notifications/{foreign.pk}/read/").status_code == 404
