"""Phone numbers, social accounts and chat widgets route new tickets to a team, the way a
mailbox does: a signed Twilio voice callback to one of our configured numbers, a Meta
webhook for an account with a team, a chat in a widget with a team."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client

from channels_inbox.models import ChatWidget, PhoneNumber, SocialAccount
from tests.channels_inbox.meta_helpers import PAGE_ID, SAMPLE_TIME, WA_NUMBER_ID, sample, sign
from tests.channels_inbox.test_twilio_voice import FORM, TOKEN, URL, _body, _sign
from tickets.models import Team, Ticket

OUR_NUMBER = "+31201234567"  # the To of the fixtures' inbound calls


@pytest.fixture
def team(db: Any) -> Team:
    return Team.objects.create(name="Phone desk")


@pytest.fixture
def call(settings, django_capture_on_commit_callbacks):
    """POST a signed Twilio voice callback and run what it enqueued, as the worker would."""
    settings.TWILIO_AUTH_TOKEN = TOKEN

    def post(name: str, **changes: str) -> Ticket:
        body = _body(name, **changes)
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(
                URL, body, content_type=FORM, HTTP_X_TWILIO_SIGNATURE=_sign(body)
            )
        assert response.status_code == 200, response.content
        return Ticket.objects.get()

    return post


@pytest.mark.django_db
def test_a_call_to_a_configured_number_gets_its_team(call, team) -> None:
    PhoneNumber.objects.create(number=OUR_NUMBER, label="Support line", team=team)

    ticket = call("inbound_no_answer")

    assert ticket.team == team
    assert ticket.channel == "phone"


@pytest.mark.django_db
def test_an_answered_call_to_a_configured_number_gets_its_team(call, team) -> None:
    PhoneNumber.objects.create(number=OUR_NUMBER, label="Support line", team=team)
    assert call("inbound_completed").team == team


@pytest.mark.django_db
@pytest.mark.parametrize(
    "configured",
    [
        {"number": "+31209999999", "active": True},  # another of our numbers
        {"number": OUR_NUMBER, "active": False},  # switched off
    ],
    ids=["other-number", "inactive"],
)
def test_a_call_to_an_unconfigured_or_inactive_number_has_no_team(call, team, configured) -> None:
    PhoneNumber.objects.create(label="Line", team=team, **configured)
    assert call("inbound_no_answer").team is None


@pytest.mark.django_db
def test_a_configured_number_does_not_move_an_existing_ticket(call, team) -> None:
    """Routing names the team of a new ticket only; a call that joins an open ticket leaves
    its team alone (as a mailbox does)."""
    other = Team.objects.create(name="Returns")
    first = call("inbound_no_answer")
    first.team = other
    first.save(update_fields=["team"])
    PhoneNumber.objects.create(number=OUR_NUMBER, label="Support line", team=team)

    again = call("inbound_completed", CallSid="CA00000000000000000000000000000002")

    assert again.pk == first.pk
    assert again.team == other


@pytest.mark.django_db
def test_the_number_is_stored_in_e164_from_the_admin(admin_client, team) -> None:
    assert admin_client.get("/admin/channels_inbox/phonenumber/").status_code == 200
    response = admin_client.post(
        "/admin/channels_inbox/phonenumber/add/",
        {"number": "+31 20 123 4567", "label": "Support line", "team": team.pk, "active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert PhoneNumber.objects.get().number == OUR_NUMBER

    refused = admin_client.post(
        "/admin/channels_inbox/phonenumber/add/",
        {"number": "not a number", "label": "Broken", "active": "on"},
    )
    assert refused.status_code == 200
    assert PhoneNumber.objects.count() == 1


# --- social and chat: the account's or widget's team ------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("platform", "external_id", "fixture"),
    [
        ("facebook", PAGE_ID, "messenger_text.json"),
        ("whatsapp", WA_NUMBER_ID, "whatsapp_text.json"),
    ],
)
def test_a_meta_message_gets_the_social_accounts_team(
    settings, team, django_capture_on_commit_callbacks, platform, external_id, fixture
) -> None:
    from tests.channels_inbox.meta_helpers import APP_SECRET, GRAPH

    settings.META_APP_SECRET = APP_SECRET
    settings.META_GRAPH_URL = GRAPH
    SocialAccount.objects.create(
        platform=platform, external_id=external_id, name="Shop", access_token="t", team=team
    )
    body = sample(fixture)
    with (
        time_machine.travel(SAMPLE_TIME, tick=True),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = Client().post(
            "/webhooks/meta/",
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body),
        )
    assert response.status_code == 200, response.content
    ticket = Ticket.objects.get()
    assert (ticket.channel, ticket.team) == (platform, team)


@pytest.fixture
def chat_widget(transactional_db: Any) -> ChatWidget:
    from tests.channels_inbox.test_chat_ws import SHOP

    cache.clear()  # presence and rate-limit counters live in our Redis db
    team = Team.objects.create(name="Chat desk")
    return ChatWidget.objects.create(
        name="Shop", key="shop", allowed_origins=[SHOP], team=team, prechat_form=False
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_chat_gets_the_widgets_team(chat_widget: ChatWidget) -> None:
    from asgiref.sync import sync_to_async

    from tests.channels_inbox.test_chat_ws import say, start, visitor

    socket = visitor()
    await start(socket, language="en")
    await say(socket, "c1", "Is my order on its way?")
    ticket = await sync_to_async(Ticket.objects.get)()
    await socket.disconnect()

    assert (ticket.channel, ticket.team_id) == ("chat", chat_widget.team_id)
