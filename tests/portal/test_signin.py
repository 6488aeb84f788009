"""Passwordless sign-in: same answer for known and unknown addresses, a single-use link that
expires, tampering, rate limits, sign-out and the idle limit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/support/signin/[^/\s]+/)")


VARYING = re.compile(rb'(nonce|name="csrfmiddlewaretoken" value)="[^"]*"')


def page(response) -> bytes:
    """The page without what differs on every response (CSP nonce, CSRF token)."""
    return VARYING.sub(rb'\1=""', response.content)


def link_from_outbox() -> str:
    match = LINK.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_a_known_and_an_unknown_address_get_the_same_page(client, ask) -> None:
    ask("eva@example.com", "Order 7 is late")
    known = client.post("/support/signin/", {"email": " Eva@Example.com "})
    unknown = client.post("/support/signin/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert page(known).replace(b"eva@example.com", b"X") == page(unknown).replace(
        b"nobody@example.com", b"X"
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["eva@example.com"]


def test_the_link_signs_in_once_and_opens_my_requests(client, ask) -> None:
    ask("eva@example.com", "Order 7 is late")
    client.post("/support/signin/", {"email": "eva@example.com"})
    link = link_from_outbox()
    # A GET (a mail scanner, the customer's click) only asks for a press; it uses nothing.
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert response.url == "/support/"
    assert "Order 7 is late" in client.get("/support/").content.decode()
    client.post("/support/signout/")
    assert client.get("/support/").status_code == 302
    again = client.post(link)
    assert again.status_code == 410
    assert "no longer works" in again.content.decode()
    assert client.get("/support/").url == "/support/signin/"


def test_an_expired_link_signs_nobody_in(client, ask) -> None:
    ask("eva@example.com", "Order 7 is late")
    client.post("/support/signin/", {"email": "eva@example.com"})
    link = link_from_outbox()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.get(link).status_code == 410
        assert client.post(link).status_code == 410
    assert client.get("/support/").status_code == 302


def test_a_tampered_link_signs_nobody_in(client, ask) -> None:
    ask("eva@example.com", "Order 7 is late")
    client.post("/support/signin/", {"email": "eva@example.com"})
    link = link_from_outbox()
    token = link.split("/")[-2]
    forged = link.replace(token, token[:-3] + ("AAA" if token[-3:] != "AAA" else "BBB"))
    assert client.post(forged).status_code == 410
    assert client.get("/support/").status_code == 302


def test_links_are_limited_per_address_and_per_ip(client, ask, settings) -> None:
    ask("eva@example.com", "Order 7 is late")
    for _ in range(5):
        assert client.post("/support/signin/", {"email": "eva@example.com"}).status_code == 200
    limited = client.post("/support/signin/", {"email": "eva@example.com"})
    assert limited.status_code == 429
    assert "wait an hour" in limited.content.decode()
    assert len(mail.outbox) == 5
    settings.PORTAL_LINKS_PER_IP = 8
    for n in range(2):
        assert client.post("/support/signin/", {"email": f"x{n}@example.com"}).status_code == 200
    assert client.post("/support/signin/", {"email": "y@example.com"}).status_code == 429


def test_an_invalid_address_is_told_so(client) -> None:
    response = client.post("/support/signin/", {"email": "not an address"})
    assert response.status_code == 400
    assert "does not look like an email address" in response.content.decode()


def test_the_link_email_is_in_the_customers_language(client, ask) -> None:
    customer = ask("lotte@example.nl", "Bestelling")
    customer.language = "nl"
    customer.save()
    client.post("/support/signin/", {"email": "lotte@example.nl"})
    assert "Open deze link om in te loggen" in mail.outbox[0].body


def test_a_customer_session_ends_after_30_idle_minutes(customer_client, ask) -> None:
    client = customer_client(ask("eva@example.com", "Order 7 is late"))
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=20)):
        assert client.get("/support/").status_code == 200  # refreshes the idle limit
    with time_machine.travel(start + timedelta(minutes=45)):
        assert client.get("/support/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=76)):
        assert client.get("/support/").url == "/support/signin/"
