"""Search in headless Chromium on the real ASGI server: type in the top bar, get grouped
results, refine while typing (htmx) and with the filters, jump with #number; axe on the
results at 1280 and 768 px."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from customers.models import Customer
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.models import Ticket
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


def _ticket(value: str, body: str, *, language: str, **kwargs) -> Ticket:
    ticket = message_ingest(data=inbound(value=value, body_text=body, **kwargs)).ticket
    Customer.objects.filter(pk=ticket.customer_id).update(language=language)
    return ticket


def test_an_agent_searches_from_the_top_bar(page: Page, asgi_server: str, make_agent, signed_in):
    sla_policies_default()
    agent = make_agent("anna", first_name="Anna")
    invoice = _ticket(
        "lotte@example.nl",
        "Beste, kunnen jullie de factuur van mijn bestelling opnieuw sturen? Groet, Lotte",
        language="nl",
        subject="Factuur kwijt",
        customer_name="Lotte Visser",
    )
    _ticket(
        "31612345678",
        "Hoi! Mijn facturen kloppen niet, er staat een verkeerd adres op.",
        language="nl",
        channel="whatsapp",
        customer_name="Daan de Vries",
    )
    _ticket("sam@example.com", "Where is my parcel?", language="en", customer_name="Sam Smith")
    signed_in(page, agent)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/desk/")
    box = page.get_by_role("searchbox", name="Search tickets, customers, messages")
    box.fill("facturen")
    box.press("Enter")
    expect(page).to_have_url(f"{asgi_server}/desk/search/?q=facturen")
    tickets = page.get_by_role("region", name="Tickets")
    expect(tickets.locator("li.search-row")).to_have_count(2)
    expect(tickets.locator("mark").first).to_be_visible()
    assert serious(Axe().run(page)) == []
    shot(page, "desk-search")

    # Refining while typing: the results follow the top bar without a reload.
    box = page.get_by_role("searchbox", name="Search tickets, customers, messages")
    box.fill("06 12345678")
    customers = page.get_by_role("region", name="Customers")
    expect(customers.locator(".search-customer-name")).to_have_text(["Daan de Vries"])
    expect(page.get_by_role("region", name="Tickets").locator("li.search-row")).to_have_count(1)
    expect(page).to_have_url(f"{asgi_server}/desk/search/?q=06+12345678")
    assert serious(Axe().run(page)) == []
    shot(page, "desk-search-phone")

    # Filters are in the URL and work without a reload too.
    box.fill("Lotte")
    expect(customers.locator(".search-customer-name")).to_have_text(["Lotte Visser"])
    page.get_by_label("Show").select_option("customers")
    expect(page.get_by_role("region", name="Tickets")).to_have_count(0)
    expect(page).to_have_url(f"{asgi_server}/desk/search/?q=Lotte&scope=customers")
    page.set_viewport_size({"width": 768, "height": 1000})
    assert serious(Axe().run(page)) == []
    shot(page, "desk-search-narrow")

    page.set_viewport_size({"width": 1280, "height": 900})
    box.fill(f"#{invoice.pk}")
    box.press("Enter")
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{invoice.pk}/")
