"""Meta webhooks (Messenger, Instagram, WhatsApp Cloud API) replaying Meta's published payload
formats, found again through the REST API; replies to a respx-faked Graph API."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
import time_machine
from django.db import OperationalError
from django.test import Client

from channels_inbox.models import InboundReceipt, ReceiptState, SocialAccount
from customers.models import Customer, Identity
from tests.factories import inbound
from tickets.models import DeliveryState, Message, Team, Ticket
from tickets.services import message_deliver, message_ingest

FIXTURES = Path(__file__).parent / "fixtures" / "meta"
APP_SECRET = "meta-app-secret-test"
VERIFY_TOKEN = "verify-me-please"
GRAPH = "https://graph.meta.test/v21.0"
PAGE_ID = "106123456789012"
PSID = "6021786424563207"
IG_ID = "17841405822304914"
WA_NUMBER_ID = "106540352242922"
# Meta's sample timestamps: 2026-06-16 08:00 UTC. Tests run half a minute later.
SAMPLE_TIME = datetime(2026, 6, 16, 8, 0, 30, tzinfo=UTC)
REPLY_MID = "m_reply_1458668856218:ed81099e15d3f4f233"
WA_REPLY_ID = "wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _meta(settings):  # type: ignore[no-untyped-def]
    settings.META_APP_SECRET = APP_SECRET
    settings.META_VERIFY_TOKEN = VERIFY_TOKEN
    settings.META_GRAPH_URL = GRAPH


@pytest.fixture(autouse=True)
def clock():  # type: ignore[no-untyped-def]
    with time_machine.travel(SAMPLE_TIME, tick=True) as traveller:
        yield traveller


@pytest.fixture
def social():  # type: ignore[no-untyped-def]
    team = Team.objects.create(name="Social")
    accounts = {
        platform: SocialAccount.objects.create(
            platform=platform,
            external_id=external_id,
            name=f"Shop on {platform}",
            access_token=f"token-{platform}-secret",
            team=team,
        )
        for platform, external_id in (
            ("facebook", PAGE_ID),
            ("instagram", IG_ID),
            ("whatsapp", WA_NUMBER_ID),
        )
    }
    return team, accounts


@pytest.fixture
def graph():  # type: ignore[no-untyped-def]
    with respx.mock(base_url=GRAPH, assert_all_called=False) as mock:
        yield mock


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def post(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    """POST a signed webhook and run what it enqueued after commit, as the worker would."""

    def send(body: bytes, signature: str | None = None, **extra: Any):  # type: ignore[no-untyped-def]
        headers = {"HTTP_X_HUB_SIGNATURE_256": sign(body) if signature is None else signature}
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                "/webhooks/meta/", body, content_type="application/json", **headers, **extra
            )

    return send


def only_ticket(api, channel: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    tickets = api.get(f"/api/v1/tickets/?channel={channel}").json()["results"]
    assert len(tickets) == 1, tickets
    return tickets[0]


def messages_of(api, ticket_id: int) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return api.get(f"/api/v1/tickets/{ticket_id}/messages/").json()["results"]


# --- the verify-token handshake -------------------------------------------------------------


def test_verify_handshake_echoes_the_challenge() -> None:
    response = Client().get(
        "/webhooks/meta/",
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guessed", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.challenge": "1"},
    ],
)
def test_verify_handshake_refused(params: dict[str, str]) -> None:
    response = Client().get("/webhooks/meta/", params)
    assert response.status_code == 403
    assert b"1" not in response.content


def test_verify_refused_when_no_token_is_configured(settings) -> None:  # type: ignore[no-untyped-def]
    settings.META_VERIFY_TOKEN = ""
    response = Client().get(
        "/webhooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert response.status_code == 403


# --- signatures and accounts ----------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "sha256=",
        sign(sample("messenger_text.json"), secret="someone-elses-secret"),
        sign(sample("messenger_text.json")).replace("sha256=", "sha1="),
        sign(sample("messenger_text.json") + b" "),
    ],
)
def test_bad_signature_is_refused_and_nothing_written(social, post, signature: str) -> None:  # type: ignore[no-untyped-def]
    response = post(sample("messenger_text.json"), signature=signature)
    assert response.status_code == 403
    assert InboundReceipt.objects.count() == 0
    assert Ticket.objects.count() == Customer.objects.count() == 0


def test_nothing_is_accepted_without_an_app_secret(social, post, settings) -> None:  # type: ignore[no-untyped-def]
    settings.META_APP_SECRET = ""
    body = sample("messenger_text.json")
    assert post(body, signature=sign(body, secret="")).status_code == 403
    assert InboundReceipt.objects.count() == 0


def test_unknown_account_is_refused_and_nothing_written(post, caplog) -> None:  # type: ignore[no-untyped-def]
    for name in ("messenger_text.json", "instagram_text.json", "whatsapp_text.json"):
        response = post(sample(name))
        assert response.status_code == 403, name
    assert InboundReceipt.objects.count() == 0
    assert Ticket.objects.count() == Customer.objects.count() == 0
    assert f"facebook:{PAGE_ID}" in caplog.text
    assert f"whatsapp:{WA_NUMBER_ID}" in caplog.text


def test_inactive_account_is_refused(social, post) -> None:  # type: ignore[no-untyped-def]
    SocialAccount.objects.filter(platform="facebook").update(active=False)
    assert post(sample("messenger_text.json")).status_code == 403
    assert InboundReceipt.objects.count() == 0


def test_a_batch_with_an_unknown_page_keeps_the_known_pages_events(  # type: ignore[no-untyped-def]
    api, social, post
) -> None:
    payload = json.loads(sample("messenger_text.json"))
    stranger = json.loads(json.dumps(payload["entry"][0]))
    stranger["id"] = "999000111222333"
    stranger["messaging"][0]["recipient"]["id"] = "999000111222333"
    stranger["messaging"][0]["message"]["mid"] = "m_for_someone_else"
    payload["entry"].append(stranger)
    response = post(json.dumps(payload).encode())
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.DONE
    assert "999000111222333 not configured" in receipt.error
    assert Message.objects.count() == 1
    assert not Message.objects.filter(provider_message_id="m_for_someone_else").exists()


def test_not_json_is_refused(social, post) -> None:  # type: ignore[no-untyped-def]
    # Signed but unreadable: refused, and kept as a failed receipt for the admins (issue 10;
    # more cases in tests/helpdesk/test_nested_json.py).
    assert post(b"object=page").status_code == 400
    receipt = InboundReceipt.objects.get()
    assert (receipt.state, receipt.error.startswith("not JSON")) == (ReceiptState.FAILED, True)


def test_database_down_answers_503_so_meta_retries(social, post, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from channels_inbox.services import meta as meta_services

    def down(**kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(meta_services, "receipt_store", down)
    response = post(sample("messenger_text.json"))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


# --- inbound messages, through the REST API --------------------------------------------------


def test_messenger_sample_becomes_a_ticket(api, social, post) -> None:  # type: ignore[no-untyped-def]
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


def test_messenger_attachment_quick_reply_and_echo(api, social, post, files) -> None:  # type: ignore[no-untyped-def]
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


def test_instagram_sample_becomes_a_ticket(api, social, post) -> None:  # type: ignore[no-untyped-def]
    assert post(sample("instagram_text.json")).status_code == 200
    ticket = only_ticket(api, "instagram")
    (message,) = messages_of(api, ticket["id"])
    assert message["body_text"] == "Hi! Do you ship to the UK, and are returns free from there?"
    assert message["identity"]["value"] == "3489227674482931"
    assert Message.objects.get().meta["social_account"] == social[1]["instagram"].pk


def test_whatsapp_from_a_number_that_called_joins_the_same_customer_and_ticket(  # type: ignore[no-untyped-def]
    api, social, post
) -> None:
    call = message_ingest(
        data=inbound(
            "phone",
            value="+31 6 12345678",
            call_direction="inbound",
            call_answered=False,
            body_text="",
        )
    )
    assert post(sample("whatsapp_text.json")).status_code == 200
    ticket = only_ticket(api, "phone")
    assert ticket["id"] == call.ticket.pk
    assert ticket["latest_inbound_channel"] == "whatsapp"
    # customers.customer_resolve names a customer only when found by the same identity kind.
    assert ticket["customer"]["id"] == call.ticket.customer_id
    messages = messages_of(api, ticket["id"])
    assert [m["channel"] for m in messages] == ["phone", "whatsapp"]
    assert messages[1]["identity"]["value"] == "+31612345678"
    assert messages[1]["body_text"].startswith("Ik belde net")
    kinds = Identity.objects.filter(customer_id=call.ticket.customer_id).values_list(
        "kind", "value"
    )
    assert sorted(kinds) == [("phone", "+31612345678"), ("whatsapp", "+31612345678")]
    assert Customer.objects.count() == 1
    # Two contacts without an answer.
    assert ticket["unanswered_contacts"] == 2


def test_whatsapp_image_and_button_reply(api, social, post, files) -> None:  # type: ignore[no-untyped-def]
    files.get(f"{GRAPH}/{WA_MEDIA_ID}").respond(200, json={"url": WA_DOWNLOAD})
    files.get(WA_DOWNLOAD).respond(200, content=JPEG)
    for name in ("whatsapp_text.json", "whatsapp_image.json", "whatsapp_button_reply.json"):
        assert post(sample(name)).status_code == 200, name
    ticket = only_ticket(api, "whatsapp")
    texts = [m["body_text"] for m in messages_of(api, ticket["id"])]
    assert texts[1:] == ["Zo kwam de doos binnen\n[image]", "Stuur een nieuwe"]
    image = Message.objects.get(body_text__startswith="Zo kwam")
    assert image.meta["media"] == {
        "id": "1003383421387256",
        "mime_type": "image/jpeg",
        "sha256": "ODVk4HGGx2k3z3xH7V3rVQ6u8Iy1oZ5m0aP1gkYJv5U=",
    }
    button = Message.objects.get(body_text="Stuur een nieuwe")
    assert button.meta["interactive"] == {"type": "button_reply", "id": "send-new-one"}
    assert button.meta["reply_to"].startswith("wamid.")


def test_the_same_delivery_twice_is_one_message(api, social, post) -> None:  # type: ignore[no-untyped-def]
    body = sample("whatsapp_text.json")
    assert post(body).status_code == 200
    assert post(body).status_code == 200
    # Meta re-sends the same message id in a differently serialised delivery.
    assert post(json.dumps(json.loads(body)).encode()).status_code == 200
    assert InboundReceipt.objects.count() == 2
    assert Message.objects.count() == 1
    assert len(messages_of(api, only_ticket(api, "whatsapp")["id"])) == 1
    second = InboundReceipt.objects.order_by("pk").last()
    assert second.state == ReceiptState.DONE
    assert "duplicate" in second.error


def test_ticket_detail_queries_are_pinned(api, social, post, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    post(sample("whatsapp_text.json"))
    ticket = Ticket.objects.get()
    # groups, ticket, its SLA timers; the windows: the customer's social identities and the
    # last message per channel
    with django_assert_num_queries(5):
        response = api.get(f"/api/v1/tickets/{ticket.pk}/")
    assert response.status_code == 200


# --- replies and the 24-hour window ---------------------------------------------------------


def reply(api, ticket_id: int, capture, **data: Any):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return api.post(
            f"/api/v1/tickets/{ticket_id}/messages/", {"kind": "reply", **data}, format="json"
        )


def test_messenger_reply_goes_to_graph_and_its_delivery_receipt_updates_it(  # type: ignore[no-untyped-def]
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


def test_instagram_reply_uses_the_accounts_token(  # type: ignore[no-untyped-def]
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    route = graph.post("/me/messages").respond(
        200, json={"recipient_id": "3489227674482931", "message_id": "aWdfIGreplyX"}
    )
    post(sample("instagram_text.json"))
    ticket = only_ticket(api, "instagram")
    response = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Yes!")
    assert response.status_code == 201
    assert route.calls.last.request.headers["Authorization"] == "Bearer token-instagram-secret"
    assert json.loads(route.calls.last.request.content)["recipient"] == {"id": "3489227674482931"}
    assert Message.objects.get(pk=response.json()["id"]).provider_message_id == "aWdfIGreplyX"


def test_reply_outside_the_24_hour_window_is_refused(  # type: ignore[no-untyped-def]
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


def test_whatsapp_outside_the_window_refuses_text_and_sends_a_template(  # type: ignore[no-untyped-def]
    api, social, post, graph, django_capture_on_commit_callbacks, clock
) -> None:
    route = graph.post(f"/{WA_NUMBER_ID}/messages").respond(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": "31612345678", "wa_id": "31612345678"}],
            "messages": [{"id": WA_REPLY_ID}],
        },
    )
    post(sample("whatsapp_text.json"))
    ticket = only_ticket(api, "whatsapp")
    clock.shift(timedelta(days=2))
    refused = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Hoi Sanne")
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "the WhatsApp 24-hour window closed at 2026-06-17 10:00 CEST; send an approved template"
    )
    window = api.get(f"/api/v1/tickets/{ticket['id']}/").json()["messaging_windows"]
    assert window == [
        {
            "channel": "whatsapp",
            "open": False,
            "closes_at": "2026-06-17T10:00:00+02:00",
            "template_allowed": True,
        }
    ]
    sent = reply(
        api,
        ticket["id"],
        django_capture_on_commit_callbacks,
        template={"name": "order_update", "language": "nl"},
    )
    assert sent.status_code == 201, sent.content
    assert sent.json()["body_text"] == "WhatsApp template order_update (nl)"
    assert route.calls.last.request.headers["Authorization"] == "Bearer token-whatsapp-secret"
    assert json.loads(route.calls.last.request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "31612345678",
        "type": "template",
        "template": {"name": "order_update", "language": {"code": "nl"}},
    }
    message = Message.objects.get(pk=sent.json()["id"])
    assert (message.delivery_state, message.provider_message_id) == ("sent", WA_REPLY_ID)
    assert message.meta["template"] == {"name": "order_update", "language": "nl"}
    # Meta's status webhook: delivered.
    assert post(sample("whatsapp_status_delivered.json")).status_code == 200
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.DELIVERED


def test_whatsapp_text_inside_the_window(  # type: ignore[no-untyped-def]
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    route = graph.post(f"/{WA_NUMBER_ID}/messages").respond(
        200, json={"messaging_product": "whatsapp", "messages": [{"id": WA_REPLY_ID}]}
    )
    post(sample("whatsapp_text.json"))
    ticket = only_ticket(api, "whatsapp")
    response = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Hoi!")
    assert response.status_code == 201
    assert json.loads(route.calls.last.request.content)["text"] == {
        "preview_url": False,
        "body": "Hoi!",
    }
    # A failed status names Meta's reason.
    assert post(sample("whatsapp_status_failed.json")).status_code == 200
    message = Message.objects.get(pk=response.json()["id"])
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error.startswith("131047 Re-engagement message: Message failed")


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ({"name": "Order Update!", "language": "nl"}, "template name"),
        ({"name": "order_update", "language": "dutch"}, "template language"),
    ],
)
def test_bad_templates_are_refused(api, social, post, template, reason) -> None:  # type: ignore[no-untyped-def]
    post(sample("whatsapp_text.json"))
    ticket = only_ticket(api, "whatsapp")
    response = api.post(
        f"/api/v1/tickets/{ticket['id']}/messages/",
        {"kind": "reply", "template": template},
        format="json",
    )
    assert response.status_code == 400
    assert reason in response.json()["detail"]


def test_templates_are_whatsapp_only(api, social, post) -> None:  # type: ignore[no-untyped-def]
    post(sample("messenger_text.json"))
    ticket = only_ticket(api, "facebook")
    response = api.post(
        f"/api/v1/tickets/{ticket['id']}/messages/",
        {"kind": "reply", "template": {"name": "order_update", "language": "nl"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "only WhatsApp replies can be approved templates"


# --- Graph API errors: retried or failed ----------------------------------------------------


def _messenger_reply(api, post, capture) -> Message:  # type: ignore[no-untyped-def]
    post(sample("messenger_text.json"))
    ticket = only_ticket(api, "facebook")
    response = reply(api, ticket["id"], capture, body_text="Hoi!")
    assert response.status_code == 201
    return Message.objects.get(pk=response.json()["id"])


def test_graph_500_is_retried(  # type: ignore[no-untyped-def]
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
def test_graph_rate_limit_is_retried(  # type: ignore[no-untyped-def]
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


def test_graph_timeout_is_retried(  # type: ignore[no-untyped-def]
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    graph.post(f"/{PAGE_ID}/messages").mock(side_effect=httpx.ReadTimeout("slow"))
    message = _messenger_reply(api, post, django_capture_on_commit_callbacks)
    assert message.delivery_state == DeliveryState.QUEUED
    assert "did not answer in time" in message.delivery_error


def test_graph_400_fails_with_the_reason(  # type: ignore[no-untyped-def]
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


def test_a_deactivated_account_fails_the_send(  # type: ignore[no-untyped-def]
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


# --- files customers send: copied into our storage while the links still work ---------------

CDN_IMAGE = "https://scontent.xx.fbcdn.net/v/t1.15752-9/432158_doos_kapot_n.jpg?_nc_cat=1&oh=00_AfB1&oe=6A1C2F3B"
WA_MEDIA_ID = "1003383421387256"
WA_DOWNLOAD = f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={WA_MEDIA_ID}"
JPEG = b"\xff\xd8\xff\xe0" + b"doos" * 500


@pytest.fixture
def files():  # type: ignore[no-untyped-def]
    """Meta's CDN and Graph API, faked; nothing else may be called."""
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def attachments_of(api, channel: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    (message,) = [m for m in messages_of(api, only_ticket(api, channel)["id"]) if m["attachments"]]
    return message["attachments"]


def test_a_messenger_photo_is_copied_from_the_cdn_without_our_token(  # type: ignore[no-untyped-def]
    api, social, post, files
) -> None:
    cdn = files.get(CDN_IMAGE).respond(200, content=JPEG, headers={"content-type": "image/jpeg"})
    assert post(sample("messenger_attachment.json")).status_code == 200

    [photo] = attachments_of(api, "facebook")
    assert (photo["filename"], photo["content_type"], photo["size"]) == (
        "432158_doos_kapot_n.jpg",
        "image/jpeg",
        len(JPEG),
    )
    download = api.get(photo["url"])
    assert download.getvalue() == JPEG
    assert download["Content-Disposition"] == 'attachment; filename="432158_doos_kapot_n.jpg"'
    assert download["Content-Security-Policy"] == "sandbox"
    assert Client().get(photo["url"]).status_code in (401, 403)  # customers' files: agents only
    assert api.get("/api/v1/attachments/999999/").status_code == 404
    assert "authorization" not in cdn.calls.last.request.headers
    # Delivered again by Meta: nothing fetched twice.
    assert post(sample("messenger_attachment.json")).status_code == 200
    assert cdn.call_count == 1


def test_a_whatsapp_photo_is_resolved_and_fetched_with_the_numbers_token(  # type: ignore[no-untyped-def]
    api, social, post, files
) -> None:
    lookup = files.get(f"{GRAPH}/{WA_MEDIA_ID}").respond(
        200, json={"url": WA_DOWNLOAD, "mime_type": "image/jpeg", "id": WA_MEDIA_ID}
    )
    download = files.get(WA_DOWNLOAD).respond(200, content=JPEG)
    assert post(sample("whatsapp_image.json")).status_code == 200

    [photo] = attachments_of(api, "whatsapp")
    assert (photo["filename"], photo["content_type"]) == ("image.jpg", "image/jpeg")
    for route in (lookup, download):
        assert route.calls.last.request.headers["authorization"] == "Bearer token-whatsapp-secret"


def test_an_expired_link_is_named_on_the_message(api, social, post, files) -> None:  # type: ignore[no-untyped-def]
    files.get(CDN_IMAGE).respond(403)
    assert post(sample("messenger_attachment.json")).status_code == 200
    (message,) = messages_of(api, only_ticket(api, "facebook")["id"])
    assert message["attachments"] == []
    assert message["omitted_attachments"] == ["image: the file server answered 403"]
    # The link stays in the text, for what it is still worth.
    assert message["body_text"].startswith("[image] https://scontent.xx.fbcdn.net/")


def test_a_file_over_the_limit_is_named_not_stored(api, social, post, files, settings) -> None:  # type: ignore[no-untyped-def]
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1000
    files.get(f"{GRAPH}/{WA_MEDIA_ID}").respond(200, json={"url": WA_DOWNLOAD})
    files.get(WA_DOWNLOAD).respond(200, content=JPEG)  # 2004 bytes
    assert post(sample("whatsapp_image.json")).status_code == 200
    image = Message.objects.get(body_text__startswith="Zo kwam")
    assert image.attachments.count() == 0
    assert image.meta["omitted_attachments"] == ["image: too large: 2.0 KB (limit 1.0 KB)"]


@pytest.fixture
def retries_inline():  # type: ignore[no-untyped-def]
    """Eager tasks retry inline (Celery re-applies them) only when errors do not propagate."""
    from helpdesk.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def test_a_cdn_hiccup_is_retried_and_the_file_stored_once(  # type: ignore[no-untyped-def]
    api, social, post, files, retries_inline
) -> None:
    cdn = files.get(CDN_IMAGE)
    cdn.side_effect = [
        httpx.Response(503),
        httpx.ConnectTimeout("slow"),
        httpx.Response(200, content=JPEG, headers={"content-type": "image/jpeg"}),
    ]
    assert post(sample("messenger_attachment.json")).status_code == 200
    assert cdn.call_count == 3
    assert [a["size"] for a in attachments_of(api, "facebook")] == [len(JPEG)]


def test_a_cdn_that_never_recovers_is_given_up_and_named(  # type: ignore[no-untyped-def]
    api, social, post, files, retries_inline
) -> None:
    cdn = files.get(CDN_IMAGE).respond(502)
    assert post(sample("messenger_attachment.json")).status_code == 200
    assert cdn.call_count == 6  # the first try and five retries
    (message,) = messages_of(api, only_ticket(api, "facebook")["id"])
    assert message["omitted_attachments"] == ["image: gave up: the file server answered 502"]
