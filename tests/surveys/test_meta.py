"""Surveys on Messenger and WhatsApp: the outbound message carries the rating buttons (a faked
Graph API), and the customer's pressed button, arriving as Meta's signed webhook, records the
answer without touching the ticket."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import time_machine
from django.test import Client

from channels_inbox.models import SocialAccount
from surveys.models import Delivery, SurveyAnswer, SurveyState
from surveys.tasks import schedule_sweep, send_sweep
from tests.surveys.conftest import survey_of
from tickets.models import Direction, Message, Team, Ticket
from tickets.services import ticket_assign, ticket_set_status, ticket_set_team

CHANNEL_FIXTURES = Path(__file__).parents[1] / "channels_inbox" / "fixtures" / "meta"
FIXTURES = Path(__file__).parent / "fixtures" / "meta"
APP_SECRET = "meta-app-secret-surveys"
GRAPH = "https://graph.meta.test/v21.0"
PAGE_ID = "106123456789012"
PSID = "6021786424563207"
WA_NUMBER_ID = "106540352242922"
# The samples' customer wrote at 2026-06-16 08:00 UTC; the agent solves half a minute later.
SAMPLE_TIME = datetime(2026, 6, 16, 8, 0, 30, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _meta(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.META_GRAPH_URL = GRAPH


@pytest.fixture
def clock():
    with time_machine.travel(SAMPLE_TIME, tick=False) as traveller:
        yield traveller


@pytest.fixture
def accounts(lead):
    team = Team.objects.create(name="Social", lead=lead)
    for platform, external_id in (("facebook", PAGE_ID), ("whatsapp", WA_NUMBER_ID)):
        SocialAccount.objects.create(
            platform=platform,
            external_id=external_id,
            name=f"Shop on {platform}",
            access_token=f"token-{platform}",
            team=team,
        )
    return team


@pytest.fixture
def graph():
    with respx.mock(base_url=GRAPH, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    def send(body: bytes):
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                "/webhooks/meta/",
                body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=signature,
            )

    return send


@pytest.fixture
def beat(django_capture_on_commit_callbacks):
    """Both sweeps, and what they enqueue after commit (the outbox send), inline."""

    def run() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            schedule_sweep.delay()
            send_sweep.delay()

    return run


def answer_body(fixture: str, payload: str) -> bytes:
    return (FIXTURES / fixture).read_text().replace("__PAYLOAD__", payload).encode()


def solve_only_ticket(agent: Any, team: Team) -> Ticket:
    ticket = Ticket.objects.get()
    ticket_assign(ticket=ticket, agent=agent, by=agent)
    ticket_set_team(ticket=ticket, team=team, by=agent)
    return ticket_set_status(ticket=ticket, status="solved", by=agent)


def test_messenger_survey_buttons_and_the_answer_coming_back(
    clock, accounts, graph, post, beat, agent, lead
) -> None:
    ids = itertools.count(1)
    route = graph.post(f"/{PAGE_ID}/messages")
    route.side_effect = lambda request: httpx.Response(
        200, json={"recipient_id": PSID, "message_id": f"m_survey_{next(ids)}"}
    )
    assert post((CHANNEL_FIXTURES / "messenger_text.json").read_bytes()).status_code == 200
    ticket = solve_only_ticket(agent, accounts)
    beat()
    # 24 h after solving would be outside Meta's 24-hour window: it goes an hour before.
    survey = survey_of(ticket)
    assert survey.send_at == datetime(2026, 6, 17, 7, 0, 0, 348000, tzinfo=UTC)
    clock.move_to(survey.send_at - timedelta(seconds=1))
    beat()
    assert route.call_count == 0
    clock.move_to(survey.send_at)
    beat()
    assert route.call_count == 1
    body = json.loads(route.calls.last.request.content)
    assert body["recipient"] == {"id": PSID}
    assert body["messaging_type"] == "RESPONSE"
    replies = body["message"]["quick_replies"]
    assert [r["title"][0] for r in replies] == ["5", "4", "3", "2", "1"]
    assert all(r["content_type"] == "text" and len(r["title"]) <= 20 for r in replies)
    assert all(r["payload"].startswith("csat:") for r in replies)
    survey = survey_of(ticket)
    assert (survey.state, survey.delivery) == (SurveyState.SENT, Delivery.BUTTONS)
    sent = Message.objects.get(pk=survey.message_id)
    assert (sent.is_automatic, sent.author_user_id, sent.delivery_state) == (True, None, "sent")

    inbound_before = ticket.messages.filter(direction=Direction.INBOUND).count()
    two_stars = next(r["payload"] for r in replies if r["payload"].endswith(":2"))
    assert post(answer_body("messenger_survey_quick_reply.json", two_stars)).status_code == 200
    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.via, answer.channel) == (2, "facebook", "facebook")
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert ticket.messages.filter(direction=Direction.INBOUND).count() == inbound_before
    assert Ticket.objects.count() == 1
    # The low rating opened a recovery, and the customer was thanked with the comment link.
    assert ticket.messages.filter(direction=Direction.NOTE).count() == 1
    assert lead.helpdesk_notifications.filter(kind="csat_low").count() == 1
    assert route.call_count == 2
    thanks = json.loads(route.calls.last.request.content)["message"]["text"]
    assert "/survey/t/" in thanks

    # Meta redelivers the webhook: still one answer, no second thank-you.
    post(answer_body("messenger_survey_quick_reply.json", two_stars).replace(b"m_qr", b"m_qr2"))
    assert SurveyAnswer.objects.count() == 1
    assert route.call_count == 2


def test_a_survey_payload_from_someone_else_is_not_an_answer(
    clock, accounts, graph, post, beat, agent
) -> None:
    route = graph.post(f"/{PAGE_ID}/messages").respond(200, json={"message_id": "m_s"})
    post((CHANNEL_FIXTURES / "messenger_text.json").read_bytes())
    ticket = solve_only_ticket(agent, accounts)
    beat()
    clock.move_to(survey_of(ticket).send_at)
    beat()
    payload = json.loads(route.calls.last.request.content)["message"]["quick_replies"][0]["payload"]
    forged = answer_body("messenger_survey_quick_reply.json", payload).replace(
        PSID.encode(), b"9999999999999999"
    )
    assert post(forged).status_code == 200
    assert SurveyAnswer.objects.count() == 0


def test_whatsapp_survey_is_a_list_and_the_reply_records_the_answer(
    clock, accounts, graph, post, beat, agent
) -> None:
    ids = itertools.count(1)
    route = graph.post(f"/{WA_NUMBER_ID}/messages")
    route.side_effect = lambda request: httpx.Response(
        200, json={"messages": [{"id": f"wamid.survey{next(ids)}"}]}
    )
    assert post((CHANNEL_FIXTURES / "whatsapp_text.json").read_bytes()).status_code == 200
    ticket = solve_only_ticket(agent, accounts)
    ticket.customer.language = "nl"
    ticket.customer.save(update_fields=["language"])
    beat()
    clock.move_to(survey_of(ticket).send_at)
    beat()
    assert route.call_count == 1
    body = json.loads(route.calls.last.request.content)
    assert body["to"] == "31612345678"
    assert body["type"] == "interactive"
    interactive = body["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Beoordelen"
    rows = interactive["action"]["sections"][0]["rows"]
    assert len(rows) == 5
    assert all(len(row["id"]) <= 200 and len(row["title"]) <= 24 for row in rows)
    assert rows[0]["description"] == "Zeer tevreden"
    assert "tevreden" in interactive["body"]["text"]

    assert post(answer_body("whatsapp_survey_list_reply.json", rows[0]["id"])).status_code == 200
    answer = SurveyAnswer.objects.get()
    assert (answer.rating, answer.channel) == (5, "whatsapp")
    ticket.refresh_from_db()
    assert ticket.status == "solved"
    assert not ticket.messages.filter(direction=Direction.NOTE).exists()
    # Thanked in Dutch on WhatsApp, with the link for a comment and the NPS question.
    thanks = json.loads(route.calls.last.request.content)["text"]["body"]
    assert thanks.startswith("Bedankt voor uw feedback!")
    assert "/survey/t/" in thanks
