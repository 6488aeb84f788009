"""Facebook Messenger through the Meta webhook, replaying Meta's published payloads and found
again through the REST API; replies to a respx-faked Graph API, its errors retried or failed."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from channels_inbox.models import InboundReceipt, ReceiptState, SocialAccount
from tests.channels_inbox.meta_helpers import (
    CDN_IMAGE,
    JPEG,
    PAGE_ID,
    PSID,
    REPLY_MID,
    messages_of,
    only_ticket,
    reply,
    sample,
)
from tickets.models import DeliveryState, Message
from tickets.services import message_deliver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meta_settings", "clock")]


def test_messenger_sample_becomes_a_ticket(api, social, post) -> None:
    team, accounts = social
    response = post(sample("messenger_text.json"))
    assert response.status_code == 200, response.content
    ticket = only_ticket(api, "facebook")
    assert ticket["team"] == {"id": team.pk, "name": "Social"}
    assert ticket["subject"].startswith("Hoi! Mijn bestelling 51877")
    (message,) = messages_of(api, ticket["id"])
    assert message["direction"] == "inbound"
    assert message["identity"] == {
        "id": message["identity"]["id"],
        "kind": "facebook",
        "value": PSID,
    }
    assert message["provider_message_id"] == "m_1457764197618:41d102a3e1ae206a38"
    assert message["sent_by_customer_at"].startswith("2026-06-16T")
    stored = Message.objects.get()
    assert stored.meta["social_account"] == accounts["facebook"].pk
    receipt = InboundReceipt.objects.get()
    assert (receipt.channel, receipt.provider, receipt.state) == ("meta", "meta", "done")
    assert receipt.message_ids == [stored.pk]


def test_messenger_attachment_quick_reply_and_echo(api, social, post, files) -> None:
    files.get(CDN_IMAGE).respond(200, content=JPEG)
    for name in (
        "messenger_text.json",
        "messenger_attachment.json",
        "messenger_quick_reply.json",
        "messenger_echo.json",
    ):
        assert post(sample(name)).status_code == 200, name
    ticket = only_ticket(api, "facebook")
    texts = [m["body_text"] for m in messages_of(api, ticket["id"])]
    # The echo of the page's own message is not a customer message.
    assert len(texts) == 3
    assert texts[1].startswith("[image] https://scontent.xx.fbcdn.net/")
    assert texts[2] == "Ja, graag"
    image = Message.objects.get(provider_message_id__startswith="m_AG5Hz2")
    assert image.meta["attachments"][0]["type"] == "image"
    assert Message.objects.get(body_text="Ja, graag").meta["quick_reply"] == "RESEND_ORDER_51877"
    echo = InboundReceipt.objects.order_by("-pk").first()
    assert echo.state == ReceiptState.IGNORED
    assert "echo" in echo.error
    # Three contacts without an answer: the customer is chasing.
    assert api.get(f"/api/v1/tickets/{ticket['id']}/").json()["repeat_contacts"] == 2


def test_messenger_reply_goes_to_graph_and_its_delivery_receipt_updates_it(
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    route = graph.post(f"/{PAGE_ID}/messages").respond(
        200, json={"recipient_id": PSID, "message_id": REPLY_MID}
    )
    post(sample("messenger_text.json"))
    ticket = only_ticket(api, "facebook")
    detail = api.get(f"/api/v1/tickets/{ticket['id']}/").json()
    assert detail["messaging_windows"] == [
        {
            "channel": "facebook",
            "open": True,
            "closes_at": "2026-06-17T10:00:00.348000+02:00",
            "template_allowed": False,
        }
    ]
    response = reply(
        api, ticket["id"], django_capture_on_commit_callbacks, body_text="We kijken het na!"
    )
    assert response.status_code == 201, response.content
    assert route.call_count == 1
    request = route.calls.last.request
    assert request.headers["Authorization"] == "Bearer token-facebook-secret"
    assert json.loads(request.content) == {
        "recipient": {"id": PSID},
        "messaging_type": "RESPONSE",
        "message": {"text": "We kijken het na!"},
    }
    sent = Message.objects.get(pk=response.json()["id"])
    assert (sent.delivery_state, sent.provider_message_id) == (DeliveryState.SENT, REPLY_MID)

    assert post(sample("messenger_delivery.json")).status_code == 200
    (out,) = [m for m in messages_of(api, ticket["id"]) if m["direction"] == "outbound"]
    assert out["delivery_state"] == "delivered"
    assert out["delivered_at"] is not None
    # Read: a watermark only, no message ids.
    assert post(sample("messenger_read.json")).status_code == 200
    sent.refresh_from_db()
    assert sent.delivery_state == DeliveryState.READ


def test_reply_outside_the_24_hour_window_is_refused(
    api, social, post, graph, django_capture_on_commit_callbacks, clock
) -> None:
    route = graph.post(f"/{PAGE_ID}/messages").respond(200, json={"message_id": "m_late"})
    post(sample("messenger_text.json"))
    ticket = only_ticket(api, "facebook")
    clock.shift(timedelta(hours=25))
    response = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Sorry!")
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "the Facebook Messenger 24-hour window closed at 2026-06-17 10:00 CEST; "
        "answer on another channel or wait for the customer to write"
    )
    assert route.call_count == 0
    assert Message.objects.filter(direction="outbound").count() == 0
    windows = api.get(f"/api/v1/tickets/{ticket['id']}/").json()["messaging_windows"]
    assert windows[0]["open"] is False


def _messenger_reply(api, post, capture) -> Message:
    post(sample("messenger_text.json"))
    ticket = only_ticket(api, "facebook")
    response = reply(api, ticket["id"], capture, body_text="Hoi!")
    assert response.status_code == 201
    return Message.objects.get(pk=response.json()["id"])


def test_graph_500_is_retried(
    api, social, post, graph, django_capture_on_commit_callbacks, clock
) -> None:
    route = graph.post(f"/{PAGE_ID}/messages")
    route.side_effect = [
        httpx.Response(500, json={"error": {"message": "An unknown error occurred", "code": 1}}),
        httpx.Response(200, json={"recipient_id": PSID, "message_id": "m_second_try"}),
    ]
    message = _messenger_reply(api, post, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.QUEUED
    assert "Graph API 500" in message.delivery_error
    assert message.next_attempt_at > message.created_at
    # The outbox sweep re-drives it once the backoff has passed.
    clock.shift(timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        from tickets.tasks import outbox_sweep

        outbox_sweep.delay()
    message.refresh_from_db()
    assert (message.delivery_state, message.provider_message_id) == ("sent", "m_second_try")
    assert route.call_count == 2


@pytest.mark.parametrize("code", [4, 613])
def test_graph_rate_limit_is_retried(
    api, social, post, graph, django_capture_on_commit_callbacks, code
) -> None:
    graph.post(f"/{PAGE_ID}/messages").respond(
        400,
        json={
            "error": {"message": "Calls to this api have exceeded the rate limit.", "code": code}
        },
    )
    message = _messenger_reply(api, post, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.QUEUED
    assert "rate limited" in message.delivery_error


def test_graph_timeout_is_retried(
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    graph.post(f"/{PAGE_ID}/messages").mock(side_effect=httpx.ReadTimeout("slow"))
    message = _messenger_reply(api, post, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.QUEUED
    assert "did not answer in time" in message.delivery_error


def test_graph_400_fails_with_the_reason(
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    graph.post(f"/{PAGE_ID}/messages").respond(
        400,
        json={
            "error": {
                "message": "(#100) No matching user found",
                "type": "OAuthException",
                "code": 100,
                "error_subcode": 2018001,
                "fbtrace_id": "AbCdEf123",
            }
        },
    )
    message = _messenger_reply(api, post, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == "Graph API 400 (code 100): (#100) No matching user found"
    out = [m for m in messages_of(api, message.ticket_id) if m["direction"] == "outbound"]
    assert out[0]["delivery_error"] == message.delivery_error
    # Failed is final: a retry of the task does nothing.
    assert message_deliver(message_id=message.pk) is None


def test_a_deactivated_account_fails_the_send(
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    route = graph.post(f"/{PAGE_ID}/messages").respond(200, json={"message_id": "m_x"})
    post(sample("messenger_text.json"))
    SocialAccount.objects.filter(platform="facebook").update(active=False)
    ticket = only_ticket(api, "facebook")
    response = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Hoi!")
    message = Message.objects.get(pk=response.json()["id"])
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error == "no active Messenger account is configured to send from"
    assert route.call_count == 0
