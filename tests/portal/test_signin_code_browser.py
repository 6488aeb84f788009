"""A customer signs in with a WhatsApp code in headless Chromium at 390 by 844 (a phone) and
1280 px: the code goes through the real Graph API client to a fake Graph API this test runs,
the header shows the brand, the logo and NL | PL | EN, and switching to Polish changes the
texts and the customer's recorded language. axe on every page; screenshots under
var/screenshots/."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from channels_inbox.models import SocialAccount
from customers.models import Customer
from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.factories import inbound
from tickets.services import message_ingest, sla_policies_default

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


class FakeGraph(BaseHTTPRequestHandler):
    """Meta's Graph API as far as a WhatsApp send goes: it keeps what it was sent."""

    received: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        FakeGraph.received.append(
            {"path": self.path, "body": json.loads(self.rfile.read(length) or b"{}")}
        )
        answer = json.dumps({"messages": [{"id": "wamid.browser"}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def graph(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    FakeGraph.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGraph)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # The ASGI server is a child process: it reads the Graph URL from its environment.
    monkeypatch.setenv("META_GRAPH_URL", f"http://127.0.0.1:{server.server_address[1]}/v21.0")
    yield FakeGraph.received
    server.shutdown()


@pytest.fixture
def server(graph: list[dict[str, Any]], asgi_server: str) -> str:
    """The site, started after the fake Graph API so that it sends there."""
    return asgi_server


@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"), (1280, 800, "wide")])
def test_a_customer_signs_in_by_whatsapp_code_and_switches_to_polish(
    page: Page, server: str, graph: list[dict[str, Any]], width: int, height: int, name: str
) -> None:
    sla_policies_default()
    SocialAccount.objects.create(
        platform="whatsapp", external_id="1065", name="Shop", access_token="token-wa"
    )
    customer = message_ingest(
        data=inbound(channel="whatsapp", value="48601234567", subject="Gdzie jest paczka?")
    ).ticket.customer
    Customer.objects.filter(pk=customer.pk).update(language="en", language_source="agent")
    page.set_viewport_size({"width": width, "height": height})
    axe = Axe()

    page.goto(f"{server}/support/signin/")
    header = page.locator("header.portal-top")
    expect(header.get_by_text("Festival Care")).to_be_visible()
    expect(header.locator("img[src$='portal/logo.svg']")).to_be_visible()
    for code in ("NL", "PL", "EN"):
        expect(header.get_by_role("button", name=code)).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-code-signin-{name}")

    page.get_by_label("Email address or phone number").fill("+48 601 234 567")
    page.get_by_role("button", name="Send me a sign-in link or code").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check WhatsApp")
    assert serious(axe.run(page)) == []
    shot(page, f"portal-code-form-{name}")

    assert len(graph) == 1
    assert graph[0]["path"] == "/v21.0/1065/messages"
    assert graph[0]["body"]["to"] == "48601234567"
    code = graph[0]["body"]["text"]["body"].split("code is ")[1][:6]
    page.get_by_label("Sign-in code").fill(code)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{server}/support/")
    expect(page.get_by_text("Gdzie jest paczka?")).to_be_visible()
    assert serious(axe.run(page)) == []
    shot(page, f"portal-code-signed-in-{name}")

    header.get_by_role("button", name="PL").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
    expect(page).to_have_url(f"{server}/support/")
    expect(page.get_by_role("button", name="Wyloguj się")).to_be_visible()
    expect(header.get_by_role("button", name="PL")).to_have_attribute("aria-current", "true")
    assert Customer.objects.get(pk=customer.pk).language == "pl"
    assert serious(axe.run(page)) == []
    shot(page, f"portal-code-polish-{name}")

    header.get_by_role("button", name="NL").click()
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("button", name="Uitloggen")).to_be_visible()
    shot(page, f"portal-code-dutch-{name}")
