"""The customer's language recorded from what each channel tells (issue 10, item 9), through
the channels' own interfaces: a Postmark inbound webhook, a signed Meta WhatsApp webhook,
the chat widget's websocket; and the automatic acknowledgement written in that language."""

from __future__ import annotations

import base64
import copy
import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.cache import cache
from django.test import Client

from channels_inbox.models import ChatWidget, Mailbox, SocialAccount
from customers.models import Customer, Identity
from tests.channels_inbox.meta_helpers import APP_SECRET, GRAPH, WA_NUMBER_ID, sign
from tests.channels_inbox.test_chat_ws import SHOP, say, start, visitor
from tickets.models import Direction, Message, Ticket
from tickets.promise import promise_text

FIXTURES = Path(__file__).parent / "fixtures"
# The Postmark sample's Date is Fri, 20 Nov 2026 10:12:41 +0100; it arrives minutes later.
SAMPLE_RECEIVED = datetime(2026, 11, 20, 10, 20, tzinfo=ZoneInfo("Europe/Amsterdam"))
SECRET = "anymail:hook-secret-9"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}

DUTCH_MAIL = (
    "Goedemorgen,\n\nIk heb vorige week een tent besteld, maar de rits van de ingang is al "
    "kapot. Kan ik hem omruilen of krijg ik mijn geld terug?\n\nMet vriendelijke groet,\nSanne"
)
DUTCH_AGAIN = "Hallo, ik heb nog steeds geen antwoord gekregen op mijn vraag over de kapotte rits."
ENGLISH_LONG = (
    "Hello, I wrote earlier about my parcel. It arrived today but the box was crushed and the "
    "lamp inside is broken. Could you send a replacement please?"
)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.META_APP_SECRET = APP_SECRET
    settings.META_GRAPH_URL = GRAPH
    # Our own Redis db: chat presence and rate-limit counters must not leak between tests.
    cache.clear()


def postmark_payload(
    *, sender: str, text: str, message_id: str, headers: dict[str, str] | None = None
) -> bytes:
    """Postmark's published inbound sample, with our sender, text and extra headers."""
    payload: dict[str, Any] = json.loads((FIXTURES / "postmark" / "inbound.json").read_text())
    payload.update(
        From=sender,
        FromName="",
        FromFull={"Email": sender, "Name": "", "MailboxHash": ""},
        Subject="Kapotte rits",
        MessageID=message_id,
        TextBody=text,
        HtmlBody="",
        Attachments=[],
    )
    payload["Headers"] = [
        *[h for h in payload["Headers"] if h["Name"] != "Message-ID"],
        {"Name": "Message-ID", "Value": f"<{message_id}@mail.example>"},
        *({"Name": name, "Value": value} for name, value in (headers or {}).items()),
    ]
    return json.dumps(payload).encode()


