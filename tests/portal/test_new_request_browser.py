"""New request on a phone (390 by 844) and a desktop in headless Chromium: a signed-in
customer types a subject, sees a help-centre article suggested, sends the request with a
photo and reads the promise; a visitor does the same on the public form with an email
address. axe on every page; screenshots in English and Polish under var/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from portal.signin import account_for
from tests.desk.conftest import shot, signed_in  # noqa: F401 (the fixture)
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tests.portal.test_new_request import (
    _fresh_request_limits,  # noqa: F401 (autouse: each test starts with unspent limits)
    seed_returns_article,
)
from tickets.models import Channel, Ticket
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]

SIZES = [(390, 844, "phone"), (1280, 800, "wide")]
PHOTO: Any = {"name": "label.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\nlabel"}


def _language(page: Page, code: str) -> None:
    """The portal's own language switch in the header."""
    if code != "en":
        page.locator(f".portal-languages button[value='{code}']").click()
        page.wait_for_load_state()


def _fill_and_send(page: Page, axe: Axe, name: str) -> None:
    page.locator("#new-category").select_option("returns")
    page.locator("#new-subject").fill("How do I return a parcel")
    expect(page.locator("#portal-suggestions a").first).to_be_visible()
    expect(page.locator("#portal-suggestions")).to_contain_text("30")
    page.locator("#new-message").fill("The shoes are too small. Can I exchange them?")
    page.locator("#new-files").set_input_files([PHOTO])
    assert serious(axe.run(page)) == []
    shot(page, f"portal-new-request-{name}")
    # People take more than the form's minimum fill time; this test types in milliseconds.
    page.wait_for_timeout(3200)
    page.locator("form.portal-new button[type=submit]").click()
    expect(page.locator(".portal-promise")).to_be_visible()


@pytest.mark.parametrize(("width", "height", "size"), SIZES)
@pytest.mark.parametrize("language", ["en", "pl"])
def test_a_signed_in_customer_sends_a_new_request_with_a_suggestion_on_the_way(
    page: Page,
    asgi_server: str,
    signed_in: Any,  # noqa: F811
    width: int,
    height: int,
    size: str,
    language: str,
) -> None:
    sla_policies_default()
    seed_returns_article()
    customer = message_ingest(data=inbound(value="lotte@example.nl", subject="Earlier")).ticket
    signed_in(page, account_for(customer.customer))
    page.set_viewport_size({"width": width, "height": height})
    axe = Axe()
    page.goto(f"{asgi_server}/support/new/")
    _language(page, language)
    expect(page.locator("#new-email")).to_have_count(0)
    name = f"{size}-{language}"

    _fill_and_send(page, axe, name)

    ticket = Ticket.objects.get(channel=Channel.WEB)
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{ticket.pk}")
    assert serious(axe.run(page)) == []
    shot(page, f"portal-new-request-sent-{name}")
    page.locator(f"a[href='/support/requests/{ticket.pk}/']").click()
    expect(page).to_have_url(f"{asgi_server}/support/requests/{ticket.pk}/")
    expect(page.get_by_text("The shoes are too small").first).to_be_visible()


@pytest.mark.parametrize(("width", "height", "size"), SIZES)
@pytest.mark.parametrize("language", ["en", "pl"])
def test_a_visitor_sends_the_public_form_and_is_told_a_link_is_on_its_way(
    page: Page, asgi_server: str, width: int, height: int, size: str, language: str
) -> None:
    sla_policies_default()
    seed_returns_article()
    page.set_viewport_size({"width": width, "height": height})
    axe = Axe()
    page.goto(f"{asgi_server}/support/new/")
    _language(page, language)
    name = f"public-{size}-{language}"
    page.locator("#new-name").fill("Piotr Nowak")
    page.locator("#new-email").fill("Piotr@Example.pl")
    page.locator("#new-subject").fill("How do I return a parcel")
    # Sent at once, as a script would: refused with a message, the text kept.
    page.locator("form.portal-new button[type=submit]").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#new-subject")).to_have_value("How do I return a parcel")
    expect(page.locator("#new-email")).to_have_value("Piotr@Example.pl")
    assert not Ticket.objects.exists()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-new-request-refused-{name}")

    _fill_and_send(page, axe, name)

    ticket = Ticket.objects.get(channel=Channel.WEB)
    assert ticket.customer.identities.get().value == "piotr@example.pl"
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"#{ticket.pk}")
    expect(page.locator("main")).not_to_contain_text("label.png")
    assert serious(axe.run(page)) == []
    shot(page, f"portal-new-request-sent-{name}")
