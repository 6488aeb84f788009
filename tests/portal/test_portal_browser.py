"""The portal on a phone (390 by 844) and a desktop in headless Chromium: a customer asks
for a link, signs in with it, sees a WhatsApp-started request beside an email one with the
promise in words, and opens one. axe on every page; screenshots under var/screenshots/."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sesame.utils import get_token

from customers.services import identity_add
from portal.signin import account_for
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.models import Status
from tickets.services import message_ingest, sla_policies_default, ticket_set_status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"), (1280, 800, "wide")])
def test_a_customer_signs_in_with_a_link_and_sees_every_channel(
    page: Page, asgi_server: str, make_agent, width: int, height: int, name: str
) -> None:
    sla_policies_default()
    agent = make_agent("anna")
    emailed = message_ingest(
        data=inbound(value="lotte@example.nl", subject="Factuur klopt niet", body_text="Hoi")
    ).ticket
    customer = emailed.customer
    identity_add(customer=customer, kind="whatsapp", value="+31612345678")
    ticket_set_status(ticket=emailed, status=Status.SOLVED, by=agent)
    whatsapp = message_ingest(
        data=inbound(channel="whatsapp", value="+31612345678", body_text="Waar zijn mijn tickets?")
    ).ticket
    assert whatsapp.pk != emailed.pk
    page.set_viewport_size({"width": width, "height": height})
    axe = Axe()

    page.goto(f"{asgi_server}/support/signin/")
    assert serious(axe.run(page)) == []
    page.get_by_label("Email address").fill("Lotte@Example.nl")
    page.get_by_role("button", name="Send me a sign-in link or code").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot(page, f"portal-link-sent-{name}")
    # The link the mail carried (the server's mail goes to its console log): the same token.
    page.goto(f"{asgi_server}/support/signin/{get_token(account_for(customer))}/")
    assert serious(axe.run(page)) == []
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1, name="My requests")).to_be_visible()
    rows = page.locator("main li, main article")
    expect(page.get_by_text("Factuur klopt niet")).to_be_visible()
    expect(page.get_by_text("Waar zijn mijn tickets?").first).to_be_visible()
    assert rows.count() >= 2
    assert serious(axe.run(page)) == []
    shot(page, f"portal-requests-{name}")

    page.get_by_role("link", name="Waar zijn mijn tickets?").first.click()
    expect(page).to_have_url(f"{asgi_server}/support/requests/{whatsapp.pk}/")
    expect(page.get_by_text("Waar zijn mijn tickets?").first).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-request-{name}")
