"""The customer panel in headless Chromium on the real ASGI server: it loads itself beside the
ticket with everything about Lotte, merges the suggested customer with one click and a
confirmation, marks the missed call's to-do done; axe-core on each state; screenshots at
1280 and 768 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from customers.models import Customer
from tests.browser import in_thread
from tests.desk.conftest import shot
from tests.desk.test_customer_panel import lotte
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tests.waiting import wait_until
from tickets.models import Todo
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


def test_the_panel_shows_lotte_merges_the_suggestion_and_closes_the_call_back(
    page: Page, asgi_server: str, signed_in, make_agent
) -> None:
    sla_policies_default()
    anna = make_agent("anna", first_name="Anna")
    data = lotte(anna)
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(f"{asgi_server}/desk/tickets/{data.current.pk}/")

    panel = page.locator("#customer-panel")
    expect(panel.get_by_role("heading", name="Lotte Visser")).to_be_visible()
    expect(panel).to_contain_text("Festival Vrienden")
    identities = panel.locator(".c-identities")
    expect(identities).to_contain_text("lotte@example.nl")
    expect(identities.locator("li")).to_have_count(3)
    expect(identities).to_contain_text("WhatsApp")
    expect(identities).to_contain_text("+31 6 12345678")
    expect(panel.get_by_label("Language")).to_have_value("nl")
    expect(panel.locator(".c-ticket")).to_have_count(3)
    expect(panel.locator(".c-ticket.is-current")).to_contain_text("Vrijgezellenfeest 13 aug")
    expect(panel.locator(".c-contacts")).to_contain_text("Missed call")
    expect(panel.locator(".c-surveys")).to_contain_text("CSAT 1/5")
    expect(panel.locator(".c-surveys")).to_contain_text("Niemand belde terug.")
    expect(panel.locator(".c-todos")).to_contain_text("Call back +31 6 12345678")
    expect(panel.locator(".c-suggestions")).to_contain_text("Lotte V.")
    assert serious(Axe().run(page)) == []
    shot(page, "desk-customer-panel")

    # One click opens the choice with what moves; the confirmation merges.
    panel.get_by_role("link", name="Merge…").click()
    box = page.locator("#c-merge")
    expect(box.get_by_role("radio", name="Keep Lotte Visser")).to_be_checked()
    expect(box.get_by_role("radio", name="Keep Lotte Visser")).to_be_focused()
    expect(box).to_contain_text("From Lotte V., 1 identity moves here: Phone +31 6 87654321")
    assert serious(Axe().run(page)) == []
    shot(page, "desk-customer-merge")
    box.get_by_role("button", name="Merge customers").click()
    expect(page.locator("#c-notice")).to_have_text("Lotte V. was merged into Lotte Visser.")
    expect(box).to_be_empty()
    expect(identities.locator("li")).to_have_count(4)
    expect(identities).to_contain_text("+31 6 87654321")
    expect(panel.locator(".c-suggestions")).to_have_count(0)
    expect(panel.locator(".c-ticket")).to_have_count(4)
    wait_until(
        lambda: Customer.objects.get(pk=data.other.pk).merged_into_id == data.customer.pk,
        timeout=10,
        message="Lotte V. merged into Lotte Visser",
    )

    # The call-back: done in one click, gone from the panel, recorded for the ticket.
    panel.locator(".c-todos").get_by_role("button", name="Mark done").click()
    expect(page.locator("#c-notice")).to_have_text("To-do done.")
    expect(panel.locator(".c-todos")).to_have_count(0)
    wait_until(
        lambda: Todo.objects.get(pk=data.todo.pk).done_by_id == anna.pk,
        timeout=10,
        message="the call-back marked done by Anna",
    )
    assert serious(Axe().run(page)) == []
    shot(page, "desk-customer-panel-after")

    # Lotte writes again: the panel follows the ticket's live events by itself.
    in_thread(
        lambda: message_ingest(
            data=inbound(
                "whatsapp",
                value="+31612345678",
                body_text="Hallo? Nog geen antwoord.",
                ticket_number=data.current.pk,
            )
        )
    )
    expect(panel.locator(".c-contacts li").first).to_contain_text("Hallo? Nog geen antwoord.")

    page.set_viewport_size({"width": 768, "height": 1000})
    page.reload()
    expect(panel.locator(".c-ticket")).to_have_count(4)
    assert serious(Axe().run(page)) == []
    shot(page, "desk-customer-panel-narrow")

    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 1280, "height": 900})
    expect(page.locator("#c-notice")).to_be_empty()
    assert serious(Axe().run(page)) == []
    shot(page, "desk-customer-panel-dark")
