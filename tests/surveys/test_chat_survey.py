"""The survey of a chat ticket is a rating prompt inside the widget: buttons under the
question, answered over the websocket, recorded without reopening the ticket; a visitor who
left an email gets the same question with the rating links by email."""

from __future__ import annotations

import re
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.cache import cache

from channels_inbox.models import ChatWidget
from surveys.models import Survey, SurveyAnswer
from surveys.services import survey_settings_update
from surveys.tasks import schedule_sweep, send_sweep
from tests.channels_inbox.test_chat_ws import SHOP, say, start, until, visitor
from tickets.models import Ticket
from tickets.services import ticket_set_status

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _setup(transactional_db: Any) -> None:
    cache.clear()
    ChatWidget.objects.create(name="Shop", key="shop", allowed_origins=[SHOP])
    # Ask at once after solving (the default waits an hour).
    survey_settings_update(channels=[{"channel": "chat", "enabled": True, "delay_minutes": 0}])


def _solve_and_sweep(ticket_id: int, agent: Any) -> None:
    ticket_set_status(ticket=Ticket.objects.get(pk=ticket_id), status="solved", by=agent)
    schedule_sweep.delay()
    send_sweep.delay()


async def test_rating_buttons_in_the_widget_record_the_answer(agent: Any) -> None:
    widget_socket = visitor()
    await start(widget_socket, language="en")
    ack = await say(widget_socket, "c-1", "Can I change my delivery address?")
    ticket = await sync_to_async(Ticket.objects.get)(messages__pk=ack["message"])

    await sync_to_async(_solve_and_sweep)(ticket.pk, agent)
    prompt = await until(widget_socket, {"type": "message"})
    replies = prompt["message"]["quick_replies"]
    assert [r["title"][0] for r in replies] == ["5", "4", "3", "2", "1"]
    survey = await sync_to_async(Survey.objects.get)(ticket=ticket)
    assert survey.state == "sent"

    four = next(r for r in replies if r["title"].startswith("4"))
    await widget_socket.send_json_to({"type": "answer", "payload": four["payload"]})
    answered = await until(widget_socket, {"type": "answered"})
    assert answered["recorded"] is True
    answer = await sync_to_async(SurveyAnswer.objects.get)(survey=survey)
    assert (answer.rating, answer.channel) == (4, "chat")
    thanks = await until(widget_socket, {"type": "message"})
    assert "/survey/" in thanks["message"]["text"]  # where to add a comment
    await sync_to_async(ticket.refresh_from_db)()
    assert ticket.status == "solved"  # an answer is not a new contact
    # A forged or repeated payload records nothing new.
    await widget_socket.send_json_to({"type": "answer", "payload": "csat:forged:5"})
    assert (await until(widget_socket, {"type": "answered"}))["recorded"] is False
    assert await sync_to_async(SurveyAnswer.objects.count)() == 1
    await widget_socket.disconnect()


async def test_a_visitor_who_left_gets_the_rating_links_by_email(agent: Any) -> None:
    widget_socket = visitor()
    await start(widget_socket, language="nl", name="Noor", email="noor@example.nl")
    ack = await say(widget_socket, "c-1", "Is de tent waterdicht?")
    await widget_socket.disconnect()
    ticket = await sync_to_async(Ticket.objects.get)(messages__pk=ack["message"])
    mail.outbox.clear()

    await sync_to_async(_solve_and_sweep)(ticket.pk, agent)
    [sent] = mail.outbox
    assert sent.to == ["noor@example.nl"]
    links = re.findall(r"https?://\S+/survey/r/\S+/(\d)/", sent.body)
    assert sorted(links) == ["1", "2", "3", "4", "5"]
