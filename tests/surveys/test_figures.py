"""CSAT % and NPS: the service's figures against figures worked out by hand; the stats API
with its filters; the settings API (managers write)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from customers.models import Customer
from surveys.models import NpsAnswer, Survey, SurveyAnswer, SurveyState
from surveys.selectors import csat_percent, nps_score
from tickets.models import Team, Ticket

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 5, 4, 12, 0, tzinfo=UTC)


def test_csat_percent_by_hand() -> None:
    # 10 ratings: 4 and 5 count as satisfied -> 5, 4, 4, 5, 5, 4 = 6 of 10 = 60 %.
    assert csat_percent([5, 4, 3, 1, 4, 2, 5, 5, 3, 4]) == pytest.approx(60.0)
    # 2 of 3 -> 66.67 %.
    assert csat_percent([5, 1, 4]) == pytest.approx(200 / 3)
    assert csat_percent([]) is None


def test_nps_by_hand() -> None:
    # 10 scores: promoters 9, 10, 10, 9 (4 = 40 %); detractors 0, 6, 3 (3 = 30 %);
    # passives 7, 8, 8. NPS = 40 - 30 = 10.
    assert nps_score([9, 10, 0, 6, 7, 8, 10, 3, 8, 9]) == pytest.approx(10.0)
    assert nps_score([10, 10]) == 100.0
    assert nps_score([0, 5, 6]) == -100.0
    # 1 promoter, 2 detractors of 7: (1 - 2) / 7 = -14.29.
    assert nps_score([9, 0, 1, 7, 7, 8, 8]) == pytest.approx(-100 / 7)
    assert nps_score([]) is None


def _answered(*, customer, channel, rating, agent, team, when, nps=None):
    ticket = Ticket.objects.create(
        customer=customer, channel=channel, status="solved", assignee=agent, team=team
    )
    survey = Survey.objects.create(
        ticket=ticket,
        customer=customer,
        channel=channel,
        state=SurveyState.ANSWERED,
        solved_at=when,
        send_at=when,
        sent_at=when,
        agent=agent,
        team=team,
    )
    SurveyAnswer.objects.create(
        survey=survey,
        ticket=ticket,
        customer=customer,
        rating=rating,
        agent=agent,
        team=team,
        channel=channel,
        answered_at=when,
        updated_at=when,
        final_at=when,
    )
    if nps is not None:
        NpsAnswer.objects.create(
            customer=customer, survey=survey, score=nps, channel=channel, answered_at=when
        )


def test_stats_api_matches_hand_figures(
    api, agent, django_user_model, django_assert_num_queries
) -> None:
    other = django_user_model.objects.create_user(username="agent2", first_name="Bo")
    other.groups.add(Group.objects.get_or_create(name="Agents")[0])
    team = Team.objects.create(name="Billing")
    customer = Customer.objects.create(name="Eva")
    rows = [
        # channel, rating, agent, nps
        ("email", 5, agent, 10),
        ("email", 4, agent, 9),
        ("email", 2, other, 3),
        ("email", 3, other, None),
        ("whatsapp", 5, agent, 8),
        ("whatsapp", 1, other, 0),
    ]
    for channel, rating, who, nps in rows:
        _answered(
            customer=customer,
            channel=channel,
            rating=rating,
            agent=who,
            team=team,
            when=DAY,
            nps=nps,
        )
    # Outside the range: ignored.
    _answered(
        customer=customer,
        channel="email",
        rating=1,
        agent=agent,
        team=team,
        when=DAY - timedelta(days=40),
        nps=0,
    )

    with django_assert_num_queries(7):
        response = api.get("/api/v1/surveys/stats/?from=2026-05-01&to=2026-05-31")
    assert response.status_code == 200
    stats = response.json()
    # By hand: 6 answers, satisfied 5, 4, 5 -> 3/6 = 50 %. Low (1-2): 2.
    assert stats["answered"] == 6
    assert stats["surveys_sent"] == 6
    assert stats["response_rate_percent"] == 100.0
    assert stats["csat"] == {"answers": 6, "satisfied": 3, "low": 2, "csat_percent": 50.0}
    # NPS by hand: scores 10, 9, 3, 8, 0 -> promoters 2 (40 %), detractors 2 (40 %) -> 0.
    assert stats["nps"] == {"answers": 5, "promoters": 2, "detractors": 2, "nps": 0.0}
    channels = {row["channel"]: row for row in stats["per_channel"]}
    # email: 5, 4, 2, 3 -> 2/4 = 50 %; NPS 10, 9, 3 -> (2 - 1) / 3 = 33.3.
    assert channels["email"]["csat_percent"] == 50.0
    assert channels["email"]["nps"]["nps"] == 33.3
    # whatsapp: 5, 1 -> 50 %; NPS 8, 0 -> (0 - 1) / 2 = -50.
    assert channels["whatsapp"]["csat_percent"] == 50.0
    assert channels["whatsapp"]["nps"]["nps"] == -50.0
    agents = {row["agent"]: row for row in stats["per_agent"]}
    # agent: 5, 4, 5 -> 100 %; other: 2, 3, 1 -> 0 %.
    assert agents[agent.pk]["csat_percent"] == 100.0
    assert agents[other.pk]["csat_percent"] == 0.0
    assert agents[other.pk]["agent_name"] == "Bo"

    only_other = api.get(f"/api/v1/surveys/stats/?from=2026-05-01&agent={other.pk}").json()
    assert only_other["csat"]["answers"] == 3
    assert only_other["nps"]["answers"] == 2
    whatsapp = api.get("/api/v1/surveys/stats/?from=2026-05-01&channel=whatsapp").json()
    assert whatsapp["csat"]["csat_percent"] == 50.0
    everything = api.get(f"/api/v1/surveys/stats/?team={team.pk}").json()
    assert everything["answered"] == 7
    assert api.get("/api/v1/surveys/stats/?channel=pigeon").status_code == 400
    assert api.get("/api/v1/surveys/stats/?from=yesterday").status_code == 400


def test_settings_api_agents_read_managers_write(api, manager) -> None:
    data = api.get("/api/v1/surveys/settings/").json()
    assert data["throttle_days"] == 7
    assert data["nps_interval_days"] == 90
    delays = {row["channel"]: row["delay_minutes"] for row in data["channels"]}
    assert delays["chat"] == 60
    assert delays["email"] == 24 * 60
    assert api.patch("/api/v1/surveys/settings/", {"throttle_days": 1}).status_code == 403

    response = manager.patch(
        "/api/v1/surveys/settings/",
        {
            "throttle_days": 14,
            "channels": [{"channel": "whatsapp", "delay_minutes": 30}],
            "wordings": [{"language": "nl", "question": "Hoe deden we het?"}],
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["throttle_days"] == 14
    assert {r["channel"]: r["delay_minutes"] for r in data["channels"]}["whatsapp"] == 30
    assert data["wordings"] == [
        {
            "language": "nl",
            "question": "Hoe deden we het?",
            "intro": "",
            "thanks": "",
            "nps_question": "",
        }
    ]
    bad = manager.patch(
        "/api/v1/surveys/settings/", {"channels": [{"channel": "fax"}]}, format="json"
    )
    assert bad.status_code == 400
