"""One test per 5xx that the schema fuzzing (`test_api_fuzz.py`) found in the REST API, each
replaying the request it found as a plain API call and asserting the 4xx it should get."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import inbound
from tickets.models import Message, SlaPolicy
from tickets.services import message_ingest, sla_policies_default

pytestmark = pytest.mark.django_db


def test_moving_a_message_with_a_non_numeric_id_is_not_found(api: Any) -> None:
    """`POST /tickets/1/messages/null/move/` was a 500 (ValueError from `pk="null"`)."""
    message = message_ingest(data=inbound("email")).message
    response = api.post(
        f"/api/v1/tickets/{message.ticket_id}/messages/null/move/", {}, format="json"
    )
    assert response.status_code == 404
    assert Message.objects.get().ticket_id == message.ticket_id


def test_reading_a_notification_with_a_non_numeric_id_is_not_found(api: Any) -> None:
    """`POST /notifications/<non-digits>/read/` was a 500 (`int(pk)` in the view)."""
    assert api.post("/api/v1/notifications/\U000b6897V/read/").status_code == 404
    assert api.post("/api/v1/notifications/abc/read/").status_code == 404


@pytest.fixture
def manager_api(django_user_model: Any) -> APIClient:
    manager = django_user_model.objects.create_user(username="marieke", password="pw-m-1")
    manager.groups.add(Group.objects.get_or_create(name="Managers")[0])
    client = APIClient()
    client.force_authenticate(manager)
    return client


@pytest.mark.parametrize(
    "field", ["first_response_minutes", "next_response_minutes", "resolution_minutes"]
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_sla_minutes_beyond_the_column_are_refused(
    manager_api: APIClient, field: str, method: str
) -> None:
    """A PUT with `next_response_minutes: 172383137479` was a 500 (integer out of range)."""
    sla_policies_default()
    policy = SlaPolicy.objects.get(name="Standard")
    body = {"name": "Standard", "channels": ["email"], field: 172_383_137_479}
    response = getattr(manager_api, method)(
        f"/api/v1/sla/policies/{policy.pk}/", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert SlaPolicy.objects.get(pk=policy.pk).version == policy.version


def test_new_sla_policy_with_minutes_beyond_the_column_is_refused(manager_api: APIClient) -> None:
    response = manager_api.post(
        "/api/v1/sla/policies/",
        {"name": "Huge", "channels": ["email"], "first_response_minutes": 2**31},
        format="json",
    )
    assert response.status_code == 400
    assert "first_response_minutes" in response.json()
    assert not SlaPolicy.objects.filter(name="Huge").exists()


def test_sla_minutes_of_a_year_are_still_taken(manager_api: APIClient) -> None:
    response = manager_api.post(
        "/api/v1/sla/policies/",
        {"name": "Slow", "channels": ["email"], "resolution_minutes": 365 * 24 * 60},
        format="json",
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("method", ["post", "put"])
def test_a_holiday_date_given_twice_is_refused(manager_api: APIClient, method: str) -> None:
    """A PUT to `/sla/calendars/{id}/` with one date twice in `holidays` was a 500
    (IntegrityError on `holiday_unique_per_day`)."""
    body = {
        "name": "NL",
        "time_zone": "Europe/Amsterdam",
        "weekly_hours": {"0": [["09:00", "17:00"]]},
        "holidays": [{"date": "2096-10-08"}, {"date": "2096-10-08", "name": "again"}],
    }
    url = "/api/v1/sla/calendars/"
    if method == "put":
        created = manager_api.post(url, {**body, "holidays": []}, format="json")
        assert created.status_code == 201, created.content
        url += f"{created.json()['id']}/"
    response = getattr(manager_api, method)(url, body, format="json")
    assert response.status_code == 400, response.content
    assert "2096-10-08" in str(response.json()["holidays"])


def test_a_holiday_without_a_date_in_a_patch_is_refused(manager_api: APIClient) -> None:
    """A PATCH validates nested items partially: `holidays: [{"name": "x"}]` reached the
    duplicate check without a date and was a 500 (KeyError; found by the fuzzer)."""
    created = manager_api.post(
        "/api/v1/sla/calendars/",
        {"name": "NL", "time_zone": "Europe/Amsterdam", "weekly_hours": {}, "holidays": []},
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/sla/calendars/{created.json()['id']}/"
    response = manager_api.patch(url, {"holidays": [{"name": "x"}]}, format="json")
    assert response.status_code == 400, response.content
    assert "each holiday needs a date" in str(response.json()["holidays"])


@pytest.mark.parametrize("path", ["/api/v1/tickets/{id}/calls/", "/api/v1/calls/"])
def test_a_call_longer_than_the_column_is_refused(api: Any, path: str) -> None:
    """`duration_seconds=873330847700862464` on a logged call was a 500 (integer out of
    range in PostgreSQL); a call lasts at most a day."""
    ticket = message_ingest(data=inbound("phone", value="+31612345678")).ticket
    before = Message.objects.count()
    data = {"direction": "outbound", "answered": True, "duration_seconds": 873330847700862464}
    if "{id}" not in path:
        data["phone"] = "+31612345678"
    response = api.post(path.format(id=ticket.pk), data, format="json")
    assert response.status_code == 400
    assert "duration_seconds" in response.json()
    assert Message.objects.count() == before