@pytest.fixture
def mail_in(django_capture_on_commit_callbacks):
    def post(body: bytes) -> None:
        # Minutes after the sample's Date, so the promise (48 h from it) is still ahead.
        with (
            time_machine.travel(SAMPLE_RECEIVED, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = Client().post(
                "/anymail/postmark/inbound/", body, content_type="application/json", **AUTH
            )
        assert response.status_code == 200

    return post


@pytest.fixture
def acknowledging_mailbox(db) -> Mailbox:
    from tickets.services import sla_policies_default

    # The promise comes from the default policies (a transactional test may have emptied them).
    sla_policies_default()
    # The fixture's To: is support@helpdesk.example. The default text: translated.
    return Mailbox.objects.create(
        name="Support", address="support@helpdesk.example", auto_acknowledge=True
    )


def customer_of(address: str) -> Customer:
    return Identity.objects.select_related("customer").get(kind="email", value=address).customer


# --- email ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_dutch_mail_makes_the_customer_dutch_and_the_acknowledgement_is_dutch(
    mail_in, acknowledging_mailbox, api
) -> None:
    mail_in(postmark_payload(sender="sanne@example.nl", text=DUTCH_MAIL, message_id="nl-1"))
    customer = customer_of("sanne@example.nl")
    assert (customer.language, customer.language_source) == ("nl", "text")
    shown = api.get(f"/api/v1/customers/{customer.pk}/").json()
    assert (shown["language"], shown["language_source"]) == ("nl", "text")

    ticket = Ticket.objects.get()
    ack = Message.objects.get(direction=Direction.OUTBOUND, is_automatic=True)
    # The promise acknowledgement in her language (issue 16), the date in Dutch words.
    with time_machine.travel(SAMPLE_RECEIVED, tick=False):
        expected = promise_text(ticket, purpose="acknowledgement", channel="email")
    assert ack.body_text == expected
    assert f"#{ticket.pk}" in expected
    # 48 h from the mail's Date (Friday 20 November 10:12), in Dutch words.
    assert "zondag 22 november, 10:12" in expected
    [sent] = mail.outbox
    assert sent.to == ["sanne@example.nl"]
    assert sent.body == expected


@pytest.mark.django_db
def test_polish_mail_gets_a_polish_acknowledgement_and_english_stays_english(
    mail_in, acknowledging_mailbox
) -> None:
    polish = json.loads((FIXTURES / "postmark" / "inbound.json").read_text())
    polish["Attachments"] = []
    mail_in(json.dumps(polish).encode())
    assert customer_of("zofia.wojcik@example.pl").language == "pl"
    mail_in(postmark_payload(sender="tom@example.com", text=ENGLISH_LONG, message_id="en-1"))
    assert customer_of("tom@example.com").language == "en"
    polish_ack, english_ack = (
        Message.objects.filter(direction=Direction.OUTBOUND)
        .order_by("pk")
        .values_list("body_text", flat=True)
    )
    assert "niedziela 22 listopada, 10:12" in polish_ack  # lower case inside a sentence
    assert english_ack.startswith("Thank you for your message.")
    assert "A person will answer by" in english_ack


@pytest.mark.django_db
def test_a_mailbox_with_its_own_wording_sends_it_as_written(mail_in, acknowledging_mailbox) -> None:
    acknowledging_mailbox.acknowledgement_text = "Bedankt! Je vraag heeft nummer #{number}."
    acknowledging_mailbox.save()
    mail_in(postmark_payload(sender="tom@example.com", text=ENGLISH_LONG, message_id="own-1"))
    ack = Message.objects.get(direction=Direction.OUTBOUND)
    assert ack.body_text == f"Bedankt! Je vraag heeft nummer #{ack.ticket_id}."


def test_a_new_mailbox_has_no_wording_of_its_own() -> None:
    """Blank: the promise acknowledgement in the customer's language (`tickets.promise`)."""
    assert Mailbox._meta.get_field("acknowledgement_text").default == ""


@pytest.mark.django_db
def test_content_language_beats_the_text(mail_in) -> None:
    mail_in(
        postmark_payload(
            sender="sanne@example.nl",
            text=DUTCH_MAIL,
            message_id="cl-1",
            headers={"Content-Language": "pl-PL"},
        )
    )
    customer = customer_of("sanne@example.nl")
    assert (customer.language, customer.language_source) == ("pl", "channel")


@pytest.mark.django_db
def test_accept_language_counts_when_there_is_no_content_language(mail_in) -> None:
    mail_in(
        postmark_payload(
            sender="sanne@example.nl",
            text="ok",
            message_id="al-1",
            headers={"Accept-Language": "nl-NL, en-US"},
        )
    )
    customer = customer_of("sanne@example.nl")
    assert (customer.language, customer.language_source) == ("nl", "channel")


@pytest.mark.django_db
def test_an_agents_correction_is_never_overwritten_by_later_mail(mail_in, api) -> None:
    mail_in(postmark_payload(sender="sanne@example.nl", text=DUTCH_MAIL, message_id="ag-1"))
    customer = customer_of("sanne@example.nl")
    assert customer.language == "nl"
    response = api.patch(f"/api/v1/customers/{customer.pk}/", {"language": "en"}, format="json")
    assert response.status_code == 200
    mail_in(
        postmark_payload(
            sender="sanne@example.nl",
            text=DUTCH_AGAIN,
            message_id="ag-2",
            headers={"Content-Language": "nl"},
        )
    )
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 2
    customer.refresh_from_db()
    assert (customer.language, customer.language_source) == ("en", "agent")


@pytest.mark.django_db
def test_an_automatic_reply_teaches_nothing(mail_in, acknowledging_mailbox) -> None:
    mail_in(postmark_payload(sender="tom@example.com", text=ENGLISH_LONG, message_id="auto-0"))
    ack = Message.objects.get(direction=Direction.OUTBOUND)
    body = postmark_payload(
        sender="tom@example.com",
        text="Ik ben afwezig tot maandag en lees mijn e-mail niet. Voor dringende zaken bel me.",
        message_id="auto-1",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": ack.provider_message_id},
    )
    mail_in(body)
    assert Message.objects.filter(is_automatic=True, direction=Direction.INBOUND).count() == 1
    assert customer_of("tom@example.com").language == "en"


# --- WhatsApp -------------------------------------------------------------------------------


def whatsapp_payload(*, sender: str, text: str, message_id: str) -> bytes:
    payload = json.loads((FIXTURES / "meta" / "whatsapp_text.json").read_text())
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0].update(wa_id=sender, profile={"name": "Piotr"})
    message = copy.deepcopy(value["messages"][0])
    message.update(id=message_id, text={"body": text})
    message["from"] = sender
    value["messages"] = [message]
    return json.dumps(payload).encode()


