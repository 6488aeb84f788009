"""The desk in headless Chromium on the real ASGI server: sign in through the form, the views
with counts, the list in promise order, open a ticket; axe-core on the list."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.desk.conftest import shot
from tests.factories import inbound
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


def serious(results) -> list[str]:
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_an_agent_signs_in_and_opens_a_ticket_from_the_list(
    page: Page, asgi_server: str, make_agent
) -> None:
    sla_policies_default()
    make_agent("anna", first_name="Anna")
    for n, who in enumerate(["lotte@example.nl", "sam@example.com", "piotr@example.pl"]):
        message_ingest(
            data=inbound(value=who, subject=f"Order {n} has not arrived", body_text=f"Hello {n}")
        )
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/?view=unassigned")
    expect(page).to_have_url(f"{asgi_server}/desk/signin/?next=/desk/%3Fview%3Dunassigned")
    page.get_by_label("Username").fill("anna")
    page.get_by_label("Password").fill("pw-anna-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Unassigned")
    nav = page.get_by_role("navigation", name="Views")
    expect(nav.locator('a[data-view="unassigned"] .count')).to_have_text("3")
    expect(page.locator(".row")).to_have_count(3)
    assert serious(Axe().run(page)) == []
    shot(page, "desk-list")
    page.set_viewport_size({"width": 768, "height": 1000})
    shot(page, "desk-list-narrow")
    page.locator(".row-link").first.click()
    expect(page.locator("#ticket-title")).to_contain_text("has not arrived")
    assert serious(Axe().run(page)) == []
    shot(page, "desk-ticket-narrow")
