"""Live chat and the bell in headless Chromium on the real ASGI server.

A visitor chats through the widget embedded on a plain page of another origin; the agent
sees the chat appear on /desk/chats/ without a reload, with a ticking wait, opens it, sees
the visitor typing, types (the visitor sees it) and answers with Enter, and the answer shows
in the widget. The bell rings without a reload when someone assigns the agent a ticket, and
opening the ticket reads it. axe-core on each screen; screenshots at 1280 and 768 px."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from channels_inbox.models import ChatWidget
from tests.browser import in_thread
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.services import message_ingest, ticket_assign

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


def test_a_visitor_chats_and_the_agent_answers_from_the_desk(
    page: Page, browser: Browser, asgi_server: str, shop_site: str, signed_in, make_agent
) -> None:
    ChatWidget.objects.create(name="Bike shop", key="shop", allowed_origins=[shop_site])
    anna = make_agent("anna", first_name="Anna")
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/chats/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Live chats")
    expect(page.get_by_text("Nobody is waiting")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-socket-chat", "open")

    visitor = browser.new_context(locale="en-GB").new_page()
    visitor.set_viewport_size({"width": 900, "height": 640})
    visitor.goto(shop_site)
    visitor.get_by_role("button", name="Chat", exact=True).click()
    # The open chat view is what makes an agent online for the widget.
    expect(visitor.get_by_role("status")).to_contain_text("We are online")
    visitor.get_by_placeholder("Your name").fill("Eva de Boer")
    visitor.get_by_role("button", name="Start chat").click()
    widget_input = visitor.get_by_placeholder("Type a message…")
    widget_input.fill("Do you have 28 inch inner tubes?")
    visitor.get_by_role("button", name="Send").click()

    # On the board without a reload, under "waiting", with a wait that ticks.
    row = page.locator(".chat-row", has_text="Eva de Boer")
    expect(row).to_be_visible()
    expect(row).to_contain_text("Do you have 28 inch inner tubes?")
    expect(page.locator("#chats-waiting")).to_contain_text("1")
    expect(page.locator("#chats-status")).to_have_text("New chat from Eva de Boer.")
    wait = row.locator("time[data-wait-since]")
    expect(wait).to_have_text(re.compile(r"\d+\s*s"))
    shown = wait.inner_text()
    expect(wait).not_to_have_text(shown)
    assert serious(Axe().run(page)) == []
    shot(page, "chat-board")
    page.set_viewport_size({"width": 768, "height": 900})
    shot(page, "chat-board-narrow")
    page.emulate_media(color_scheme="dark")
    shot(page, "chat-board-dark")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 800})

    row_ticket = row.get_attribute("data-ticket")
    row.locator(".row-link").click()
    strip = page.locator("#chat-live")
    expect(strip).to_contain_text("In the chat now")
    expect(strip.locator("time[data-wait-since]")).to_have_text(re.compile(r"\d"))
    expect(page.locator("body")).to_have_attribute("data-socket-chat", "open")

    # The visitor types (without sending): the agent sees it.
    widget_input.press_sequentially("And valves?", delay=40)
    expect(page.locator("#chat-typing")).to_have_text("Eva de Boer is typing…")

    # The agent types a chat reply in the composer: the visitor sees it; a note is never
    # shown to them as typing.
    composer = page.locator(f"#composer-{row_ticket}")
    body = composer.locator("[data-composer-body]")
    composer.get_by_role("button", name=re.compile("^Note")).click()
    body.press_sequentially("Check stock in the back", delay=20)
    expect(visitor.locator(".typing")).to_have_text("")
    body.fill("")
    composer.get_by_role("button", name=re.compile("^Reply")).click()
    body.press_sequentially("Yes, 28 inch tubes are in stock", delay=20)
    expect(visitor.locator(".typing")).to_have_text("Anna is typing…")
    assert serious(Axe().run(page)) == []
    shot(page, "chat-ticket")
    composer.get_by_role("button", name="Send", exact=True).click()
    expect(visitor.locator(".msg.agent")).to_contain_text("Yes, 28 inch tubes are in stock")
    expect(visitor.locator(".msg.agent .who")).to_have_text("Anna")
    expect(visitor.locator(".typing")).to_have_text("")
    expect(page.locator("#chat-state")).to_contain_text("Answered")
    # The widget says "stopped typing" after a pause: the line clears by itself.
    expect(page.locator("#chat-typing")).to_have_text("", timeout=10_000)
    shot(visitor, "chat-widget-answered")
    page.set_viewport_size({"width": 768, "height": 1000})
    shot(page, "chat-ticket-narrow")
    visitor.context.close()


def test_the_bell_rings_live_and_opening_the_ticket_reads_it(
    page: Page, asgi_server: str, signed_in, make_agent
) -> None:
    anna = make_agent("anna", first_name="Anna")
    boss = make_agent("boss", first_name="Bea", manager=True)
    ticket = message_ingest(data=inbound(subject="Bike arrived with a broken bell")).ticket
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/")
    count = page.locator("#bell-count")
    expect(page.locator("#bell-items")).to_contain_text("Nothing new")
    expect(count).to_be_hidden()
    expect(page.locator("body")).to_have_attribute("data-socket-notifications", "open")

    in_thread(lambda: ticket_assign(ticket=ticket, agent=anna, by=boss))

    expect(count).to_have_text(re.compile(r"^1"))
    expect(page.locator("#bell-status")).to_have_text("New notification.")
    summary = page.locator("#bell summary")
    expect(summary).to_have_accessible_name(re.compile(r"Notifications\s+1 unread"))
    summary.focus()
    page.keyboard.press("Enter")
    link = page.locator("#bell").get_by_role("link", name=re.compile("broken bell"))
    expect(link).to_be_visible()
    expect(link).to_contain_text("Assigned to you")
    assert serious(Axe().run(page)) == []
    shot(page, "bell-open")
    page.set_viewport_size({"width": 768, "height": 900})
    shot(page, "bell-open-narrow")
    page.emulate_media(color_scheme="dark")
    assert serious(Axe().run(page)) == []
    shot(page, "bell-open-dark")
    page.emulate_media(color_scheme="light")
    page.keyboard.press("Escape")
    expect(page.locator("#bell")).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()

    page.keyboard.press("Enter")
    link.click()
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{ticket.pk}/")
    # Opening the ticket read its notification: the badge goes, here and in other tabs.
    expect(page.locator("#bell-items .bell-item")).to_have_count(1)  # the menu has loaded
    expect(count).to_be_hidden()
    summary.click()
    expect(page.locator("#bell .bell-item.unread")).to_have_count(0)
    expect(page.locator("#bell .bell-item")).to_have_count(1)

    page.goto(f"{asgi_server}/desk/notifications/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("0 unread")
    expect(page.locator("main .bell-item")).to_have_count(1)
    assert serious(Axe().run(page)) == []
    shot(page, "bell-list")
