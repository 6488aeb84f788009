"""`/api/v1/metrics/<group>/` on the constructed data set: the same hand-worked figures as
JSON, agents limited to their own, restricted teams hidden, bad filters 400."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.reports.dataset import NOW, Dataset, build

pytestmark = pytest.mark.django_db
RANGE = "from=2026-11-16&to=2026-11-22"
H = 3600


@pytest.fixture
def ds(django_user_model: Any) -> Dataset:
    return build(django_user_model)


def get(user: Any, group: str, query: str = RANGE) -> Any:
    client = APIClient()
    client.force_authenticate(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(f"/api/v1/metrics/{group}/?{query}")


def figures(user: Any, group: str, query: str = RANGE) -> Any:
    response = get(user, group, query)
    assert response.status_code == 200, response.content
    return response.json()["figures"]


def test_the_managers_json_matches_the_hand_worked_figures(ds: Dataset) -> None:
    boss = ds.manager
    first = figures(boss, "compliance")["first_response"]
    assert (first["due"], first["met_in_time"], first["percent"]) == (4, 2, 50.0)
    overall = figures(boss, "response-times")["overall"]
    assert overall["first_response_median_seconds"] == 13 * H
    assert overall["first_response_p90_seconds"] == 190980
    assert overall["first_response_business_median_seconds"] == 6300
    assert overall["first_response_business_p90_seconds"] == 62640
    assert overall["acknowledged_median_seconds"] == 60
    assert overall["resolution_median_seconds"] == 6 * H
    assert overall["resolution_p90_seconds"] == 76320
    assert figures(boss, "backlog")["by_age"] == {
        "under_1_day": 1,
        "1_to_3_days": 2,
        "3_to_7_days": 1,
        "over_7_days": 1,
    }
    sla = figures(boss, "sla")
    assert (sla["at_risk_now"], sla["breached_tickets"]) == (1, 2)
    assert figures(boss, "volume")["per_day"] == [1, 1, 2, 0, 1, 0, 1]
    assert figures(boss, "chasing")["percent"] == 33.3
    csat = figures(boss, "satisfaction")["overall"]
    assert (csat["csat_percent"], csat["nps"]) == (66.7, 0.0)
    forecast = figures(boss, "forecast")
    assert (forecast["within_4h"], forecast["within_24h"]) == (1, 2)


def test_an_agent_sees_only_their_own_figures(ds: Dataset) -> None:
    response = get(ds.ann, "response-times")
    assert response.json()["filter"] == f"{RANGE}&agent={ds.ann.pk}"
    assert "first reply by a person" in response.json()["definition"]
    overall = response.json()["figures"]["overall"]
    # ann's tickets created in the range: t1 (2 h) and t3 (24 h) → median 13 h.
    assert (overall["tickets"], overall["first_response_median_seconds"]) == (2, 13 * H)
    first = figures(ds.ann, "compliance")["first_response"]
    assert (first["due"], first["met_in_time"], first["met_late"]) == (2, 1, 1)
    assert figures(ds.ann, "satisfaction")["overall"]["csat_percent"] == 50.0
    assert get(ds.ann, "chasing", f"{RANGE}&agent={ds.bob.pk}").status_code == 403
    assert get(ds.ann, "chasing", f"{RANGE}&agent={ds.ann.pk}").status_code == 200


def test_a_restricted_teams_tickets_stay_hidden(ds: Dataset) -> None:
    # bob is t4's assignee but not in Legal (restricted): his figures leave t4 out.
    assert figures(ds.bob, "response-times")["overall"]["tickets"] == 2  # t2, t5
    assert figures(ds.bob, "chasing")["percent"] == 100.0
    assert figures(ds.bob, "satisfaction")["overall"]["csat_answers"] == 0
    assert figures(ds.bob, "volume")["per_channel"] == {"email": [0, 0, 0, 0, 1, 0, 1]}
    ds.legal.members.add(ds.bob)
    assert figures(ds.bob, "satisfaction")["overall"]["csat_percent"] == 100.0


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-11-22&to=2026-11-16", "must not be after"),
        ("from=2025-01-01&to=2026-11-22", "at most 366 days"),
        ("channel=fax", "Unknown channel"),
        ("team=x", "not a number"),
        ("from=22-11-2026", "YYYY-MM-DD"),
    ],
)
def test_a_bad_filter_answers_400_with_the_reason(ds: Dataset, query: str, message: str) -> None:
    response = get(ds.manager, "volume", query)
    assert response.status_code == 400
    assert message in response.json()["detail"]


def test_anonymous_and_customers_get_nothing(db: Any) -> None:
    assert APIClient().get("/api/v1/metrics/backlog/").status_code in (401, 403)


def test_every_group_is_in_the_openapi_schema(ds: Dataset) -> None:
    client = APIClient()
    client.force_authenticate(ds.manager)
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    for group in (
        "compliance",
        "response-times",
        "backlog",
        "sla",
        "volume",
        "chasing",
        "satisfaction",
        "forecast",
    ):
        assert f"/api/v1/metrics/{group}/" in schema
