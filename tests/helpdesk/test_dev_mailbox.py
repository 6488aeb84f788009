"""The development mailbox: `make run`'s mail lands in files that /dev/mail/ lists newest
first with clickable links; the page does not exist outside development or without it."""

from __future__ import annotations

import re

import pytest
from django.core.mail import send_mail

from helpdesk.dev_mail import BACKEND
from tests.factories import inbound
from tickets.services import message_ingest, sla_policies_default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    """The portal's sign-in counters live in Redis: start each test from zero."""
    from django.core.cache import cache

    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter("*portal:link:*"):
        client.delete(key)


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.MAILERS = {"default": {"BACKEND": BACKEND, "OPTIONS": {}}}
    settings.HELPDESK_DEV_MAILBOX = tmp_path / "mail"
    settings.HELPDESK_DEV = True
    return tmp_path / "mail"


def test_each_mail_is_a_file_and_the_page_lists_them_newest_first(client, mailbox) -> None:
    send_mail("First", "Hello", None, ["eva@example.com"])
    send_mail(
        "Second",
        "Open http://testserver/support/signin/abc123/ to sign in.",
        None,
        ["lotte@example.nl"],
    )
    assert len(list(mailbox.glob("*.eml"))) == 2
    html = client.get("/dev/mail/").content.decode()
    assert html.index("Second") < html.index("First")
    assert '<a href="http://testserver/support/signin/abc123/"' in html
    assert "To lotte@example.nl" in html


def test_a_portal_sign_in_link_can_be_followed_from_the_mailbox(client, mailbox) -> None:
    sla_policies_default()
    message_ingest(data=inbound(value="eva@example.com", subject="Order 7 is late"))
    client.post("/support/signin/", {"email": "eva@example.com"})
    html = client.get("/dev/mail/").content.decode()
    link = re.search(r'<a href="http://testserver(/support/signin/[^"]+/)"', html)
    assert link, html
    assert client.post(link.group(1)).status_code == 302
    assert client.get("/support/").status_code == 200


def test_mail_bodies_are_escaped(client, mailbox) -> None:
    send_mail("<b>x</b>", "<script>alert(1)</script>", None, ["e@example.com"])
    html = client.get("/dev/mail/").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html


def test_no_page_outside_development(client, mailbox, settings) -> None:
    settings.HELPDESK_DEV = False
    settings.DEBUG = False
    assert client.get("/dev/mail/").status_code == 404


def test_no_page_when_mail_goes_elsewhere(client, settings) -> None:
    settings.HELPDESK_DEV = True
    settings.MAILERS = {
        "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend", "OPTIONS": {}}
    }
    assert client.get("/dev/mail/").status_code == 404
