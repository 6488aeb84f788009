"""New request at /support/new/: signed in it becomes a web ticket of that customer (never
threaded onto their open one) with the category tag, files and a running SLA timer; the
public form finds or creates the customer by address, emails the number, the promise and a
sign-in link that lands on the request; spam limits, honeypot, minimum fill time, double
submits and bad files are refused with a message and nothing stored."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import get_language

from customers.models import Customer, Identity
from helpcentre.models import Visibility
from helpcentre.services import ArticleText, CategoryText, article_save, category_save
from portal.new_request import form_token_new
from tickets.models import Attachment, Channel, Message, SlaTimer, Ticket, TimerState
from tickets.services import sla_policies_default

URL = "/support/new/"


@pytest.fixture(autouse=True)
def _fresh_request_limits() -> None:
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter("*portal:request:*"):
        client.delete(key)


@pytest.fixture
def policies(db: Any) -> None:
    sla_policies_default()


def _form(**extra: Any) -> dict[str, Any]:
    """What a person sends after a minute of typing."""
    data: dict[str, Any] = {
        "token": form_token_new(shown_at=time.time() - 60),
        "subject": "Wrong size delivered",
        "message": "I ordered a medium and got a small. Can I exchange it?",
        "category": "returns",
    }
    data.update(extra)
    return data


def _public(**extra: Any) -> dict[str, Any]:
    return _form(**{"name": "Lotte de Vries", "email": "Lotte@Example.nl", "website": "", **extra})


def _promise(ticket: Ticket) -> str:
    assert ticket.sla_due_at is not None
    text = date_format(timezone.localtime(ticket.sla_due_at), "l j E, H:i")
    # Polish writes the day in lower case inside a sentence (tickets.promise).
    return text[:1].lower() + text[1:] if get_language() == "pl" else text


def test_signed_in_request_is_a_new_web_ticket_with_tag_file_and_timer(
    ask: Callable[..., Customer], customer_client: Callable[[Customer], Any]
) -> None:
    customer = ask("eva@example.com", "Where is my order?")
    open_ticket = Ticket.objects.get(customer=customer)
    client = customer_client(customer)
    photo = SimpleUploadedFile("label.jpg", b"\xff\xd8jpeg-bytes", content_type="image/jpeg")

    response = client.post(URL, {**_form(), "attachments": [photo]})

    assert response.status_code == 302
    ticket = Ticket.objects.exclude(pk=open_ticket.pk).get()
    assert ticket.customer_id == customer.pk
    assert ticket.channel == Channel.WEB
    assert ticket.subject == "Wrong size delivered"
    assert "category:returns" in ticket.tags
    message = Message.objects.get(ticket=ticket)
    assert message.body_text.startswith("I ordered a medium")
    attachment = Attachment.objects.get(message=message)
    assert (attachment.filename, attachment.size) == ("label.jpg", 12)
    assert SlaTimer.objects.filter(ticket=ticket, state=TimerState.RUNNING).exists()
    assert Message.objects.filter(ticket=open_ticket).count() == 1

    page = client.get(response["Location"])
    text = page.content.decode()
    assert f"We have your request #{ticket.pk}" in text
    assert f"A person will answer by {_promise(ticket)}." in text
    assert reverse("portal:request", args=[ticket.pk]) in text
    assert "emailed you" not in text
    assert mail.outbox == []


def test_the_signed_in_form_asks_no_address(
    ask: Callable[..., Customer], customer_client: Callable[[Customer], Any]
) -> None:
    client = customer_client(ask("eva@example.com", "Hello"))
    text = client.get(URL).content.decode()
    assert 'name="email"' not in text
    assert 'name="website"' not in text
    assert 'name="attachments"' in text
    assert "Returns and exchanges" in text


def test_public_form_creates_the_customer_and_emails_number_promise_and_link(
    client: Any, policies: None
) -> None:
    page = client.get(URL)
    assert page.status_code == 200
    assert 'name="email"' in page.content.decode()

    response = client.post(URL, _public(), REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.channel == Channel.WEB
    identity = Identity.objects.get(kind="email", value="lotte@example.nl")
    assert ticket.customer_id == identity.customer_id
    assert identity.customer.name == "Lotte de Vries"
    assert ticket.tags == ["category:returns"]
    confirmation = client.get(response["Location"]).content.decode()
    assert f"We have your request #{ticket.pk}" in confirmation
    assert f"A person will answer by {_promise(ticket)}." in confirmation
    assert "We have emailed you a link to follow your request." in confirmation
    assert reverse("portal:request", args=[ticket.pk]) not in confirmation

    [email] = mail.outbox
    assert email.to == ["lotte@example.nl"]
    assert f"[#{ticket.pk}]" in email.subject
    assert f"A person will answer by {_promise(ticket)}." in email.body
    assert "Hello Lotte de Vries," in email.body
    link = re.search(r"https?://\S+", str(email.body))
    assert link is not None
    _follow_link_to_request(client, link.group(0), ticket)


def _follow_link_to_request(client: Any, url: str, ticket: Ticket) -> None:
    """The mailed link through the portal's link page: it asks for a press, signs in and
    lands on the new request; then the link is used up."""
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}"
    assert parts.query == urlencode({"next": reverse("portal:request", args=[ticket.pk])})
    assert client.get(path).status_code == 200
    signed_in = client.post(path)
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("portal:request", args=[ticket.pk])
    request_page = client.get(signed_in["Location"])
    assert request_page.status_code == 200
    assert "Wrong size delivered" in request_page.content.decode()
    client.logout()
    assert client.get(path).status_code == 410


@pytest.mark.usefixtures("policies")
def test_the_link_page_ignores_a_next_outside_the_portal(client: Any) -> None:
    client.post(URL, _public())
    link = re.search(r"https?://\S+", str(mail.outbox[0].body))
    assert link is not None
    path = urlsplit(link.group(0)).path
    signed_in = client.post(f"{path}?{urlencode({'next': 'https://evil.example/support/'})}")
    assert signed_in["Location"] == reverse("portal:requests")


def test_public_form_finds_a_known_customer_and_answers_the_same(
    client: Any, ask: Callable[..., Customer]
) -> None:
    known = ask("lotte@example.nl", "Earlier question")
    pages = []
    for address in ("lotte@example.nl", "new@example.nl"):
        sent = client.post(URL, _public(email=address), REMOTE_ADDR="203.0.113.7")
        ticket = Ticket.objects.filter(channel=Channel.WEB).latest("pk")
        html = client.get(sent["Location"]).content.decode()
        page = html[html.index("<main") : html.index("</main>")]
        # The number and the promise's minute differ; nothing else may.
        page = page.replace(f"#{ticket.pk}", "#N")
        pages.append(re.sub(r"answer by [^.<]+\.", "answer by …", page))
    assert Ticket.objects.filter(customer=known).count() == 2
    assert Customer.objects.count() == 2
    assert len(mail.outbox) == 2
    assert pages[0] == pages[1]


@pytest.mark.usefixtures("policies")
def test_public_form_is_limited_per_ip(client: Any, settings: Any) -> None:
    settings.PORTAL_REQUESTS_PER_IP = 2
    for n in range(2):
        sent = client.post(URL, _public(email=f"p{n}@example.nl"), REMOTE_ADDR="198.51.100.1")
        assert sent.status_code == 302
    refused = client.post(URL, _public(email="p3@example.nl"), REMOTE_ADDR="198.51.100.1")
    assert refused.status_code == 429
    text = refused.content.decode()
    assert "You sent several requests in a short time" in text
    assert "I ordered a medium and got a small" in text
    assert Ticket.objects.count() == 2
    other = client.post(URL, _public(email="p4@example.nl"), REMOTE_ADDR="198.51.100.2")
    assert other.status_code == 302


@pytest.mark.usefixtures("policies")
def test_public_form_is_limited_per_address(client: Any, settings: Any) -> None:
    settings.PORTAL_REQUESTS_PER_ADDRESS = 1
    assert client.post(URL, _public(), REMOTE_ADDR="198.51.100.1").status_code == 302
    refused = client.post(URL, _public(email="lotte@EXAMPLE.nl"), REMOTE_ADDR="198.51.100.9")
    assert refused.status_code == 429
    assert Ticket.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("policies")
def test_honeypot_is_refused_with_a_message_and_nothing_stored(client: Any) -> None:
    response = client.post(URL, _public(website="https://spam.example"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "Leave this empty" in text
    assert "has text in it" in text
    assert "Wrong size delivered" in text
    assert not Ticket.objects.exists()
    assert not Customer.objects.exists()
    assert mail.outbox == []


@pytest.mark.usefixtures("policies")
def test_a_form_sent_too_fast_is_refused_and_keeps_the_text(client: Any) -> None:
    response = client.post(URL, _public(token=form_token_new()))
    assert response.status_code == 400
    text = response.content.decode()
    assert "That was very quick" in text
    assert "I ordered a medium and got a small" in text
    assert not Ticket.objects.exists()


@pytest.mark.usefixtures("policies")
def test_a_tampered_token_is_refused_and_replaced(client: Any) -> None:
    response = client.post(URL, _public(token="forged:token"))
    assert response.status_code == 400
    assert "This form was open too long" in response.content.decode()
    assert not Ticket.objects.exists()
    fresh = re.search(r'name="token" value="([^"]+)"', response.content.decode())
    assert fresh is not None
    again = client.post(URL, _public(token=fresh.group(1)))
    assert again.status_code == 302


@pytest.mark.usefixtures("policies")
def test_a_double_submit_stores_one_ticket_and_one_email(client: Any) -> None:
    data = _public()
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first.status_code == second.status_code == 302
    # The same confirmation: the signed value alike (its timestamp and signature differ when
    # the two posts fall in two seconds).
    assert first["Location"].split(":")[0] == second["Location"].split(":")[0]
    assert Ticket.objects.count() == 1
    assert Message.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("policies")
def test_an_oversized_or_empty_file_is_refused_and_nothing_stored(
    client: Any, settings: Any
) -> None:
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("scan.pdf", b"x" * 11, content_type="application/pdf")
    response = client.post(URL, {**_public(), "attachments": [big]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "scan.pdf is larger than the 10\xa0bytes a file may be." in text
    assert "Please choose your files again." in text
    assert "Wrong size delivered" in text
    empty = SimpleUploadedFile("empty.txt", b"", content_type="text/plain")
    response = client.post(URL, {**_public(), "attachments": [empty]})
    assert response.status_code == 400
    assert "empty.txt is empty." in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


@pytest.mark.usefixtures("policies")
def test_missing_or_bad_fields_are_named(client: Any) -> None:
    response = client.post(URL, _public(email="not-an-address", subject="", category="bogus"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "That does not look like an email address" in text
    assert text.count('aria-invalid="true"') == 3
    assert not Ticket.objects.exists()


def test_the_confirmation_page_needs_its_signed_address(
    client: Any, ask: Callable[..., Customer], customer_client: Callable[[Customer], Any]
) -> None:
    assert client.get("/support/new/sent/12/").status_code == 404
    owner = ask("eva@example.com", "Hi")
    other = ask("ben@example.com", "Hello")
    sent = customer_client(owner).post(URL, _form())
    location = sent["Location"]
    ticket = Ticket.objects.get(channel=Channel.WEB)
    client.logout()
    # Someone else with the address sees the number and promise, not a link into it.
    text = customer_client(other).get(location).content.decode()
    assert f"#{ticket.pk}" in text
    assert reverse("portal:request", args=[ticket.pk]) not in text


def test_the_suggestion_region_is_wired_to_the_help_centre(client: Any, db: Any) -> None:
    text = client.get(URL).content.decode()
    suggest = reverse("portal:help_suggest")
    assert 'aria-labelledby="portal-suggest-title" aria-live="polite"' in text
    assert "These articles may answer your question" in text
    assert text.count(f'hx-get="{suggest}"') == 2
    assert text.count('hx-trigger="input changed delay:400ms"') == 2
    assert text.count('hx-target="#portal-suggestions"') == 2
    assert "django_htmx/htmx-2.min.js" in text
    assert "portal/new_request.js" in text


def test_typing_about_a_return_suggests_the_returns_article(client: Any, db: Any) -> None:
    seed_returns_article()
    suggest = reverse("portal:help_suggest")
    found = client.get(suggest, {"q": "How do I return a parcel"}).content.decode()
    assert "Returns and exchanges within 30 days" in found
    assert client.get(suggest, {"q": "xylophone"}).content == b""


def seed_returns_article() -> None:
    category = category_save(texts={"en": CategoryText("Orders")})
    article_save(
        category=category,
        texts={
            "en": ArticleText(
                "Returns and exchanges within 30 days",
                "You can return a parcel within 30 days. Print the label and drop it off.",
            ),
            "pl": ArticleText(
                "Zwroty i wymiany w ciągu 30 dni",
                "Możesz zwrócić paczkę w ciągu 30 dni. Wydrukuj etykietę.",
            ),
        },
        visibility=Visibility.PUBLIC,
        by=None,
    )


def test_the_promise_is_in_the_signed_in_customers_language(
    ask: Callable[..., Customer], customer_client: Callable[[Customer], Any]
) -> None:
    customer = ask("ola@example.pl", "Zamówienie")
    Customer.objects.filter(pk=customer.pk).update(language="pl")
    sent = customer_client(customer).post(URL, _form())
    ticket = Ticket.objects.get(channel=Channel.WEB)
    text = customer_client(customer).get(sent["Location"]).content.decode()
    with translation.override("pl"):
        due = _promise(ticket)
    # Weekday and month in Polish words (the month as a sentence needs it: "listopada").
    assert due != _promise(ticket)
    assert due in text


@pytest.mark.usefixtures("policies")
def test_the_confirmation_email_is_in_the_customers_language(client: Any) -> None:
    client.post(URL, _public(), HTTP_ACCEPT_LANGUAGE="nl")
    ticket = Ticket.objects.get()
    assert ticket.customer.language == "nl"
    with translation.override("nl"):
        due = _promise(ticket)
    assert due in str(mail.outbox[0].body)
