"""The widget in a real browser: a plain page on another origin embeds it with one script
tag, a visitor chats in headless Chromium, the message lands on a ticket and the agent's
reply shows up live. The app runs under uvicorn (HTTP + websockets) on the test database."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from channels_inbox.models import ChatWidget
from tests.browser import in_thread
from tests.waiting import wait_until
from tickets.models import Direction, Message
from tickets.services import reply_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOT = Path("/tmp/chat-widget.png")  # noqa: S108 - for the lead to look at


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright(django_db_setup: Any) -> Iterator[None]:
    """The test database exists before Playwright starts its event loop in this thread, and
    the sync ORM may run beside that loop until the session ends (STACK.md, trap 2). Browser
    tests run last, so no async test runs with the check switched off."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def test_a_visitor_on_another_website_chats_with_an_agent(
    page: Page, shop_site: str, django_user_model: Any
) -> None:
    ChatWidget.objects.create(name="Bike shop", key="shop", allowed_origins=[shop_site])
    agent = django_user_model.objects.create_user(
        username="anna", password="pw-anna-123", first_name="Anna"
    )
    agent.groups.add(Group.objects.get_or_create(name="Agents")[0])

    page.set_viewport_size({"width": 900, "height": 640})
    page.goto(f"{shop_site}/?lang=nl")
    page.get_by_role("button", name="Chat", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Er is nu niemand online")
    page.get_by_placeholder("Uw naam").fill("Eva de Boer")
    page.get_by_placeholder("Uw e-mailadres (optioneel)").fill("eva@example.com")
    page.get_by_role("button", name="Chat starten").click()
    page.get_by_placeholder("Typ een bericht…").fill("Hebben jullie een binnenband 28 inch?")
    page.get_by_role("button", name="Versturen").click()

    visitor_bubble = page.locator(".msg.visitor")
    expect(visitor_bubble).to_contain_text("binnenband 28 inch")
    expect(visitor_bubble).not_to_have_class(re.compile("pending"))  # acknowledged

    message = wait_until(
        lambda: (
            Message.objects.select_related("ticket__customer", "identity")
            .filter(channel="chat", direction=Direction.INBOUND)
            .first()
        ),
        timeout=15,
        message="the visitor's message in the database",
    )
    assert message.body_text == "Hebben jullie een binnenband 28 inch?"
    assert message.identity.kind == "chat"
    ticket = message.ticket
    assert ticket.channel == "chat"
    assert ticket.customer.name == "Eva de Boer"
    assert set(ticket.customer.identities.values_list("kind", flat=True)) == {"chat", "email"}

    in_thread(
        lambda: reply_create(
            ticket=ticket,
            author=agent,
            body_text="Ja, die hebben we op voorraad. Zal ik er een reserveren?",
            channel="chat",
        )
    )
    expect(page.locator(".msg.agent")).to_contain_text("op voorraad")
    expect(page.locator(".msg.agent .who")).to_have_text("Anna")
    page.screenshot(path=str(SCREENSHOT))

    # A reload resumes the same conversation: nothing lost, nothing doubled.
    page.reload()
    page.get_by_role("button", name="Chat sluiten").wait_for()
    expect(page.locator(".msg")).to_have_count(2)
    assert Message.objects.filter(channel="chat", direction=Direction.INBOUND).count() == 1
