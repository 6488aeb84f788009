"""The privacy page on a phone (390 by 844) and a desktop in headless Chromium: a signed-in
customer reads what we keep, asks for their data (ready at once under the eager test
server), and asks to be erased after reading what happens. axe on every page; screenshots
under var/screenshots/."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from sesame.utils import get_token

from portal.signin import account_for
from privacy.models import DataExport, ErasureRequest, ExportStatus
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"), (1280, 800, "wide")])
def test_a_customer_downloads_their_data_and_asks_to_be_erased(
    page: Page, asgi_server: str, width: int, height: int, name: str
) -> None:
    sla_policies_default()
    customer = message_ingest(
        data=inbound(
            value="lotte@example.nl", subject="Where is my order?", body_text="Hello there"
        )
    ).ticket.customer
    page.set_viewport_size({"width": width, "height": height})
    axe = Axe()

    page.goto(f"{asgi_server}/support/privacy/")
    expect(page.get_by_role("heading", level=1, name="Your privacy")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"privacy-public-{name}")

    page.goto(f"{asgi_server}/support/signin/{get_token(account_for(customer))}/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(f"{asgi_server}/support/privacy/")
    page.get_by_role("button", name="Prepare my data").click()
    expect(page.get_by_role("link", name="Download the ZIP file")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"privacy-export-ready-{name}")
    export = DataExport.objects.get(customer=customer)
    assert export.status == ExportStatus.READY
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the ZIP file").click()
    assert download.value.suggested_filename.startswith("my-data-")

    page.get_by_role("link", name="Read what happens and ask").click()
    expect(page.get_by_role("heading", level=1, name="Erase my data")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"privacy-erase-{name}")
    page.get_by_label("I understand that my data will be erased for good.").check()
    page.get_by_role("button", name="Ask to erase my data").click()
    expect(page.locator('#erase .privacy-state[data-state="pending"]')).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"privacy-erase-asked-{name}")
    assert ErasureRequest.objects.filter(customer=customer, status="pending").count() == 1


def test_a_manager_approves_an_erasure_in_the_desk(
    page: Page, asgi_server: str, django_user_model
) -> None:
    from django.contrib.auth.models import Group

    from privacy.services import erasure_request

    sla_policies_default()
    customer = message_ingest(
        data=inbound(value="lotte@example.nl", customer_name="Lotte de Vries", subject="Order")
    ).ticket.customer
    erasure_request(customer=customer)
    boss = django_user_model.objects.create_user(username="mara", password="pw-mara-1")
    boss.groups.add(Group.objects.get_or_create(name="Managers")[0])
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{asgi_server}/desk/privacy/")
    page.get_by_label("Username").fill("mara")
    page.get_by_label("Password").fill("pw-mara-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name="Erasure requests")).to_be_visible()
    expect(page.get_by_text("Lotte de Vries")).to_be_visible()
    assert serious(Axe().run(page)) == []
    shot(page, "privacy-desk-pending")
    page.get_by_label("I checked this is the customer; erase for good").check()
    page.get_by_role("button", name="Approve and erase").click()
    expect(page.locator("p.notice")).to_contain_text("personal data erased")
    assert serious(Axe().run(page)) == []
    shot(page, "privacy-desk-done")
    assert ErasureRequest.objects.get().status == "done"
    customer.refresh_from_db()
    assert customer.name == ""
