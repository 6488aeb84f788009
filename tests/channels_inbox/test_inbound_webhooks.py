"""Inbound email through anymail's own URLs, replaying the ESPs' published payload formats,
and found again through the REST API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.test.client import encode_multipart

from channels_inbox.models import InboundReceipt, ReceiptState
from tests.factories import inbound
from tickets.models import DeliveryState, Direction, Message, Ticket
from tickets.services import message_ingest, reply_create

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "anymail:hook-secret-1"
MAILGUN_KEY = "key-mailgun-signing-test"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": MAILGUN_KEY}


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """POST a webhook and run what it enqueued after commit, as the worker would."""

    def post(path: str, body: bytes, content_type: str, **extra: Any):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().generic("POST", path, body, content_type=content_type, **extra)

    return post


def _postmark() -> bytes:
    return (FIXTURES / "postmark" / "inbound.json").read_bytes()


def _mailgun_form(**changes: str) -> tuple[bytes, str]:
    fields = json.loads((FIXTURES / "mailgun" / "inbound_form.json").read_text())
    fields.update(changes)
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(MAILGUN_KEY.encode(), f"{timestamp}{token}".encode(), hashlib.sha256)
    fields.update(timestamp=timestamp, token=token, signature=signature.hexdigest())
    return encode_multipart("BoUnDaRyMg", fields), "multipart/form-data; boundary=BoUnDaRyMg"


def _sendgrid_form() -> tuple[bytes, str]:
    fields = json.loads((FIXTURES / "sendgrid" / "inbound_form.json").read_text())
    return encode_multipart("BoUnDaRySg", fields), "multipart/form-data; boundary=BoUnDaRySg"


def _ses() -> tuple[bytes, dict[str, str]]:
    body = (FIXTURES / "amazon_ses" / "inbound_sns.json").read_bytes()
    message_id = json.loads(body)["MessageId"]
    headers = {
        "HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification",
        "HTTP_X_AMZ_SNS_MESSAGE_ID": message_id,
    }
    return body, headers


def _ticket_via_api(api, email: str) -> dict[str, Any]:
    customers = api.get(f"/api/v1/customers/?q={email}").json()["results"]
    assert len(customers) == 1, customers
    tickets = api.get(f"/api/v1/tickets/?customer={customers[0]['id']}").json()["results"]
    assert len(tickets) == 1, tickets
    return tickets[0]


def test_postmark_sample_becomes_a_ticket(api, deliver) -> None:
    response = deliver("/anymail/postmark/inbound/", _postmark(), "application/json", **AUTH)
    assert response.status_code == 200, response.content
    ticket = _ticket_via_api(api, "zofia.wojcik@example.pl")
    assert ticket["subject"] == "Zamówienie 48213 nie dotarło"
    assert ticket["channel"] == "email"
    assert ticket["customer"]["name"] == "Zofia Wójcik"
    messages = api.get(f"/api/v1/tickets/{ticket['id']}/messages/").json()["results"]
    assert len(messages) == 1
    assert "zamówienie 48213 miało dotrzeć" in messages[0]["body_text"]
    assert messages[0]["provider_message_id"] == "<CAGXpo2Wcbn=zofia+48213@mail.gmail.com>"
    assert [(a["filename"], a["content_type"]) for a in messages[0]["attachments"]] == [
        ("potwierdzenie.pdf", "application/pdf")
    ]
    # Remote images are not loaded until the agent asks.
    assert "https://tracker.example/pixel.gif" not in messages[0]["body_html"].split("data-")[0]
    assert InboundReceipt.objects.get().state == ReceiptState.DONE


def test_mailgun_sample_becomes_a_ticket(api, deliver) -> None:
    body, content_type = _mailgun_form()
    response = deliver("/anymail/mailgun/inbound/", body, content_type, **AUTH)
    assert response.status_code == 200, response.content
    ticket = _ticket_via_api(api, "bob.jansen@example.nl")
    assert ticket["subject"] == "Vraag over mijn retour"


def test_sendgrid_sample_becomes_a_ticket(api, deliver) -> None:
    body, content_type = _sendgrid_form()
    response = deliver("/anymail/sendgrid/inbound/", body, content_type, **AUTH)
    assert response.status_code == 200, response.content
    ticket = _ticket_via_api(api, "emily.clarke@example.co.uk")
    assert ticket["subject"] == "Wrong size delivered"


def test_amazon_ses_sample_becomes_a_ticket(api, deliver) -> None:
    body, headers = _ses()
    response = deliver("/anymail/amazon_ses/inbound/", body, "text/plain", **AUTH, **headers)
    assert response.status_code == 200, response.content
    ticket = _ticket_via_api(api, "k.nowak@example.pl")
    assert ticket["subject"] == "Faktura do zamówienia 50211"
    message = Message.objects.get(ticket_id=ticket["id"])
    assert "proszę o fakturę VAT" in message.body_text


@pytest.mark.parametrize(
    ("path", "status"),
    [("/anymail/postmark/inbound/", 403), ("/anymail/sendgrid/inbound/", 403)],
)
def test_wrong_credentials_are_refused_and_nothing_stored(deliver, path, status) -> None:
    bad = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"anymail:wrong").decode()}
    response = deliver(path, _postmark(), "application/json", **bad)
    assert response.status_code == status
    assert InboundReceipt.objects.count() == 0
    assert Message.objects.count() == 0


def test_mailgun_bad_signature_gets_406(deliver) -> None:
    body, content_type = _mailgun_form()
    body = body.replace(b'name="signature"\r\n\r\n', b'name="signature"\r\n\r\n0')
    response = deliver("/anymail/mailgun/inbound/", body, content_type, **AUTH)
    assert response.status_code == 406
    assert InboundReceipt.objects.count() == 0


def test_same_delivery_twice_is_one_receipt_and_one_message(deliver) -> None:
    for _ in range(2):
        response = deliver("/anymail/postmark/inbound/", _postmark(), "application/json", **AUTH)
        assert response.status_code == 200
    assert InboundReceipt.objects.count() == 1
    # The same Message-ID through another ESP's payload is still one message.
    payload = json.loads(_postmark())
    payload["MessageID"] = "another-postmark-id"
    deliver("/anymail/postmark/inbound/", json.dumps(payload).encode(), "application/json", **AUTH)
    assert InboundReceipt.objects.count() == 2
    assert Message.objects.count() == 1


def test_unreadable_payload_is_kept_and_flagged(deliver, admin_client) -> None:
    response = deliver("/anymail/postmark/inbound/", b'{"FromFull": 12', "application/json", **AUTH)
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.FAILED
    assert "could not be read" in receipt.error
    assert bytes(receipt.body) == b'{"FromFull": 12'
    page = admin_client.get("/admin/channels_inbox/inboundreceipt/?state=failed")
    assert page.status_code == 200
    assert "could not be read" in page.content.decode()


def test_database_outage_answers_retryable(deliver, monkeypatch) -> None:
    from django.db import OperationalError

    from channels_inbox import services

    def down(**kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "receipt_store", down)
    response = deliver("/anymail/postmark/inbound/", _postmark(), "application/json", **AUTH)
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def _raw_mime(**headers: str) -> bytes:
    mail = EmailMessage()
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(headers.pop("Body", "Ik ben afwezig tot maandag."))
    return mail.as_bytes()


def test_out_of_office_reply_to_our_reply_opens_nothing_and_gets_no_answer(
    deliver, agent, django_capture_on_commit_callbacks
) -> None:
    first = message_ingest(
        data=inbound(
            "email", value="anouk@example.nl", thread_key="<q1@example.nl>", subject="Retour"
        )
    )
    with django_capture_on_commit_callbacks(execute=True):
        ours = reply_create(ticket=first.ticket, author=agent, body_text="We kijken ernaar.")
    ours.refresh_from_db()
    assert ours.delivery_state == DeliveryState.SENT
    raw = _raw_mime(
        From="Anouk <anouk@example.nl>",
        To="support@helpdesk.localhost",
        Subject="Automatisch antwoord: Re: Retour",
        Message_ID="<oof-1@example.nl>",
        In_Reply_To=ours.thread_key,
        Auto_Submitted="auto-replied",
    )
    unrelated = _raw_mime(
        From="Someone <away@example.com>",
        To="support@helpdesk.localhost",
        Subject="Out of office",
        Message_ID="<oof-2@example.com>",
        Auto_Submitted="auto-replied",
    )
    for mime in (raw, unrelated):
        payload = {"RawEmail": mime.decode(), "FromFull": {"Email": "x@example.com"}, "Headers": []}
        response = deliver(
            "/anymail/postmark/inbound/", json.dumps(payload).encode(), "application/json", **AUTH
        )
        assert response.status_code == 200
    assert Ticket.objects.count() == 1
    ticket = Ticket.objects.get()
    # The auto-reply is no customer contact: nothing to chase, no reopen, no clock.
    assert ticket.unanswered_contacts == 0
    assert ticket.repeat_contacts == 0
    assert ticket.status == "open"
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 1
    auto = Message.objects.filter(is_automatic=True, direction=Direction.INBOUND)
    assert [m.provider_message_id for m in auto] == ["<oof-1@example.nl>"]
    states = sorted(InboundReceipt.objects.values_list("state", flat=True))
    assert states == [ReceiptState.DONE, ReceiptState.IGNORED]


def test_customer_answer_to_our_mail_threads_back(
    deliver, agent, django_capture_on_commit_callbacks
) -> None:
    first = message_ingest(
        data=inbound("email", value="zofia.wojcik@example.pl", subject="Zamówienie")
    )
    from tickets.services import ticket_set_status

    with django_capture_on_commit_callbacks(execute=True):
        ours = reply_create(ticket=first.ticket, author=agent, body_text="Sprawdzamy.")
    ours.refresh_from_db()
    ticket_set_status(ticket=first.ticket, status="pending", by=agent)
    answer = _raw_mime(
        From="Zofia <zofia.wojcik@example.pl>",
        To="support@helpdesk.localhost",
        Subject=f"Re: Zamówienie [#{first.ticket.pk}]",
        Message_ID="<answer-1@example.pl>",
        In_Reply_To=ours.thread_key,
        References=ours.thread_key,
        Body="Dziękuję, czekam.",
    )
    payload = {
        "RawEmail": answer.decode(),
        "FromFull": {"Email": "zofia.wojcik@example.pl"},
        "Headers": [],
    }
    deliver("/anymail/postmark/inbound/", json.dumps(payload).encode(), "application/json", **AUTH)
    ticket = Ticket.objects.get(pk=first.ticket.pk)
    assert Ticket.objects.count() == 1
    assert ticket.status == "open"
    assert ticket.messages.filter(provider_message_id="<answer-1@example.pl>").exists()


def test_mail_storm_from_one_sender_stops_opening_tickets(deliver, settings) -> None:
    import uuid

    settings.HELPDESK_EMAIL_SENDER_LIMIT = 3
    sender = f"storm-{uuid.uuid4().hex[:8]}@example.com"
    for i in range(5):
        raw = _raw_mime(
            From=sender,
            To="support@helpdesk.localhost",
            Subject=f"Storm {i}",
            Message_ID=f"<storm-{i}-{sender}>",
            Body=f"message {i}",
        )
        payload = {"RawEmail": raw.decode(), "FromFull": {"Email": sender}, "Headers": []}
        response = deliver(
            "/anymail/postmark/inbound/", json.dumps(payload).encode(), "application/json", **AUTH
        )
        assert response.status_code == 200
    assert Message.objects.filter(author_customer__identities__value=sender).count() == 3
    receipts = InboundReceipt.objects.order_by("id")
    assert [r.state for r in receipts] == ["done"] * 3 + ["ignored"] * 2
    assert "over the hourly limit" in receipts.last().error


def test_bounce_marks_our_message_failed_and_opens_nothing(
    deliver, agent, django_capture_on_commit_callbacks
) -> None:
    first = message_ingest(data=inbound("email", value="gone@example.com", subject="Hello"))
    with django_capture_on_commit_callbacks(execute=True):
        ours = reply_create(ticket=first.ticket, author=agent, body_text="Hi there")
    ours.refresh_from_db()
    dsn = (
        "From: MAILER-DAEMON@mx.example.com\r\nTo: support@helpdesk.localhost\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <dsn-9@mx.example.com>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="d"\r\n\r\n'
        "--d\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
        "--d\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n"
        f"--d\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: {ours.thread_key}\r\n"
        "--d--\r\n"
    )
    payload = {
        "RawEmail": dsn,
        "FromFull": {"Email": "MAILER-DAEMON@mx.example.com"},
        "Headers": [],
    }
    deliver("/anymail/postmark/inbound/", json.dumps(payload).encode(), "application/json", **AUTH)
    ours.refresh_from_db()
    assert ours.delivery_state == DeliveryState.FAILED
    assert ours.delivery_error == "bounced: smtp; 550 5.1.1 no such user"
    assert Ticket.objects.count() == 1
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1
