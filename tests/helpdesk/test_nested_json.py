"""Deeply nested JSON (`[[[[…]]]]`) sent from outside: the API, the Meta webhook and the chat
websocket answer it as bad input (400 / an error frame), never with a 500 or a dead socket."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client
from rest_framework.authtoken.models import Token

from channels_inbox.models import ChatWidget, InboundReceipt, ReceiptState, SocialAccount
from helpdesk.asgi import application
from helpdesk.parsers import MAX_JSON_DEPTH, JSONTooDeep, json_loads_bounded
from tests.factories import inbound
from tickets.models import Message, Team
from tickets.services import message_ingest

APP_SECRET = "meta-app-secret-test"
PAGE_ID = "106123456789012"
DEEP = "[" * 100_000 + "]" * 100_000


def nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


def sign(body: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()


# --- the loader ----------------------------------------------------------------------------


def test_loader_takes_ordinary_json() -> None:
    assert json_loads_bounded(nested(MAX_JSON_DEPTH)) is not None
    assert json_loads_bounded(b'{"a": [1, {"b": "[[[["}]}') == {"a": [1, {"b": "[[[["}]}


@pytest.mark.parametrize("text", [DEEP, nested(MAX_JSON_DEPTH + 1), "[" * 600 + "]" * 600])
def test_loader_refuses_deep_json_as_a_value_error(text: str) -> None:
    with pytest.raises(JSONTooDeep, match="nested deeper than") as caught:
        json_loads_bounded(text)
    assert isinstance(caught.value, ValueError)


# --- the REST API --------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_endpoint_answers_400_to_deep_json() -> None:
    response = Client().post("/api/v1/auth/token/", DEEP, content_type="application/json")
    assert response.status_code == 400, response.content[:200]
    assert "nested deeper than" in response.json()["detail"]


@pytest.mark.django_db
def test_token_endpoint_still_takes_json(agent: Any) -> None:
    response = Client().post(
        "/api/v1/auth/token/",
        {"username": "agent1", "password": "pw-agent-1"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["token"] == Token.objects.get(user=agent).key


@pytest.mark.django_db
@pytest.mark.parametrize("body", [DEEP, nested(MAX_JSON_DEPTH + 1)])
def test_api_post_answers_400_to_deep_json(agent: Any, body: str) -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    token = Token.objects.create(user=agent)
    response = Client().post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token.key}",
    )
    assert response.status_code == 400, response.content[:200]
    assert "nested deeper than" in response.json()["detail"]
    assert Message.objects.filter(ticket=ticket).count() == 1


# --- the Meta webhook ----------------------------------------------------------------------


@pytest.fixture
def meta(settings: Any) -> SocialAccount:
    settings.META_APP_SECRET = APP_SECRET
    return SocialAccount.objects.create(
        platform="facebook",
        external_id=PAGE_ID,
        name="Shop on facebook",
        access_token="token-facebook-secret",
        team=Team.objects.create(name="Social"),
    )


def post_meta(body: bytes, signature: str | None = None) -> Any:
    return Client().post(
        "/webhooks/meta/",
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign(body) if signature is None else signature,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (DEEP.encode(), "nested deeper than"),
        (nested(MAX_JSON_DEPTH + 1).encode(), "nested deeper than"),
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
    ],
)
def test_signed_unreadable_meta_delivery_is_kept_as_failed(
    meta: SocialAccount, body: bytes, reason: str
) -> None:
    response = post_meta(body)
    assert response.status_code == 400, response.content[:200]
    assert reason in response.content.decode()
    receipt = InboundReceipt.objects.get()
    assert receipt.provider == "meta"
    assert receipt.channel == "meta"
    assert receipt.state == ReceiptState.FAILED
    assert reason in receipt.error
    assert bytes(receipt.body) == body
    assert receipt.processed_at is not None
    # Meta retries a 400: the same body is still one receipt, still failed.
    assert post_meta(body).status_code == 400
    assert InboundReceipt.objects.get().state == ReceiptState.FAILED


@pytest.mark.django_db
def test_unsigned_deep_meta_delivery_is_refused_and_not_kept(meta: SocialAccount) -> None:
    response = post_meta(DEEP.encode(), signature="sha256=" + "0" * 64)
    assert response.status_code == 403
    assert not InboundReceipt.objects.exists()


# --- the chat websocket --------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_deep_chat_frame_gets_an_error_not_a_dead_socket() -> None:
    cache.clear()
    await ChatWidget.objects.acreate(
        name="Shop", key="shop", allowed_origins=["https://www.shop.test"]
    )
    communicator = WebsocketCommunicator(
        application,
        "/ws/chat/shop/",
        headers=[(b"host", b"127.0.0.1"), (b"origin", b"https://www.shop.test")],
    )
    connected, _ = await communicator.connect()
    assert connected
    # The largest frame the consumer reads (20,000 characters) nests 10,000 deep.
    await communicator.send_to(text_data="[" * 10_000 + "]" * 10_000)
    frame = await communicator.receive_json_from(timeout=5)
    assert frame["code"] == "bad_frame"
    assert "nested deeper than" in frame["detail"]
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from(timeout=5) == {"type": "pong"}
    await communicator.disconnect()
