"""Several addresses, each with its team, its from-address and an optional acknowledgement."""

from __future__ import annotations

import base64
import json
from email.message import EmailMessage

import pytest
from django.core import mail
from django.test import Client

from channels_inbox.models import InboundReceipt, Mailbox
from tickets.models import DeliveryState, Direction, Message, Team, Ticket

SECRET = "anymail:hook-secret-2"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def _send(django_capture_on_commit_callbacks, **headers: str) -> None:
    message = EmailMessage()
    body = headers.pop("Body", "Mijn tent is kapot.")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    payload = {"RawEmail": message.as_string(), "Headers": []}
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/anymail/postmark/inbound/",
            json.dumps(payload),
            content_type="application/json",
            **AUTH,
        )
    assert response.status_code == 200


@pytest.mark.django_db
def test_mail_to_a_mailbox_goes_to_its_team_without_acknowledgement(
    django_capture_on_commit_callbacks,
) -> None:
    returns = Team.objects.create(name="Returns")
    Mailbox.objects.create(name="Returns", address="returns@shop.example", team=returns)
    _send(
        django_capture_on_commit_callbacks,
        From="Bram <bram@example.nl>",
        To="Retouren <Returns@Shop.example>",
        Subject="Retour tent",
        Message_ID="<m1@example.nl>",
    )
    ticket = Ticket.objects.get()
    assert ticket.team == returns
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_acknowledgement_is_automatic_and_comes_from_the_brand(
    django_capture_on_commit_callbacks,
) -> None:
    Mailbox.objects.create(
        name="Brand",
        address="help@brand.example",
        from_address="Brand Support <help@brand.example>",
        auto_acknowledge=True,
        acknowledgement_text="Bedankt! Je vraag heeft nummer #{number}. (automatisch bericht)",
    )
    _send(
        django_capture_on_commit_callbacks,
        From="Iris <iris@example.nl>",
        To="help@brand.example",
        Subject="Levering",
        Message_ID="<iris-1@example.nl>",
    )
    ticket = Ticket.objects.get()
    ack = Message.objects.get(direction=Direction.OUTBOUND)
    assert ack.is_automatic
    assert ack.delivery_state == DeliveryState.SENT
    assert ack.body_text == f"Bedankt! Je vraag heeft nummer #{ticket.pk}. (automatisch bericht)"
    ticket.refresh_from_db()
    assert ticket.first_ack_at is not None
    assert ticket.first_human_reply_at is None  # an acknowledgement is not an answer
    assert ticket.unanswered_contacts == 1
    [sent] = mail.outbox
    assert sent.from_email == "Brand Support <help@brand.example>"
    assert sent.to == ["iris@example.nl"]
    assert sent.extra_headers["Reply-To"] == f"help+t{ticket.pk}@brand.example"
    assert sent.extra_headers["In-Reply-To"] == "<iris-1@example.nl>"
    assert sent.subject == f"Re: Levering [#{ticket.pk}]"
    # Her answer to the acknowledgement lands on the same ticket, and is not acknowledged again.
    _send(
        django_capture_on_commit_callbacks,
        From="Iris <iris@example.nl>",
        To=sent.extra_headers["Reply-To"],
        Subject=sent.subject,
        Message_ID="<iris-2@example.nl>",
        In_Reply_To=ack.provider_message_id,
        Body="Nog een vraag.",
    )
    assert Ticket.objects.count() == 1
    assert len(mail.outbox) == 1
    ticket.refresh_from_db()
    assert ticket.repeat_contacts == 1


@pytest.mark.django_db
def test_mail_from_our_own_mailbox_is_never_a_customer(django_capture_on_commit_callbacks) -> None:
    Mailbox.objects.create(name="Support", address="support@shop.example", auto_acknowledge=True)
    _send(
        django_capture_on_commit_callbacks,
        From="support@shop.example",
        To="support@shop.example",
        Subject="Re: loop",
        Message_ID="<loop-1@shop.example>",
    )
    assert Ticket.objects.count() == 0
    assert mail.outbox == []
    assert "our own mailbox" in InboundReceipt.objects.get().error
