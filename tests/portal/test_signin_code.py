"""Sign-in by a 6-digit WhatsApp code: the same answer for known and unknown numbers, the
code through the real Graph API client (respx fakes Meta), wrong tries, expiry, single use,
rate limits, the template outside the 24-hour window, and never a staff account."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest
import respx
import time_machine
from django.core.cache import cache
from django.utils import timezone

from channels_inbox.models import SocialAccount
from portal.signin import account_for
from tests.portal.test_signin import page
from tickets.models import Message

pytestmark = pytest.mark.django_db

GRAPH = "https://graph.meta.test/v21.0"
NUMBER = "+48601234567"
CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture(autouse=True)
def _fresh_codes() -> None:
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter("*portal:code:*"):
        client.delete(key)


@pytest.fixture
def meta(settings: Any) -> Any:
    settings.META_GRAPH_URL = GRAPH
    SocialAccount.objects.create(
        platform="whatsapp", external_id="1065", name="Shop", access_token="token-wa"
    )
    with respx.mock(base_url=GRAPH, assert_all_called=False) as mock:
        mock.post("/1065/messages").mock(
            return_value=httpx.Response(200, json={"messages": [{"id": "wamid.1"}]})
        )
        yield mock


@pytest.fixture
def kasia(ask: Any) -> Any:
    customer = ask(NUMBER, "Gdzie jest moje zamówienie?", channel="whatsapp")
    customer.language = "pl"
    customer.save()
    return customer


def sent(meta: Any) -> list[dict[str, Any]]:
    return [json.loads(call.request.content) for call in meta.calls]


def code_sent(meta: Any) -> str:
    body = sent(meta)[-1]
    text = body["text"]["body"] if body["type"] == "text" else json.dumps(body["template"])
    match = CODE.search(text)
    assert match, body
    return match.group(1)


def ask_code(client: Any, typed: str = "+48 601 234 567") -> Any:
    return client.post("/support/signin/", {"email": typed})


def enter(client: Any, code: str, number: str = NUMBER) -> Any:
    return client.post("/support/signin-code/", {"number": number, "code": code})


def test_a_known_and_an_unknown_number_get_the_same_page(client, meta, kasia) -> None:
    known = ask_code(client)
    unknown = ask_code(client, "+48 601 999 888")
    assert known.status_code == unknown.status_code == 200
    assert page(known).replace(NUMBER.encode(), b"X") == page(unknown).replace(
        b"+48601999888", b"X"
    )
    assert "If +48601234567 is a number we know" in known.content.decode()
    assert len(meta.calls) == 1


def test_the_code_arrives_by_whatsapp_in_polish_and_signs_in(client, meta, kasia) -> None:
    messages_before = Message.objects.count()
    ask_code(client)
    body = sent(meta)[0]
    assert body["to"] == "48601234567"
    assert body["type"] == "text"
    assert meta.calls[0].request.headers["Authorization"] == "Bearer token-wa"
    assert "10" in body["text"]["body"]  # minutes; the wording is the customer's language
    # Not a ticket message: nothing new on any timeline.
    assert Message.objects.count() == messages_before
    response = enter(client, code_sent(meta))
    assert response.status_code == 302
    assert response.url == "/support/"
    assert "Gdzie jest moje" in client.get("/support/").content.decode()
    assert client.session.get_expiry_age() == 30 * 60


def test_five_wrong_codes_void_the_code(client, meta, kasia) -> None:
    ask_code(client)
    code = code_sent(meta)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(4):
        response = enter(client, wrong)
        assert response.status_code == 400
        assert "That code is not right" in response.content.decode()
    fifth = enter(client, wrong)
    assert fifth.status_code == 410
    assert "fifth wrong code" in fifth.content.decode()
    right = enter(client, code)
    assert right.status_code == 410
    assert "no longer works" in right.content.decode()
    assert client.get("/support/").status_code == 302


def test_an_expired_code_signs_nobody_in(client, meta, kasia) -> None:
    ask_code(client)
    code = code_sent(meta)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = enter(client, code)
    assert response.status_code == 410
    assert "expired or has been used" in response.content.decode()
    assert client.get("/support/").status_code == 302


def test_a_code_signs_in_once(client, meta, kasia) -> None:
    ask_code(client)
    code = code_sent(meta)
    assert enter(client, code).status_code == 302
    client.post("/support/signout/")
    again = enter(client, code)
    assert again.status_code == 410
    assert client.get("/support/").status_code == 302


def test_a_new_code_replaces_the_last(client, meta, kasia) -> None:
    ask_code(client)
    first = code_sent(meta)
    ask_code(client)
    second = code_sent(meta)
    if first != second:
        assert enter(client, first).status_code == 400
    assert enter(client, second).status_code == 302


def test_codes_are_limited_per_number_and_per_ip(client, meta, kasia, settings) -> None:
    for _ in range(5):
        assert ask_code(client).status_code == 200
    limited = ask_code(client)
    assert limited.status_code == 429
    assert "wait an hour" in limited.content.decode()
    assert len(meta.calls) == 5
    settings.PORTAL_LINKS_PER_IP = 8
    for n in range(2):
        assert ask_code(client, f"+4860123450{n}").status_code == 200
    assert ask_code(client, "+48601234509").status_code == 429


def test_outside_the_window_the_approved_template_carries_the_code(
    client, meta, kasia, settings
) -> None:
    settings.PORTAL_WHATSAPP_CODE_TEMPLATE = "signin_code"
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        ask_code(client)
        template = sent(meta)[0]["template"]
        assert template["name"] == "signin_code"
        assert template["language"] == {"code": "pl"}
        code = template["components"][0]["parameters"][0]["text"]
        assert enter(client, code).status_code == 302


def test_outside_the_window_without_a_template_nothing_is_sent(client, meta, kasia) -> None:
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = ask_code(client)
    assert response.status_code == 200
    assert "If +48601234567 is a number we know" in response.content.decode()
    assert meta.calls == []


def test_a_graph_error_still_answers_the_same(client, meta, kasia) -> None:
    meta.post("/1065/messages").mock(
        return_value=httpx.Response(400, json={"error": {"code": 131026, "message": "no"}})
    )
    assert ask_code(client).status_code == 200


def test_an_agents_account_never_signs_in_by_code(client, meta, kasia) -> None:
    from django.contrib.auth.models import Group

    user = account_for(kasia)
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    ask_code(client)
    assert meta.calls == []
    # Even a code issued before the account became staff signs nobody in.
    user.groups.clear()
    ask_code(client)
    code = code_sent(meta)
    user.groups.add(Group.objects.get(name="Agents"))
    assert enter(client, code).status_code == 410
    assert client.get("/support/").status_code == 302


def test_an_invalid_number_or_code_is_told_so(client, meta, kasia) -> None:
    response = ask_code(client, "12")
    assert response.status_code == 400
    assert "does not look like an email address or a phone number" in response.content.decode()
    ask_code(client)
    short = enter(client, "12ab")
    assert short.status_code == 400
    assert "6 digits" in short.content.decode()
