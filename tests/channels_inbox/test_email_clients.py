"""Raw messages as Gmail, Outlook and Apple Mail write them (files under fixtures/email/),
delivered through anymail's inbound URLs and read back through the REST API: the right
customer and ticket, the trimmed text, the full original, attachments and inline images."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from channels_inbox.models import InboundReceipt, ReceiptState
from tests.factories import inbound
from tickets.models import Direction, Message, Ticket
from tickets.services import message_ingest

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "anymail:hook-secret-1"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def _eml(name: str) -> bytes:
    return (FIXTURES / "email" / name).read_bytes()


def _via_ses(raw: bytes) -> tuple[bytes, dict[str, str]]:
    """An SES receipt notification (SNS action, base64 content) carrying `raw` byte for byte."""
    envelope = json.loads((FIXTURES / "amazon_ses" / "inbound_sns.json").read_text())
    notification = json.loads(envelope["Message"])
    notification["content"] = base64.b64encode(raw).decode()
    envelope["Message"] = json.dumps(notification)
    envelope["MessageId"] = str(uuid.uuid4())
    headers = {
        "HTTP_X_AMZ_SNS_MESSAGE_TYPE": "Notification",
        "HTTP_X_AMZ_SNS_MESSAGE_ID": envelope["MessageId"],
    }
    return json.dumps(envelope).encode(), headers


def _via_postmark(raw: bytes) -> tuple[bytes, dict[str, str]]:
    return json.dumps({"RawEmail": raw.decode("ascii"), "Headers": []}).encode(), {}


def _deliver(capture, raw: bytes, esp: str = "amazon_ses") -> Any:
    body, headers = (_via_ses if esp == "amazon_ses" else _via_postmark)(raw)
    return _deliver_body(capture, esp, body, headers)


def _deliver_body(capture, esp: str, body: bytes, headers: dict[str, str]) -> Any:
    with capture(execute=True):
        response = Client().post(
            f"/anymail/{esp}/inbound/", body, content_type="application/json", **headers, **AUTH
        )
    assert response.status_code == 200, response.content
    return response


def _earlier_conversation(email: str, our_message_id: str) -> Ticket:
    """The customer wrote before and we answered with `our_message_id`."""
    first = message_ingest(data=inbound("email", value=email, subject="Eerder"))
    Message.objects.create(
        ticket=first.ticket,
        direction=Direction.OUTBOUND,
        channel="email",
        body_text="Our answer",
        thread_key=our_message_id,
        provider_message_id=our_message_id,
        delivery_state="sent",
    )
    return first.ticket


def _latest_message_via_api(api, email: str) -> tuple[dict[str, Any], dict[str, Any]]:
    customers = api.get(f"/api/v1/customers/?q={email}").json()["results"]
    assert len(customers) == 1, customers
    tickets = api.get(f"/api/v1/tickets/?customer={customers[0]['id']}").json()["results"]
    assert len(tickets) == 1, tickets
    messages = api.get(f"/api/v1/tickets/{tickets[0]['id']}/messages/").json()["results"]
    inbound_messages = [m for m in messages if m["direction"] == "inbound"]
    return tickets[0], inbound_messages[-1]


@pytest.mark.parametrize("esp", ["amazon_ses", "postmark"])
def test_gmail_dutch_reply_threads_is_trimmed_and_keeps_its_attachment(
    api, django_capture_on_commit_callbacks, esp: str
) -> None:
    ticket = _earlier_conversation(
        "sanne.bakker@gmail.test", "<176354880012.4211.9876543210@shop.test>"
    )
    _deliver(django_capture_on_commit_callbacks, _eml("gmail_reply_nl.eml"), esp)
    found, message = _latest_message_via_api(api, "sanne.bakker@gmail.test")
    assert found["id"] == ticket.pk
    assert message["body_text"] == (
        "Hallo,\n\nDank je wel! Het bedrag van € 89,95 is vandaag teruggestort.\n"
        "Ik stuur de foto van het afschrift mee.\n\nGroet,\nSanne"
    )
    stored = Message.objects.get(pk=message["id"])
    assert "> We hebben het dubbel afgeschreven bedrag teruggestort." in stored.meta["full_text"]
    assert message["full_text"] == stored.meta["full_text"]
    assert "gmail_quote" not in message["body_html"] or "<blockquote" in message["body_html"]
    assert [(a["filename"], a["content_type"], a["is_inline"]) for a in message["attachments"]] == [
        ("afschrift.jpg", "image/jpeg", False)
    ]
    assert stored.attachments.get().file.read().startswith(b"\xff\xd8")


def test_outlook_polish_reply_in_windows_1250_with_inline_logo_and_pdf(
    api, django_capture_on_commit_callbacks
) -> None:
    ticket = _earlier_conversation(
        "m.zielinska@outlook.test", "<176354880099.4211.1111111111@shop.test>"
    )
    _deliver(django_capture_on_commit_callbacks, _eml("outlook_reply_pl_windows1250.eml"))
    found, message = _latest_message_via_api(api, "m.zielinska@outlook.test")
    assert found["id"] == ticket.pk
    assert message["subject"] == "RE: Zwrot pieniędzy [#1042]"
    assert message["body_text"].startswith("Dzień dobry,\n\ndziękuję za szybką odpowiedź.")
    assert message["body_text"].endswith("Z poważaniem\nMałgorzata Zielińska")
    assert "Wysłano:" not in message["body_text"]
    assert 'src="cid:image001.png@01DB3A2F.5B7C6E20"' in message["body_html"]
    assert "<style" not in message["body_html"]
    assert sorted(
        (a["filename"], a["content_type"], a["is_inline"], a["content_id"])
        for a in message["attachments"]
    ) == [
        ("image001.png", "image/png", True, "image001.png@01DB3A2F.5B7C6E20"),
        ("potwierdzenie płatności.pdf", "application/pdf", False, ""),
    ]


def test_apple_mail_dutch_question_in_iso_8859_1_opens_a_ticket_with_its_photo(
    api, django_capture_on_commit_callbacks
) -> None:
    _deliver(django_capture_on_commit_callbacks, _eml("apple_mail_nl_iso8859_1.eml"))
    ticket, message = _latest_message_via_api(api, "joelle.dekker@icloud.test")
    assert ticket["subject"] == "Stoel beschadigd bij levering"
    assert ticket["customer"]["name"] == "Joëlle Dekker"
    assert "één poot is gebroken" in message["body_text"]
    assert message["body_text"].endswith("Met vriendelijke groet,\nJoëlle Dekker")
    assert "iPhone" not in message["body_text"]
    assert 'src="cid:5C1E9D2A-7F3B-4E8A-9C1D-2B3A4C5D6E7F"' in message["body_html"]
    [photo] = message["attachments"]
    assert (photo["filename"], photo["is_inline"]) == ("IMG_4021.jpeg", True)


def test_apple_mail_polish_reply_in_iso_8859_2_threads_and_drops_the_quote(
    api, django_capture_on_commit_callbacks
) -> None:
    ticket = _earlier_conversation(
        "jan.kowalski@mac.test", "<176354880077.4211.2222222222@shop.test>"
    )
    _deliver(django_capture_on_commit_callbacks, _eml("apple_mail_reply_pl_iso8859_2.eml"))
    found, message = _latest_message_via_api(api, "jan.kowalski@mac.test")
    assert found["id"] == ticket.pk
    assert message["subject"] == "Re: Zamówienie wysłane"
    assert message["body_text"] == (
        "Dzień dobry,\n\nczy mogę jeszcze zmienić adres dostawy na ul. Łąkowa 5, Gdańsk?"
        "\n\nPozdrawiam\nJan"
    )


def test_outlook_dutch_windows_1252_with_euro_sign_and_word_attachment(
    api, django_capture_on_commit_callbacks
) -> None:
    _deliver(django_capture_on_commit_callbacks, _eml("outlook_new_nl_windows1252.eml"))
    ticket, message = _latest_message_via_api(api, "g.vanthoff@bedrijf.test")
    assert ticket["subject"] == "Factuur € 249,00 onterecht"
    assert ticket["customer"]["name"] == "Geërt van 't Hoff"
    assert "factuur van € 249,00 ontvangen" in message["body_text"]
    assert [a["filename"] for a in message["attachments"]] == ["annulering.docx"]


def test_malformed_mime_is_kept_and_flagged(
    api, admin_client, django_capture_on_commit_callbacks
) -> None:
    _deliver(django_capture_on_commit_callbacks, _eml("malformed_mime.eml"))
    receipt = InboundReceipt.objects.get()
    assert bytes(receipt.body)  # the delivery as it arrived, whatever happens next
    # Readable enough to hear the customer: the message is stored, its defects named.
    _ticket, message = _latest_message_via_api(api, "piet@example.test")
    assert "De lamp is stuk aangekomen." in message["body_text"]
    assert message["mime_defects"]
    assert receipt.state == ReceiptState.DONE
    assert "MIME defects" in receipt.error
    page = admin_client.get(f"/admin/channels_inbox/inboundreceipt/{receipt.pk}/change/")
    assert "MIME defects" in page.content.decode()


def test_unreadable_message_is_kept_failed_and_shown_to_admins(
    admin_client, django_capture_on_commit_callbacks
) -> None:
    raw = b"Subject: no sender at all\r\nContent-Type: text/plain\r\n\r\nwho am I?\r\n"
    _deliver(django_capture_on_commit_callbacks, raw)
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.FAILED
    assert "no sender" in receipt.error
    assert Message.objects.count() == 0
    listing = admin_client.get("/admin/channels_inbox/inboundreceipt/?state__exact=failed")
    assert "no sender" in listing.content.decode()


def test_same_raw_message_through_two_esps_is_one_message(
    django_capture_on_commit_callbacks,
) -> None:
    raw = _eml("outlook_new_nl_windows1252.eml")
    _deliver(django_capture_on_commit_callbacks, raw, "amazon_ses")
    _deliver(django_capture_on_commit_callbacks, raw, "postmark")
    assert InboundReceipt.objects.count() == 2
    assert Message.objects.count() == 1
    assert Ticket.objects.count() == 1


def test_an_attachment_over_the_limit_is_named_on_the_message_not_dropped_silently(
    api, django_capture_on_commit_callbacks
) -> None:
    from email.message import EmailMessage

    mail = EmailMessage()
    mail["From"] = "Bram Smit <bram@example.test>"
    mail["To"] = "support@shop.test"
    mail["Subject"] = "Video van de schade"
    mail["Message-ID"] = "<video-1@example.test>"
    mail.set_content("Hierbij de video en de bon.")
    mail.add_attachment(b"%PDF-1.4 bon", maintype="application", subtype="pdf", filename="bon.pdf")
    video = b"\x00" * (16 * 1024 * 1024)  # over the 15 MB attachment limit, under 25 MB raw
    mail.add_attachment(video, maintype="video", subtype="mp4", filename="schade.mp4")

    _deliver(django_capture_on_commit_callbacks, mail.as_bytes(), "postmark")
    _ticket, message = _latest_message_via_api(api, "bram@example.test")
    assert message["body_text"] == "Hierbij de video en de bon."
    assert [a["filename"] for a in message["attachments"]] == ["bon.pdf"]
    assert message["omitted_attachments"] == ["schade.mp4 (16.0 MB)"]
