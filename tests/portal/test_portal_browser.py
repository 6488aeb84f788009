"""The customer's whole visit, on a phone (390 by 844) and a desktop in headless Chromium:
ask for a link, sign in with the one the emailed message carried, see a WhatsApp-started
request beside an email one with the promise in words, reply with a file, start a new
request with an article suggested while typing, and search the help centre in Dutch. axe
on every page; screenshots under var/screenshots/."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page, expect

from customers.models import Customer
from customers.services import identity_add
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.models import Channel, Direction, Message, Status, Ticket
from tickets.services import message_ingest, sla_policies_default, ticket_set_status

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]

LINK = re.compile(r"https?://[^\s]+/support/signin/[^\s/]+/")


def _emailed_link(log: Path, after: int) -> str:
    """The sign-in link in the mail the server wrote to its console log (the test server's
    mail backend), waiting for the worker that sends it."""
    for _ in range(50):
        found = LINK.findall(log.read_text(errors="replace")[after:])
        if found:
            return str(found[-1])
        time.sleep(0.1)
    raise AssertionError("no sign-in link was emailed")


def _customer_with_two_channels(make_agent) -> tuple[Customer, Ticket, Ticket]:
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
    return customer, emailed, whatsapp


def _sign_in_from_the_email(page: Page, axe: Axe, base: str, log: Path, name: str) -> None:
    page.goto(f"{base}/support/signin/")
    assert serious(axe.run(page)) == []
    before = len(log.read_text(errors="replace"))
    page.get_by_label("Email address").fill("Lotte@Example.nl")
    page.get_by_role("button", name="Send me a sign-in link or code").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    shot(page, f"portal-link-sent-{name}")
    link = _emailed_link(log, before)
    page.goto(re.sub(r"^https?://[^/]+", base, link))
    assert serious(axe.run(page)) == []
    page.get_by_role("button", name="Sign in").click()


def _reply_with_a_file(page: Page, axe: Axe, ticket: Ticket, name: str) -> None:
    page.get_by_role("link", name="Waar zijn mijn tickets?").first.click()
    expect(page).to_have_url(re.compile(rf"/support/requests/{ticket.pk}/$"))
    expect(page.get_by_text("Waar zijn mijn tickets?").first).to_be_visible()
    assert serious(axe.run(page)) == []
    page.get_by_label("Your message").fill("Here is the order confirmation.")
    page.locator("#reply-files").set_input_files(
        [{"name": "order.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 order 51544"}]
    )
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Here is the order confirmation.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("order.pdf"))).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-replied-{name}")
    reply = Message.objects.filter(ticket=ticket, direction=Direction.INBOUND).latest("pk")
    assert reply.channel == Channel.WEB
    assert [a.filename for a in reply.attachments.all()] == ["order.pdf"]


def _new_request_with_a_suggestion(page: Page, axe: Axe, name: str) -> None:
    page.get_by_role("link", name="New request").first.click()
    # htmx listens for typing once the page has loaded; a click returns at navigation, and
    # a loaded CI machine once typed the subject (one input event) before that.
    page.wait_for_load_state()
    page.locator("#new-category").select_option("returns")
    page.locator("#new-subject").fill("I want to return my tent")
    suggestion = page.locator("#portal-suggestions a").first
    expect(suggestion).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-new-request-suggested-{name}")
    page.locator("#new-message").fill("The tent is too small, can I exchange it?")
    # People take longer than the form's minimum fill time; this test types in milliseconds.
    page.wait_for_timeout(3200)
    page.locator("form.portal-new button[type=submit]").click()
    expect(page.locator(".portal-promise")).to_be_visible()
    shot(page, f"portal-new-request-sent-{name}")


def _help_centre_in_dutch(page: Page, axe: Axe, base: str, name: str) -> None:
    page.get_by_role("link", name="Help centre").first.click()
    page.locator(".portal-languages button[value='nl']").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    page.locator("form.help-search input[name=q]").fill("retourneren")
    page.locator("form.help-search button[type=submit]").click()
    expect(page).to_have_url(f"{base}/support/help/search/?q=retourneren")
    expect(page.get_by_role("link", name="Retourneren en ruilen")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-help-search-nl-{name}")


@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"), (1280, 800, "wide")])
def test_a_customers_visit_from_the_emailed_link_to_the_help_centre(
    page: Page, asgi_server: str, make_agent, tmp_path: Path, width: int, height: int, name: str
) -> None:
    customer, emailed, whatsapp = _customer_with_two_channels(make_agent)
    call_command("seed_help_centre")
    page.set_viewport_size({"width": width, "height": height})
    axe = Axe()
    # The asgi_server fixture writes the server's output (its console mail too) here.
    log = tmp_path / "uvicorn.log"

    _sign_in_from_the_email(page, axe, asgi_server, log, name)

    expect(page.get_by_role("heading", level=1, name="My requests")).to_be_visible()
    expect(page.get_by_text("Factuur klopt niet")).to_be_visible()
    expect(page.get_by_text("Waar zijn mijn tickets?").first).to_be_visible()
    expect(page.get_by_text("Started on WhatsApp")).to_be_visible()
    expect(page.get_by_text("Started by email")).to_be_visible()
    expect(page.get_by_text(re.compile("we will answer by"))).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-requests-{name}")

    _reply_with_a_file(page, axe, whatsapp, name)
    _new_request_with_a_suggestion(page, axe, name)
    created = Ticket.objects.filter(customer=customer, channel=Channel.WEB).get()
    assert created.pk not in (emailed.pk, whatsapp.pk)
    assert "category:returns" in created.tags
    _help_centre_in_dutch(page, axe, asgi_server, name)
