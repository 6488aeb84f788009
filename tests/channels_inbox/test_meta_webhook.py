"""The Meta webhook itself (Messenger, Instagram, WhatsApp Cloud API share it): the verify-token
handshake, signatures, account routing, unreadable bodies, duplicate deliveries."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from channels_inbox.models import InboundReceipt, ReceiptState, SocialAccount
from customers.models import Customer
from tests.channels_inbox.meta_helpers import (
    PAGE_ID,
    VERIFY_TOKEN,
    WA_NUMBER_ID,
    messages_of,
    only_ticket,
    sample,
    sign,
)
from tickets.models import Message, Ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meta_settings", "clock")]


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


def test_verify_refused_when_no_token_is_configured(settings) -> None:
    settings.META_VERIFY_TOKEN = ""
    response = Client().get(
        "/webhooks/meta/", {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    )
    assert response.status_code == 403


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
def test_bad_signature_is_refused_and_nothing_written(social, post, signature: str) -> None:
    response = post(sample("messenger_text.json"), signature=signature)
    assert response.status_code == 403
    assert InboundReceipt.objects.count() == 0
    assert Ticket.objects.count() == Customer.objects.count() == 0


def test_nothing_is_accepted_without_an_app_secret(social, post, settings) -> None:
    settings.META_APP_SECRET = ""
    body = sample("messenger_text.json")
    assert post(body, signature=sign(body, secret="")).status_code == 403
    assert InboundReceipt.objects.count() == 0


def test_unknown_account_is_refused_and_nothing_written(post, caplog) -> None:
    for name in ("messenger_text.json", "instagram_text.json", "whatsapp_text.json"):
        response = post(sample(name))
        assert response.status_code == 403, name
    assert InboundReceipt.objects.count() == 0
    assert Ticket.objects.count() == Customer.objects.count() == 0
    assert f"facebook:{PAGE_ID}" in caplog.text
    assert f"whatsapp:{WA_NUMBER_ID}" in caplog.text


def test_inactive_account_is_refused(social, post) -> None:
    SocialAccount.objects.filter(platform="facebook").update(active=False)
    assert post(sample("messenger_text.json")).status_code == 403
    assert InboundReceipt.objects.count() == 0


def test_a_batch_with_an_unknown_page_keeps_the_known_pages_events(api, social, post) -> None:
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


def test_not_json_is_refused(social, post) -> None:
    # Signed but unreadable: refused, and kept as a failed receipt for the admins (issue 10;
    # more cases in tests/helpdesk/test_nested_json.py).
    assert post(b"object=page").status_code == 400
    receipt = InboundReceipt.objects.get()
    assert (receipt.state, receipt.error.startswith("not JSON")) == (ReceiptState.FAILED, True)


def test_database_down_answers_503_so_meta_retries(social, post, monkeypatch) -> None:
    from channels_inbox.services import meta as meta_services

    def down(**kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(meta_services, "receipt_store", down)
    response = post(sample("messenger_text.json"))
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


def test_the_same_delivery_twice_is_one_message(api, social, post) -> None:
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