@pytest.fixture
def whatsapp_in(django_capture_on_commit_callbacks):
    SocialAccount.objects.create(
        platform="whatsapp", external_id=WA_NUMBER_ID, name="Shop", access_token="t"
    )

    def post(body: bytes) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(
                "/webhooks/meta/",
                body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=sign(body),
            )
        assert response.status_code == 200

    return post


@pytest.mark.django_db
def test_whatsapp_number_hints_and_a_clear_text_replaces_the_hint(whatsapp_in) -> None:
    whatsapp_in(whatsapp_payload(sender="48512345678", text="ok", message_id="wamid.pl-1"))
    customer = Identity.objects.get(kind="whatsapp").customer
    assert (customer.language, customer.language_source) == ("pl", "phone_country")

    whatsapp_in(whatsapp_payload(sender="48512345678", text=ENGLISH_LONG, message_id="wamid.pl-2"))
    customer.refresh_from_db()
    assert (customer.language, customer.language_source) == ("en", "text")

    # A short message afterwards does not bring the weak hint back.
    whatsapp_in(whatsapp_payload(sender="48512345678", text="dzięki", message_id="wamid.pl-3"))
    customer.refresh_from_db()
    assert (customer.language, customer.language_source) == ("en", "text")


# --- chat -----------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_chat_widget_language_makes_the_customer_dutch() -> None:
    await sync_to_async(ChatWidget.objects.create)(name="Shop", key="shop", allowed_origins=[SHOP])
    communicator = visitor()
    await start(communicator, language="nl-NL")
    # The browser's language is an explicit signal: it beats the (English) text.
    ack = await say(communicator, "c-1", ENGLISH_LONG)
    assert ack["type"] == "ack", ack
    message = await sync_to_async(Message.objects.select_related("author_customer").get)(
        pk=ack["message"]
    )
    customer = message.author_customer
    assert customer is not None
    assert (customer.language, customer.language_source) == ("nl", "channel")
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_chat_reply_by_mail_follows_the_agents_correction(api) -> None:
    await sync_to_async(ChatWidget.objects.create)(name="Shop", key="shop", allowed_origins=[SHOP])
    communicator = visitor()
    await start(communicator, name="Ola", email="ola@example.pl", language="nl")
    ack = await say(communicator, "c-1", "Halo, proszę o telefon w sprawie zamówienia 48213.")
    await communicator.disconnect()
    message = await sync_to_async(Message.objects.select_related("author_customer").get)(
        pk=ack["message"]
    )
    assert message.author_customer is not None
    customer_id, ticket_id = message.author_customer.pk, message.ticket_id
    response = await sync_to_async(api.patch)(
        f"/api/v1/customers/{customer_id}/", {"language": "pl"}, format="json"
    )
    assert response.status_code == 200, response.content

    response = await sync_to_async(api.post)(
        f"/api/v1/tickets/{ticket_id}/messages/",
        {"kind": "reply", "channel": "chat", "body_text": "Zadzwonimy o 15:00."},
        format="json",
    )
    assert response.status_code == 201, response.content
    reply = await sync_to_async(Message.objects.get)(pk=response.json()["id"])
    assert reply.delivery_state == "sent", (reply.delivery_state, reply.last_error)
    [sent] = mail.outbox
    assert sent.to == ["ola@example.pl"]
    assert "kontynuować czat" in sent.body  # the footer in Polish, not the browser's Dutch
