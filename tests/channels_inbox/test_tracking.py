"""Delivery reports from the ESP's tracking webhooks (anymail's URLs) update the message."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import inbound
from tickets.models import DeliveryState, Message
from tickets.services import message_ingest, reply_create

FIXTURES = Path(__file__).parent / "fixtures" / "postmark"
SECRET = "anymail:hook-secret-3"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
ESP_ID = "883953f4-6105-42a2-a16a-77a8eac79483"


@pytest.fixture
def sent(settings, agent, django_capture_on_commit_callbacks) -> Message:
    """An agent's reply that the ESP accepted under its own id."""
    from channels_inbox.adapters import email as email_adapter
    from tickets.senders import SendResult

    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    ticket = message_ingest(data=inbound("email", value="john@example.com")).ticket

    class AcceptedByEsp(email_adapter.EmailSender):
        def send(self, message: Message) -> SendResult:
            result = super().send(message)
            return SendResult(provider_message_id=ESP_ID, thread_key=result.thread_key)

    from tickets.senders import senders_replaced

    with senders_replaced([AcceptedByEsp()]), django_capture_on_commit_callbacks(execute=True):
        reply = reply_create(ticket=ticket, author=agent, body_text="Your refund is on its way.")
    reply.refresh_from_db()
    assert reply.provider_message_id == ESP_ID
    return reply


def _post(name: str) -> int:
    body = (FIXTURES / name).read_bytes()
    response = Client().post(
        "/anymail/postmark/tracking/", body, content_type="application/json", **AUTH
    )
    return response.status_code


@pytest.mark.django_db
def test_delivery_report_marks_the_reply_delivered(sent: Message) -> None:
    assert _post("delivery.json") == 200
    sent.refresh_from_db()
    assert sent.delivery_state == DeliveryState.DELIVERED
    assert sent.delivered_at is not None
    # The same report again changes nothing.
    assert _post("delivery.json") == 200
    assert Message.objects.get(pk=sent.pk).delivered_at == sent.delivered_at


@pytest.mark.django_db
def test_bounce_report_marks_the_reply_failed_with_the_reason(sent: Message) -> None:
    assert _post("bounce.json") == 200
    sent.refresh_from_db()
    assert sent.delivery_state == DeliveryState.FAILED
    assert "unable to deliver your message" in sent.delivery_error
    # A late delivery report cannot undo the failure.
    assert _post("delivery.json") == 200
    assert Message.objects.get(pk=sent.pk).delivery_state == DeliveryState.FAILED


@pytest.mark.django_db
def test_tracking_with_wrong_credentials_changes_nothing(sent: Message) -> None:
    body = (FIXTURES / "delivery.json").read_bytes()
    bad = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"anymail:nope").decode()}
    response = Client().post(
        "/anymail/postmark/tracking/", body, content_type="application/json", **bad
    )
    assert response.status_code == 400
    assert Message.objects.get(pk=sent.pk).delivery_state == DeliveryState.SENT
