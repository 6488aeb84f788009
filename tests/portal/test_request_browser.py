"""The request page in headless Chromium at 390 by 844 (a phone) and 1280 px, in English and
Dutch: a signed-in customer sends an empty reply (told why), then replies with a file
chosen in the file input, sees it on the page with the confirmation and the promise, and
downloads it. axe on each state; screenshots under var/screenshots/."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from portal.signin import account_for
from tests.desk import conftest as desk
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.models import Attachment, Status, Ticket
from tickets.services import InboundAttachment, message_ingest, reply_create, sla_policies_default

# The desk's session-cookie fixture, for a customer's account here.
signed_in = desk.signed_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


@pytest.mark.parametrize(
    ("width", "height", "language"),
    [(390, 844, "en"), (1280, 800, "en"), (390, 844, "nl"), (1280, 800, "nl")],
)
def test_a_customer_replies_with_a_file_and_sees_it(
    page: Page,
    asgi_server: str,
    signed_in,
    make_agent,
    width: int,
    height: int,
    language: str,
) -> None:
    sla_policies_default()
    ticket = message_ingest(
        data=inbound(
            value="lotte@example.nl",
            subject="Damaged festival tent",
            body_text="The tent arrived torn. Photo attached.",
            attachments=[InboundAttachment(filename="tent.jpg", content=b"\xff\xd8" * 900)],
        )
    ).ticket
    reply_create(
        ticket=ticket,
        author=make_agent("anna"),
        body_text="Sorry about that! Could you send the order confirmation?",
    )
    customer = ticket.customer
    customer.language = language
    customer.save(update_fields=["language"])
    name = f"{'phone' if width < 600 else 'wide'}-{language}"
    page.set_viewport_size({"width": width, "height": height})
    signed_in(page, account_for(customer))
    axe = Axe()

    page.goto(f"{asgi_server}/support/requests/{ticket.pk}/")
    expect(page.get_by_role("link", name="tent.jpg")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-request-actions-{name}")

    # Nothing typed, nothing chosen: the form says what is missing and stores nothing.
    page.locator("#reply-body").fill("")
    page.locator(".portal-reply button[type=submit]").click()
    expect(page.locator(".portal-reply .portal-alert")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-request-empty-{name}")

    page.locator("#reply-body").fill("Here is the order confirmation.")
    page.locator("#reply-files").set_input_files(
        files=[{"name": "order-1042.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 x"}]
    )
    page.locator(".portal-reply button[type=submit]").click()
    expect(page.locator("#sent")).to_be_visible()
    expect(page.get_by_text("Here is the order confirmation.")).to_be_visible()
    link = page.get_by_role("link", name="order-1042.pdf")
    expect(link).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-request-sent-{name}")

    stored = Attachment.objects.get(filename="order-1042.pdf")
    assert stored.message.ticket_id == ticket.pk
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == b"%PDF-1.4 x"


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_a_customer_starts_a_follow_up_of_a_closed_request(
    page: Page, asgi_server: str, signed_in, width: int, height: int
) -> None:
    sla_policies_default()
    closed = message_ingest(
        data=inbound(value="lotte@example.nl", subject="Wrong size shoes", body_text="Size 42!")
    ).ticket
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    name = "phone" if width < 600 else "wide"
    page.set_viewport_size({"width": width, "height": height})
    signed_in(page, account_for(closed.customer))
    axe = Axe()

    page.goto(f"{asgi_server}/support/requests/{closed.pk}/")
    expect(page.get_by_role("heading", name="Need more help with this?")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-request-closed-{name}")
    page.get_by_label("Your message").fill("The new pair is size 41 again.")
    page.get_by_role("button", name="Start a follow-up").click()

    follow_up = Ticket.objects.get(follow_up_of=closed)
    expect(page).to_have_url(f"{asgi_server}/support/requests/{follow_up.pk}/#sent")
    expect(page.get_by_text(f"It continues request #{closed.pk}.")).to_be_visible()
    expect(
        page.get_by_role("link", name=f"This request follows on from #{closed.pk}")
    ).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-request-follow-up-{name}")
