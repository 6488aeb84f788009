"""The chat widget's HTTP side: config with CORS per widget and texts in three languages,
the demo page with its one script tag, the widget script itself and the demo seed."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.management import call_command

from channels_inbox.models import ChatWidget
from channels_inbox.services import chat_agent_present

SHOP = "https://www.shop.test"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    cache.clear()


@pytest.fixture
def widget() -> ChatWidget:
    return ChatWidget.objects.create(
        name="Shop", key="shop", allowed_origins=[SHOP], prechat_form=False
    )


def test_config_for_an_allowed_origin_is_readable_cross_site(
    client: Any, widget: ChatWidget, django_assert_num_queries: Any
) -> None:
    # The typical reply and the promise are computed once and cached (minutes): a page view
    # with the widget then reads only the widget.
    client.get("/chat/shop/config", HTTP_ORIGIN=SHOP)
    with django_assert_num_queries(1):
        response = client.get("/chat/shop/config", HTTP_ORIGIN=SHOP)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "Origin" in response["Vary"]
    assert response["Cache-Control"] == "no-store"
    body = response.json()
    assert body["widget"] == "shop"
    assert body["websocket"] == "/ws/chat/shop/"
    assert body["prechat_form"] is False
    assert body["agents_online"] is False
    assert body["language"] == "en"
    assert body["texts"]["send"] == "Send"


def test_config_says_when_an_agent_is_online(client: Any, widget: ChatWidget, agent: Any) -> None:
    chat_agent_present(user_id=agent.pk, channel_name="tab-1")
    assert client.get("/chat/shop/config", HTTP_ORIGIN=SHOP).json()["agents_online"] is True


def test_config_for_another_origin_is_refused_without_cors(client: Any, widget: ChatWidget) -> None:
    response = client.get("/chat/shop/config", HTTP_ORIGIN="https://evil.test")
    assert response.status_code == 403
    assert "Access-Control-Allow-Origin" not in response


def test_config_of_an_unknown_widget_is_404(client: Any, widget: ChatWidget) -> None:
    assert client.get("/chat/nope/config", HTTP_ORIGIN=SHOP).status_code == 404


@pytest.mark.parametrize(
    ("query", "accept", "language", "send", "offline_starts"),
    [
        ("?lang=nl-NL", "", "nl", "Versturen", "Er is nu niemand online"),
        ("?lang=pl", "nl", "pl", "Wyślij", "Nikogo z nas nie ma"),
        ("", "pl-PL,pl;q=0.9", "pl", "Wyślij", "Nikogo z nas nie ma"),
        ("?lang=de", "", "en", "Send", "No one is online"),
    ],
)
def test_texts_come_in_the_visitors_language(
    client: Any,
    widget: ChatWidget,
    query: str,
    accept: str,
    language: str,
    send: str,
    offline_starts: str,
) -> None:
    response = client.get(
        f"/chat/shop/config{query}", HTTP_ORIGIN=SHOP, HTTP_ACCEPT_LANGUAGE=accept
    )
    body = response.json()
    assert body["language"] == language
    assert body["texts"]["send"] == send
    assert body["texts"]["offline"].startswith(offline_starts)
    assert "%(name)s" in body["texts"]["typing"]


def test_every_widget_text_is_translated_in_dutch_and_polish(
    client: Any, widget: ChatWidget
) -> None:
    english = client.get("/chat/shop/config?lang=en", HTTP_ORIGIN=SHOP).json()["texts"]
    for lang in ("nl", "pl"):
        texts = client.get(f"/chat/shop/config?lang={lang}", HTTP_ORIGIN=SHOP).json()["texts"]
        same = {k for k, v in texts.items() if v == english[k]}
        # "Chat" is also the Dutch word for it.
        assert same <= ({"open"} if lang == "nl" else set()), (lang, same)


def test_the_demo_page_embeds_the_widget_with_one_script_tag(client: Any) -> None:
    call_command("seed_chat_demo", stdout=StringIO())
    response = client.get("/chat/demo/")
    assert response.status_code == 200
    tags = re.findall(r"<script [^>]*>", response.content.decode())
    assert tags == ['<script src="/static/chat/widget.js" data-widget="demo" async>']


def test_seed_chat_demo_is_idempotent_and_keeps_admin_edits(settings: Any) -> None:
    out = StringIO()
    call_command("seed_chat_demo", stdout=out)
    widget = ChatWidget.objects.get(key="demo")
    assert widget.allowed_origins == ["http://127.0.0.1:8000", "http://localhost:8000"]
    widget.allowed_origins = [*widget.allowed_origins, "https://admin-added.test"]
    widget.save()
    call_command("seed_chat_demo", "--origin", "http://127.0.0.1:9999", stdout=out)
    assert ChatWidget.objects.count() == 1
    assert ChatWidget.objects.get().allowed_origins == [
        "http://127.0.0.1:8000",
        "http://localhost:8000",
        "https://admin-added.test",
        "http://127.0.0.1:9999",
    ]


def test_the_widget_script_is_our_own_readable_code() -> None:
    path = finders.find("chat/widget.js")
    assert path
    source = open(path, encoding="utf-8").read()  # noqa: SIM115
    lines = source.splitlines()
    assert max(len(line) for line in lines) <= 110  # hand-written, not minified
    assert "innerHTML" not in source  # network text only ever goes in as textContent
    assert "new URL(script.src" in source  # the server is where the script came from
