"""The portal's branding from settings (name, logo, checked colour with readable text, support
hours) in its header and sign-in email, and its language: the browser's, or the header's
switch, which a signed-in customer's recorded language then follows."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from customers.models import Customer
from portal.branding import DARK_INK, LIGHT_INK, colour_checked, contrast, ink_on

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_organisation_from_settings(client, settings) -> None:
    settings.PORTAL_ORGANISATION_NAME = "Zomerfeest Hulp"
    settings.PORTAL_SUPPORT_HOURS = "Mon–Sat 8–20"  # noqa: RUF001
    settings.PORTAL_BRAND_COLOUR = "#F5C400"
    settings.PORTAL_LOGO_URL = "/media/brand/logo.png"
    html = client.get("/support/signin/").content.decode()
    assert "<span>Zomerfeest Hulp</span>" in html
    assert "· Zomerfeest Hulp</title>" in html
    assert 'src="/media/brand/logo.png"' in html
    assert "Our support hours: Mon–Sat 8–20" in html  # noqa: RUF001
    # A light colour gets dark text.
    assert f"--brand: #f5c400; --brand-ink: {DARK_INK};" in html


def test_the_defaults_are_festival_care(client) -> None:
    html = client.get("/support/signin/").content.decode()
    assert "<span>Festival Care</span>" in html
    assert 'src="/static/portal/logo.svg"' in html
    assert "Monday to Friday, 09:00–17:00" in html  # noqa: RUF001
    assert f"--brand: #1d6b73; --brand-ink: {LIGHT_INK};" in html


@pytest.mark.parametrize(
    "value",
    ["red", "#12345", "#1d6b73; } body { display: none", "</style><script>x()</script>", ""],
)
def test_anything_but_a_hex_colour_falls_back_and_carries_no_css(client, settings, value) -> None:
    settings.PORTAL_BRAND_COLOUR = value
    html = client.get("/support/signin/").content.decode()
    style = re.search(r"<style nonce=\"[^\"]+\">(.*?)</style>", html)
    assert style is not None
    assert style.group(1) == f":root {{ --brand: #1d6b73; --brand-ink: {LIGHT_INK}; }}"
    assert "display: none" not in html
    assert "x()" not in html


def test_the_style_carries_the_responses_csp_nonce(client) -> None:
    response = client.get("/support/signin/")
    nonce = re.search(r'<style nonce="([^"]+)">', response.content.decode())
    assert nonce is not None
    policy = response.headers["Content-Security-Policy"]
    assert "style-src" in policy
    assert f"'nonce-{nonce.group(1)}'" in policy or "'unsafe-inline'" in policy


def test_a_logo_from_another_site_is_refused(client, settings) -> None:
    for value in ("https://cdn.example.com/logo.png", "//cdn.example.com/logo.png"):
        settings.PORTAL_LOGO_URL = value
        html = client.get("/support/signin/").content.decode()
        assert 'src="/static/portal/logo.svg"' in html
        assert "cdn.example.com" not in html


@pytest.mark.parametrize(
    "colour", ["#000000", "#ffffff", "#777777", "#1d6b73", "#f5c400", "#ff0000", "#0057b8", "#888"]
)
def test_the_text_on_any_brand_colour_reaches_aa(colour) -> None:
    checked = colour_checked(colour)
    assert contrast(checked, ink_on(checked)) >= 4.5


def test_every_short_hex_colour_gets_aa_text() -> None:
    digits = "0123456789abcdef"
    for colour in (f"#{r}{g}{b}" for r in digits for g in digits for b in digits):
        checked = colour_checked(colour)
        assert contrast(checked, ink_on(checked)) >= 4.5, colour


def test_the_sign_in_email_names_the_organisation(client, ask, settings) -> None:
    settings.PORTAL_ORGANISATION_NAME = "Zomerfeest Hulp"
    ask("eva@example.com", "Order 7 is late")
    client.post("/support/signin/", {"email": "eva@example.com"})
    assert "Zomerfeest Hulp" in mail.outbox[0].subject
    assert "\nZomerfeest Hulp\n" in mail.outbox[0].body
    assert "Our support hours: Monday to Friday, 09:00–17:00" in mail.outbox[0].body  # noqa: RUF001


def test_an_anonymous_visitor_gets_the_browsers_language(client) -> None:
    html = client.get("/support/signin/", HTTP_ACCEPT_LANGUAGE="pl,en;q=0.5").content.decode()
    assert '<html lang="pl">' in html
    assert 'value="pl" lang="pl" aria-current="true"' in html


def test_the_switch_returns_to_the_same_page_in_the_chosen_language(client) -> None:
    response = client.post("/support/language/", {"language": "nl", "next": "/support/signin/?x=1"})
    assert response.status_code == 302
    assert response.url == "/support/signin/?x=1"
    html = client.get("/support/signin/", HTTP_ACCEPT_LANGUAGE="pl").content.decode()
    assert '<html lang="nl">' in html


def test_the_switch_refuses_a_next_on_another_site(client) -> None:
    response = client.post(
        "/support/language/", {"language": "nl", "next": "https://evil.example/"}
    )
    assert "evil.example" not in response.get("Location", "")


def test_a_signed_in_customers_choice_becomes_their_language(customer_client, ask) -> None:
    customer = ask("eva@example.com", "Order 7 is late")
    customer.language = "en"
    customer.save()
    client = customer_client(customer)
    response = client.post("/support/language/", {"language": "pl", "next": "/support/"})
    assert response.url == "/support/"
    customer = Customer.objects.get(pk=customer.pk)
    assert customer.language == "pl"
    html = client.get("/support/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="pl">' in html


def test_an_unknown_language_changes_nothing(customer_client, ask) -> None:
    customer = ask("eva@example.com", "Order 7 is late")
    client = customer_client(customer)
    client.post("/support/language/", {"language": "xx", "next": "/support/"})
    assert Customer.objects.get(pk=customer.pk).language == customer.language
