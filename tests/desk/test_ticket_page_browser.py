"""The ticket page in headless Chromium on the real ASGI server: a timeline of email (HTML
with an external image), WhatsApp, calls, a note, an automatic acknowledgement and an
attachment; the mail's frame is sandboxed and fetches nothing remote until the agent asks;
status and assignee change in place and the header and timeline follow; a live change
refreshes them; axe-core finds nothing serious; screenshots at 1280 and 768 px."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import struct
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from playwright.sync_api import Page, expect

from tests.desk.conftest import shot
from tests.desk.test_desk_browser import serious
from tests.desk.test_ticket_page import rich_ticket
from tests.factories import inbound
from tests.waiting import wait_until
from tickets.models import Status, Ticket
from tickets.services import (
    message_ingest,
    note_add,
    sla_policies_default,
    ticket_set_priority,
    ticket_set_status,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("_orm_beside_playwright_desk"),
]


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    # The image host below has a self-signed certificate.
    return {**browser_context_args, "ignore_https_errors": True}


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG (the banner the mail links to)."""
    row = b"\x00" + bytes(rgb) * width
    raw = zlib.compress(row * height)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (key and certificate files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "key.pem", directory / "cert.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@pytest.fixture
def image_host(tmp_path: Path) -> Iterator[tuple[str, list[str]]]:
    """A remote image host (https on an ephemeral port) that counts what it is asked for:
    a sender's banner and a tracking pixel. Yields (base URL, paths requested)."""
    hits: list[str] = []
    banner = png(480, 80, (36, 87, 214))

    class Images(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(banner)))
            self.end_headers()
            self.wfile.write(banner)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Images)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*reversed(_certificate(tmp_path)))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def media(monkeypatch, settings, tmp_path) -> None:
    """Attachments where both this process and the server (started after) look."""
    monkeypatch.setenv("MEDIA_ROOT", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path


def _data(make_agent: Any, images: str) -> dict[str, Any]:
    sla_policies_default()
    anna = make_agent("anna", first_name="Anna")
    make_agent("bea", first_name="Bea")
    data = rich_ticket(anna, image=f"{images}/banner.png")
    # A mail whose HTML still points at a remote image (not parked by the sanitiser): the
    # frame's own policy is what keeps it from loading.
    data["tracker"] = message_ingest(
        data=inbound(
            value="lotte@example.nl",
            body_text="PS: see you soon",
            body_html=f'<p>PS: see you soon</p><img src="{images}/tracker.png" alt="">',
        )
    ).message
    data["anna"] = anna
    return data


def test_the_ticket_page_in_a_browser(
    media: None,
    image_host: tuple[str, list[str]],
    page: Page,
    asgi_server: str,
    make_agent: Any,
    signed_in: Any,
) -> None:
    images, fetched = image_host
    data = _data(make_agent, images)
    ticket, email = data["ticket"], data["email"]
    signed_in(page, data["anna"])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/desk/tickets/{ticket.pk}/", wait_until="load")
    expect(page.locator("#ticket-title")).to_contain_text("Vrijgezellenfeest 13 augustus")

    # The mail's frame: sandboxed, no scripts; "load" waited for the frames, and nothing
    # remote was asked for — neither the parked banner nor the tracker.
    frame = page.locator(f"#message-{email.pk} iframe")
    expect(frame).to_have_attribute("sandbox", "")
    expect(page.frame_locator(f"#message-{email.pk} iframe").locator("body")).to_contain_text(
        "wij komen"
    )
    expect(page.locator(f"#message-{data['tracker'].pk} iframe")).to_have_attribute("sandbox", "")
    assert fetched == []
    entry = page.locator(f"#message-{email.pk}")
    expect(entry).to_contain_text("Remote images are blocked")
    entry.get_by_role("link", name="Show images").click()
    expect(entry).to_contain_text("Remote images are shown")
    wait_until(lambda: "/banner.png" in fetched, timeout=10, message="the banner fetched")
    banner = page.frame_locator(f"#message-{email.pk} iframe").get_by_role("img", name="Our banner")
    expect(banner).to_be_visible()
    assert "/tracker.png" not in fetched

    # Every kind of entry is there, with its words.
    timeline = page.locator("#timeline-entries")
    expect(page.locator(f"#message-{data['ack'].pk}")).to_contain_text("automatic — not a reply")
    expect(page.locator(f"#message-{data['whatsapp'].pk}")).to_contain_text("WhatsApp")
    expect(page.locator(f"#message-{data['missed'].pk}")).to_contain_text("missed")
    expect(page.locator(f"#message-{data['note'].pk}")).to_contain_text("Internal note")
    expect(page.locator(f"#message-{data['failed'].pk}")).to_contain_text("not on WhatsApp")
    download = entry.get_by_role("link", name="gastenlijst.pdf")
    answer = page.request.get(f"{asgi_server}{download.get_attribute('href')}")
    assert answer.status == 200
    assert answer.body().startswith(b"%PDF")

    # The clocks' history opens under the strip.
    page.locator("#sla > summary").click()
    expect(page.locator("#sla-history")).to_contain_text("First response")
    assert serious(Axe().run(page)) == []
    shot(page, "ticket-page-1280")

    # Status and assignee in place: the header answers, the timeline gets the events.
    page.get_by_label("Status").focus()
    page.get_by_label("Status").select_option("pending")
    expect(timeline.locator(".entry.event").last).to_contain_text("→ pending")
    expect(page.locator("#t-status")).to_be_focused()  # the swap keeps the keyboard's place
    wait_until(lambda: Ticket.objects.get(pk=ticket.pk).status == Status.PENDING, timeout=10)
    page.get_by_label("Assignee").select_option(label="Bea")
    expect(timeline.locator(".entry.event").last).to_contain_text("assigned to bea")
    expect(page.locator("#t-assignee option:checked")).to_have_text("Bea")
    page.get_by_role("button", name="Assign to me").click()
    expect(page.locator("#t-assign-me")).to_be_disabled()
    expect(page.locator("#t-assignee option:checked")).to_have_text("Anna (me)")

    # A change made elsewhere: the live socket's event refreshes the header and timeline.
    ticket_set_priority(ticket=ticket, priority=4, by=data["anna"])
    note = note_add(ticket=ticket, author=data["anna"], body_text="Venue confirmed by phone")
    page.evaluate(
        "detail => document.body.dispatchEvent(new CustomEvent('desk:ticket-changed', {detail}))",
        {"ticket": ticket.pk, "event": "message.created", "data": {}},
    )
    expect(page.locator(f"#message-{note.pk}")).to_contain_text("Venue confirmed by phone")
    expect(page.locator("#t-priority option:checked")).to_have_text("Urgent")
    expect(page.locator(f"#message-{note.pk}")).to_have_count(1)

    page.set_viewport_size({"width": 768, "height": 1000})
    assert serious(Axe().run(page)) == []
    shot(page, "ticket-page-768")


def test_a_merge_is_previewed_kept_through_a_live_refresh_and_confirmed(
    page: Page, asgi_server: str, make_agent: Any, signed_in: Any
) -> None:
    sla_policies_default()
    anna = make_agent("anna", first_name="Anna")
    target = message_ingest(data=inbound(value="sam@example.com", subject="Order 1042")).ticket
    ticket_set_status(ticket=target, status=Status.SOLVED, by=anna)
    source = message_ingest(data=inbound(value="sam@example.com", subject="Still no order")).ticket
    ticket_set_status(ticket=target, status=Status.OPEN, by=anna)
    signed_in(page, anna)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{asgi_server}/desk/tickets/{source.pk}/")
    page.get_by_text("More", exact=True).click()
    page.get_by_label("Merge this ticket into ticket number").fill(str(target.pk))
    page.get_by_role("button", name="Continue").click()
    box = page.locator("#t-merge-box")
    expect(box).to_contain_text(f"Merge #{source.pk} into #{target.pk}?")
    expect(box).to_contain_text("Order 1042")
    # Someone else changes the ticket: the header refreshes, the open preview stays.
    ticket_set_priority(ticket=source, priority=3, by=anna)
    page.evaluate(
        "detail => document.body.dispatchEvent(new CustomEvent('desk:ticket-changed', {detail}))",
        {"ticket": source.pk, "event": "ticket.updated", "data": {}},
    )
    expect(page.locator("#t-priority option:checked")).to_have_text("High")
    expect(box).to_contain_text(f"Merge #{source.pk} into #{target.pk}?")
    assert serious(Axe().run(page)) == []
    shot(page, "ticket-merge-preview")
    box.get_by_role("button", name=f"Merge into #{target.pk}").click()
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{target.pk}/")
    expect(page.locator("#timeline-entries")).to_contain_text(f"#{source.pk} merged in")
    page.goto(f"{asgi_server}/desk/tickets/{source.pk}/")
    expect(page.locator(".t-banner")).to_contain_text(f"merged into #{target.pk}")
    page.get_by_role("link", name=f"Open #{target.pk}").click()
    expect(page).to_have_url(f"{asgi_server}/desk/tickets/{target.pk}/")
