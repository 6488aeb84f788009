"""Managers edit the automatic texts in the admin (issue 16, item 2): per channel and
mailbox, in English, Dutch and Polish, with the placeholders named, typos and a missing
promise refused, and a preview that fills every language in for a real ticket."""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group

from channels_inbox.models import Mailbox
from tests.factories import inbound
from tickets.models import AutomaticText
from tickets.services import message_ingest, sla_policies_default

pytestmark = pytest.mark.django_db
ADD = "/admin/tickets/automatictext/add/"
NOW = datetime(2027, 1, 8, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
def manager_client(client: Any, django_user_model: Any) -> Any:
    manager = django_user_model.objects.create_user(
        username="marieke", password="pw-manager-1", is_staff=True
    )
    manager.groups.add(Group.objects.get_or_create(name="Managers")[0])
    client.force_login(manager)
    return client


def _form(**fields: str) -> dict[str, str]:
    return {
        "purpose": "acknowledgement",
        "channel": "email",
        "mailbox": "",
        "text_en": "",
        "text_nl": "",
        "text_pl": "",
        **fields,
    }


def test_a_text_is_saved_and_previewed_for_a_real_ticket(manager_client: Any) -> None:
    sla_policies_default()
    Mailbox.objects.create(name="Support", address="support@shop.example")
    with time_machine.travel(NOW, tick=False):
        ticket = message_ingest(
            data=inbound("email", value="lotte@example.nl", customer_name="Lotte Visser")
        ).ticket
    page = manager_client.get(ADD)
    assert page.status_code == 200
    assert "{answer_by}" in page.content.decode()  # the placeholders are named

    text = "Hoi {first_name}, je vraag #{ticket_number} beantwoorden we uiterlijk {answer_by}."
    response = manager_client.post(
        ADD, _form(mailbox="support@shop.example", text_nl=text, _continue="1")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = AutomaticText.objects.get()
    assert saved.mailbox == "support@shop.example"
    assert saved.text_nl == text

    # (Now, not NOW: the promise lies ahead either way, and the session stays valid.)
    preview = html.unescape(manager_client.get(response["Location"]).content.decode())
    assert f"ticket #{ticket.pk} (Lotte Visser)" in preview
    # Dutch: the manager's own; 48 h from Friday 10:00, in Dutch words.
    assert (
        f"Hoi Lotte, je vraag #{ticket.pk} beantwoorden we uiterlijk zondag 10 januari, 10:00."
        in preview
    )
    # English and Polish were left blank: the built-in wording, said to be so.
    assert "A person will answer by Sunday 10 January, 10:00." in preview
    assert "niedziela 10 stycznia, 10:00" in preview
    assert preview.count("(built-in)") == 2


def test_a_typo_and_a_text_without_the_promise_are_refused(manager_client: Any) -> None:
    typo = manager_client.post(ADD, _form(text_en="Hi {frist_name}, by {answer_by}."))
    assert typo.status_code == 200
    assert "Not a placeholder: {frist_name}" in html.unescape(typo.content.decode())
    vague = manager_client.post(ADD, _form(text_en="We will answer as soon as possible."))
    assert vague.status_code == 200
    assert "Say when a person will answer: use {answer_by}." in html.unescape(
        vague.content.decode()
    )
    mailbox_on_chat = manager_client.post(
        ADD, _form(channel="chat", mailbox="support@shop.example", text_en="{answer_by}")
    )
    assert mailbox_on_chat.status_code == 200
    assert not AutomaticText.objects.exists()


def test_agents_may_not_change_the_texts(client: Any, agent: Any) -> None:
    agent.is_staff = True
    agent.save()
    client.force_login(agent)
    assert client.post(ADD, _form(text_en="By {answer_by}.")).status_code == 403
    assert not AutomaticText.objects.exists()
