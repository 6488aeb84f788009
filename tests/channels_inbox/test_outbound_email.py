"""An agent's email reply leaves with headers that thread in the customer's mail client,
and the customer's answer to it, written the way their client writes it, comes back to the
same ticket."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from django.core import mail

from tests.channels_inbox.test_email_clients import (
    _deliver,
    _earlier_conversation,
    _eml,
    _latest_message_via_api,
)
from tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

OUTLOOK_ID = "<AM9PR01MB1234A1B2C3D4E5F6A7B8C9D0E1F2A@AM9PR01MB1234.eurprd01.prod.outlook.com>"


@pytest.fixture(autouse=True)
def _anymail(settings):
    from tests.channels_inbox.test_email_clients import SECRET

    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def test_reply_to_outlook_threads_and_the_answer_comes_back(
    api, django_capture_on_commit_callbacks
) -> None:
    ticket = _earlier_conversation(
        "m.zielinska@outlook.test", "<176354880099.4211.1111111111@shop.test>"
    )
    _deliver(django_capture_on_commit_callbacks, _eml("outlook_reply_pl_windows1250.eml"))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/tickets/{ticket.pk}/messages/",
            {"kind": "reply", "body_text": "Sprawdzimy przelew dzisiaj."},
            format="json",
        )
    assert response.status_code == 201, response.content
    [sent] = mail.outbox
    # The bytes as an SMTP server would get them.
    wire = sent.message(policy=policy.SMTP).as_bytes()
    headers = message_from_bytes(wire, policy=policy.default)
    assert f"In-Reply-To: {OUTLOOK_ID}".encode() in wire  # never an encoded word
    assert b"=?utf-8?q?=3C" not in wire
    assert headers["In-Reply-To"] == OUTLOOK_ID
    references = str(headers["References"]).split()
    assert references[-1] == OUTLOOK_ID
    assert "<176354880099.4211.1111111111@shop.test>" in references
    assert headers["Subject"] == f"Re: Eerder [#{ticket.pk}]"  # the ticket's subject
    assert headers["Reply-To"] == f"support+t{ticket.pk}@helpdesk.localhost"
    assert headers.get_body(("plain",)) is not None
    assert headers.get_body(("html",)) is not None
    ours = Message.objects.get(pk=response.json()["id"])
    assert ours.thread_key == headers["Message-ID"]

    # Her client answers: In-Reply-To our Message-ID, References the whole chain, "RE:".
    answer = (
        f"From: Malgorzata <m.zielinska@outlook.test>\r\n"
        f"To: {headers['Reply-To']}\r\n"
        f"Subject: RE: {headers['Subject']}\r\n"
        f"Message-ID: <AM9PR01MB9999@AM9PR01MB1234.eurprd01.prod.outlook.com>\r\n"
        f"In-Reply-To: {headers['Message-ID']}\r\n"
        f"References: {' '.join([*references, headers['Message-ID']])}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Dziękuję, czekam.\r\n"
    ).encode()
    _deliver(django_capture_on_commit_callbacks, answer)
    assert Ticket.objects.count() == 1
    found, message = _latest_message_via_api(api, "m.zielinska@outlook.test")
    assert found["id"] == ticket.pk
    assert message["body_text"] == "Dziękuję, czekam."
    joined = ticket.events.filter(message_id=message["id"]).values_list("text", flat=True)
    assert any(f"replied to message {ours.pk}" in text for text in joined)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("RE: Zwrot pieniędzy [#1042]", "Re: Zwrot pieniędzy [#7]"),
        ("Re: AW: Odp: Levering [#7]", "Re: Levering [#7]"),
        ("Antw: Factuur", "Re: Factuur [#7]"),
        ("", "Re: Your request [#7]"),
        ("Refund request", "Re: Refund request [#7]"),
    ],
)
def test_reply_subject_does_not_grow(subject: str, expected: str) -> None:
    from channels_inbox.adapters.email import subject_with_token

    assert subject_with_token(subject, 7) == expected
