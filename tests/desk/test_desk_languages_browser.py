"""The desk's language in headless Chromium on the real ASGI server: an agent picks Nederlands
in the user menu with the keyboard and the desk is Dutch, then Polski with the mouse on a
ticket and it is Polish, and stays so in a new tab; a browser set to Polish gets the Polish
sign-in page and desk without choosing. Screenshots of the list and the ticket (with its
customer panel) in both languages at 1280 and 768 px; axe-core on the Polish ticket."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, expect

from tests.browser import in_thread
from tests.desk.conftest import SHOTS, shot
from tests.desk.test_customer_panel import Lotte, lotte
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.services import message_ingest, note_add, sla_policies_default, ticket_assign

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]

WIDE = {"width": 1280, "height": 900}
NARROW = {"width": 768, "height": 1000}


def _festival(anna: Any) -> Lotte:
    """Lotte's tickets (customer panel with calls, surveys, a to-do and a merge suggestion)
    and a few more rows for the list, one of them Anna's. The services publish to the channel
    layer, which cannot run beside Playwright's loop: in a helper thread."""
    made: list[Lotte] = []
    in_thread(lambda: made.append(_make_festival(anna)))
    return made[0]


def _make_festival(anna: Any) -> Lotte:
    sla_policies_default()
    data = lotte(anna)
    note_add(ticket=data.current, author=anna, body_text="Groepskorting gevraagd bij sales.")
    for who, subject in [
        ("piotr@example.pl", "Bilety na sobotę nie doszły"),
        ("sam@example.com", "Wristband not activated"),
    ]:
        message_ingest(data=inbound(value=who, subject=subject, body_text="Hello?"))
    ticket_assign(ticket=data.current, agent=anna, by=anna)
    return data


def _pick_language_with_the_keyboard(page: Page, name: str) -> None:
    page.locator("details.user-menu > summary").focus()
    page.keyboard.press("Enter")
    target = page.get_by_role("button", name=name, exact=True)
    expect(target).to_be_visible()
    for _ in range(10):
        if target.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(target).to_be_focused()
    page.keyboard.press("Enter")


def shot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


def _screens(page: Page, name: str) -> None:
    # The ticket page opens scrolled to its latest entries; a full-page capture of a scrolled
    # page paints the sticky top bar mid-page, so each picture starts from the top.
    for size, suffix in ((WIDE, ""), (NARROW, "-768")):
        page.set_viewport_size(size)
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, f"{name}{suffix}")
    page.set_viewport_size(WIDE)


def test_an_agent_switches_to_dutch_then_polish_in_the_user_menu(
    page: Page, asgi_server: str, signed_in, make_agent
) -> None:
    anna = make_agent("anna", first_name="Anna", last_name="de Vries", manager=True)
    data = _festival(anna)
    signed_in(page, anna)
    page.set_viewport_size(WIDE)
    page.goto(f"{asgi_server}/desk/?view=all")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_contain_text("All open")

    _pick_language_with_the_keyboard(page, "Nederlands")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page).to_have_url(f"{asgi_server}/desk/?view=all")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alle open")
    nav = page.get_by_role("navigation", name="Weergaven")
    expect(nav).to_contain_text("Mijn tickets")
    expect(nav).to_contain_text("Niet toegewezen")
    expect(page.locator(".row").first).to_be_visible()
    _screens(page, "lang-nl-list")

    page.get_by_role("link", name="Vrijgezellenfeest 13 aug").click()
    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name="Lotte Visser")).to_be_visible()
    expect(panel).to_contain_text("Contactgegevens")
    expect(page.get_by_role("button", name="Oplossen", exact=True)).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Interne notitie")
    _screens(page, "lang-nl-ticket")

    page.locator("details.user-menu > summary").click()
    page.get_by_role("button", name="Polski", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{data.current.pk}/")
    expect(panel.get_by_role("heading", name="Lotte Visser")).to_be_visible()
    expect(panel).to_contain_text("Dane kontaktowe")
    expect(page.get_by_role("button", name="Rozwiąż", exact=True)).to_be_visible()
    expect(page.locator("#timeline")).to_contain_text("Notatka wewnętrzna")
    assert serious(Axe().run(page)) == []
    _screens(page, "lang-pl-ticket")
    # The composer's note mode has the longest button labels.
    page.get_by_role("button", name="Notatka", exact=False).first.click()
    expect(page.get_by_role("button", name="Notatka i rozwiąż")).to_be_visible()
    page.set_viewport_size(NARROW)
    page.locator(".composer-area").screenshot(path=str(shot_path("lang-pl-note-768")))
    page.set_viewport_size(WIDE)

    # Remembered: a new tab opens in Polish, whatever the browser asks for.
    second = page.context.new_page()
    second.set_viewport_size(WIDE)
    second.goto(f"{asgi_server}/desk/?view=all")
    expect(second.get_by_role("heading", level=1)).to_contain_text("Wszystkie otwarte")
    expect(second.get_by_role("navigation", name="Widoki")).to_contain_text("Nieprzypisane")
    expect(second.locator(".row").first).to_be_visible()
    _screens(second, "lang-pl-list")
    second.locator(".row .pick").first.check()
    expect(second.get_by_role("button", name="Przypisz", exact=True)).to_be_visible()
    shot(second, "lang-pl-bulk")
    second.locator("details.bell > summary").click()
    expect(second.locator("#bell-items")).to_contain_text("Powiadomienia")
    shot(second, "lang-pl-bell")
    second.keyboard.press("Escape")
    second.locator("details.user-menu > summary").click()
    expect(second.get_by_role("button", name="Polski", exact=True)).to_have_attribute(
        "aria-current", "true"
    )
    shot(second, "lang-pl-menu")


def test_a_browser_set_to_polish_gets_polish_without_choosing(
    browser: Browser, asgi_server: str, signed_in, make_agent
) -> None:
    anna = make_agent("anna", first_name="Anna")
    _festival(anna)
    context = browser.new_context(locale="pl-PL", viewport=WIDE)
    page = context.new_page()
    page.goto(f"{asgi_server}/desk/signin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zaloguj się do desku")
    page.get_by_label("Nazwa użytkownika").fill("anna")
    page.get_by_label("Hasło").fill("pw-anna-1")
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Moje")
    expect(page.locator(".row")).to_have_count(1)
    # The promise chip counts down in Polish ("za 1 dn. 23 h").
    expect(page.locator(".row .chip.due").first).to_contain_text("za ")
    context.close()
