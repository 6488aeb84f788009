"""The keyboard in headless Chromium on the real ASGI server: the list without a mouse (move,
open, pick, a bulk action, the help dialog, go to a view), the ticket page's keys, and axe
with the bulk toolbar and the help dialog open. Screenshots at 1280 and 768 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tests.waiting import wait_until
from tickets.models import Status, Ticket
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


def _tickets() -> list[Ticket]:
    """Four unassigned tickets in a known promise order (one nameless, one breached)."""
    sla_policies_default()
    people = [
        ("lotte@example.nl", "Lotte Visser", "Vrijgezellenfeest 13 augustus"),
        ("sam@example.com", "", "Where is my order?"),
        ("piotr@example.pl", "Piotr Nowak", "Zwrot biletu"),
        ("eva@example.com", "Eva de Vries", "Parking at the festival"),
    ]
    tickets = [
        message_ingest(
            data=inbound(value=value, customer_name=name, subject=subject, body_text="Hallo?")
        ).ticket
        for value, name, subject in people
    ]
    now = timezone.now()
    for minutes, ticket in zip([-5, 30, 90, 300], tickets, strict=True):
        Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=now + timedelta(minutes=minutes))
    return tickets


def _current(page: Page):
    return page.locator("#queue-rows li.row.is-current")


def test_the_list_by_keyboard_alone(page: Page, asgi_server: str, signed_in, make_agent) -> None:
    tickets = _tickets()
    anna = make_agent("anna", first_name="Anna")
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/?view=all")
    expect(page.locator("#queue-rows li.row")).to_have_count(4)
    rows = page.locator("#queue-rows li.row")

    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class("row is-current")
    expect(rows.nth(0)).to_have_attribute("aria-current", "true")
    expect(rows.nth(0).locator("a.row-link")).to_be_focused()
    page.keyboard.press("j")
    expect(_current(page)).to_have_attribute("data-ticket", str(tickets[1].pk))
    expect(rows.nth(1).locator("a.row-link")).to_be_focused()
    page.keyboard.press("k")
    expect(_current(page)).to_have_count(1)
    expect(_current(page)).to_have_attribute("data-ticket", str(tickets[0].pk))
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{tickets[0].pk}/")
    expect(page.locator("#ticket-title")).to_contain_text("Vrijgezellenfeest")

    page.go_back()
    expect(rows).to_have_count(4)
    # `?` shows every shortcut; Escape closes it.
    page.locator("body").focus()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Assign to me")
    assert serious(Axe().run(page)) == []
    shot(page, "list-shortcuts-help")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # `/` goes to the search box; letters typed there are text, not shortcuts.
    page.keyboard.press("/")
    search = page.locator("#desk-search")
    expect(search).to_be_focused()
    page.keyboard.type("jk")
    expect(search).to_have_value("jk")
    expect(page).to_have_url(f"{asgi_server}/desk/?view=all")
    page.keyboard.press("Escape")
    expect(search).not_to_be_focused()

    # `g` then `u`: Unassigned.
    page.keyboard.press("g")
    page.keyboard.press("u")
    expect(page).to_have_url(f"{asgi_server}/desk/?view=unassigned")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Unassigned")


def test_pick_rows_with_x_and_assign_them_without_a_mouse(
    page: Page, asgi_server: str, signed_in, make_agent
) -> None:
    tickets = _tickets()
    anna = make_agent("anna", first_name="Anna")
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/?view=unassigned")
    rows = page.locator("#queue-rows li.row")
    expect(rows).to_have_count(4)
    bar = page.get_by_role("group", name="Change the selected tickets")
    expect(bar).to_be_hidden()
    # The nameless customer reads as their address.
    expect(rows.nth(1).locator(".customer")).to_have_text("sam@example.com")

    page.keyboard.press("j")
    page.keyboard.press("x")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("x")
    expect(page.locator("#queue-rows input.pick:checked")).to_have_count(2)
    expect(bar).to_be_visible()
    expect(page.locator("[data-picked-count]")).to_have_text("Selected: 2")
    assert serious(Axe().run(page)) == []
    shot(page, "list-bulk-toolbar")
    page.set_viewport_size({"width": 768, "height": 1000})
    shot(page, "list-bulk-toolbar-narrow")
    page.set_viewport_size({"width": 1280, "height": 800})

    # Shift+Tab from the picked row's link walks back into the toolbar; Enter on "Assign".
    assign = bar.get_by_role("button", name="Assign", exact=True)
    for _step in range(12):
        if assign.evaluate("el => el === document.activeElement"):
            break
        page.keyboard.press("Shift+Tab")
    expect(assign).to_be_focused()
    page.keyboard.press("Enter")
    status = page.get_by_role("status").filter(has_text="Assigned to you")
    expect(status).to_contain_text("Assigned to you: 2 tickets changed.")
    # The list re-renders: the two are no longer unassigned.
    expect(rows).to_have_count(2)
    assigned = {tickets[0].pk, tickets[2].pk}
    assert set(Ticket.objects.filter(assignee=anna).values_list("pk", flat=True)) == assigned
    expect(page.locator('nav.views a[data-view="mine"] .count')).to_have_text("2")


def test_select_all_on_the_page_then_every_ticket_that_matches(
    page: Page, asgi_server: str, signed_in, make_agent
) -> None:
    """52 tickets, pages of 50: picking the page offers all 52, and the action covers them
    all (through the Celery task, eager in this server)."""
    sla_policies_default()
    for n in range(52):
        message_ingest(data=inbound(value=f"guest{n}@example.com", subject=f"Ticket {n}"))
    anna = make_agent("anna", first_name="Anna")
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/?view=unassigned")
    expect(page.locator("#queue-rows li.row")).to_have_count(50)
    pick_all = page.get_by_label("Select all on this page")
    pick_all.focus()
    page.keyboard.press("Space")
    expect(page.locator("#queue-rows input.pick:checked")).to_have_count(50)
    offer = page.get_by_role("button", name="Select all 52 that match this filter")
    expect(offer).to_be_visible()
    page.keyboard.press("Tab")
    expect(offer).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("All 52 tickets that match this filter are selected.")).to_be_visible()
    expect(page.get_by_role("button", name="Merge…")).to_be_hidden()
    shot(page, "list-bulk-all-matching")
    assign = page.get_by_role("button", name="Assign", exact=True)
    assign.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Assigned to you")).to_contain_text(
        "Assigned to you: 52 tickets changed."
    )
    assert Ticket.objects.filter(assignee=anna).count() == 52
    expect(page.locator("#queue-rows li.row")).to_have_count(0)
    expect(page.locator("#queue-count")).to_have_text("· 0")


def test_merge_question_and_a_saved_view_look_right(
    page: Page, asgi_server: str, signed_in, make_agent
) -> None:
    from tickets.services import ticket_create

    tickets = _tickets()
    anna = make_agent("anna", first_name="Anna")
    again = ticket_create(
        customer=tickets[0].customer, subject="Nog een vraag", channel="phone", by=anna
    )
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/?view=all&channel=email")
    page.get_by_text("Save this view").click()
    page.get_by_label("Name").fill("Email queue")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Email queue")
    nav = page.get_by_role("navigation", name="Views")
    expect(nav.get_by_role("link", name="Email queue")).to_have_attribute("aria-current", "page")
    page.get_by_text("Rename", exact=True).click()
    assert serious(Axe().run(page)) == []
    shot(page, "list-saved-view")

    page.goto(f"{asgi_server}/desk/?view=all")
    for ticket in (tickets[0], again):
        page.locator(f"#row-{ticket.pk} input.pick").check()
    page.get_by_role("button", name="Merge…").click()
    question = page.get_by_role("heading", name="Merge 2 tickets into one")
    expect(question).to_be_focused()
    assert serious(Axe().run(page)) == []
    shot(page, "list-merge-question")
    page.emulate_media(color_scheme="dark")
    shot(page, "list-merge-question-dark")
    page.set_viewport_size({"width": 768, "height": 1000})
    shot(page, "list-merge-question-narrow")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Merge", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="Merged")).to_contain_text(
        f"Merged #{again.pk} into #{tickets[0].pk}."
    )
    expect(page.locator(f"#row-{again.pk}")).to_have_count(0)


def test_the_ticket_page_keys(page: Page, asgi_server: str, signed_in, make_agent) -> None:
    tickets = _tickets()
    anna = make_agent("anna", first_name="Anna")
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 800})
    ticket = tickets[2]
    page.goto(f"{asgi_server}/desk/tickets/{ticket.pk}/")
    expect(page.locator("#ticket-title")).to_contain_text("Zwrot biletu")
    page.locator("body").focus()

    page.keyboard.press("a")
    wait_until(
        lambda: Ticket.objects.filter(pk=ticket.pk, assignee=anna).exists(),
        timeout=10,
        message="`a` to assign the ticket to me",
    )
    expect(page.locator('[data-shortcut-action="assign-me"]')).to_be_disabled()
    page.locator("body").focus()
    page.keyboard.press("s")
    wait_until(
        lambda: Ticket.objects.filter(pk=ticket.pk, status=Status.SOLVED).exists(),
        timeout=10,
        message="`s` to solve the ticket",
    )


def test_the_key_contract_on_any_page(page: Page, asgi_server: str, signed_in, make_agent) -> None:
    """Test-only elements with `data-shortcut-action` (the composer's own buttons have their
    own tests): r/n click theirs, Ctrl+Enter sends even from inside a text field, and plain
    letters typed in a field never fire."""
    _tickets()
    signed_in(page, make_agent("anna"))
    page.goto(f"{asgi_server}/desk/?view=all")
    expect(page.locator("#queue-rows li.row")).to_have_count(4)
    page.evaluate(
        """() => {
          window.clicked = [];
          const main = document.querySelector('main');
          for (const name of ['reply', 'note', 'send', 'assign-me', 'solve']) {
            for (const old of document.querySelectorAll(`[data-shortcut-action="${name}"]`)) {
              old.removeAttribute('data-shortcut-action');
            }
            const b = document.createElement('button');
            b.type = 'button';
            b.textContent = name;
            b.dataset.shortcutAction = name;
            b.addEventListener('click', () => window.clicked.push(name));
            main.prepend(b);
          }
          const area = document.createElement('textarea');
          area.id = 'test-area';
          area.setAttribute('aria-label', 'test');
          main.prepend(area);
        }"""
    )
    page.locator("body").focus()
    for key in ("r", "n", "a", "s"):
        page.keyboard.press(key)
    assert page.evaluate("window.clicked") == ["reply", "note", "assign-me", "solve"]
    area = page.locator("#test-area")
    area.focus()
    page.keyboard.type("rnas jk?")
    expect(area).to_have_value("rnas jk?")
    assert page.evaluate("window.clicked.length") == 4
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()
    page.keyboard.press("Control+Enter")
    assert page.evaluate("window.clicked") == ["reply", "note", "assign-me", "solve", "send"]
    page.keyboard.press("Meta+Enter")
    assert page.evaluate("window.clicked.length") == 6
