"""The web form's promise (issue 16): the confirmation page, the confirmation email and the
request's page in the portal all name when a person will answer, by the running clock; in
the customer's own time zone when their phone number tells it; a manager's web-form text
replaces the built-in email wording, with the sign-in link as the portal link."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache

from customers.services import customer_resolve, identity_add
from portal.new_request import form_token_new
from tickets.models import AutomaticText, SlaTimer, Ticket
from tickets.promise import promise_format
from tickets.services import sla_policies_default

URL = "/support/new/"
NOW = datetime(2027, 1, 8, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _setup(db: Any) -> None:
    sla_policies_default()
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter("*portal:request:*"):
        client.delete(key)


def _send(client: Any, email: str = "oliver.smith@example.co.uk") -> Ticket:
    data = {
        "token": form_token_new(shown_at=time.time() - 60),
        "subject": "Tent pegs missing",
        "message": "The bag came without pegs.",
        "category": "damaged",
        "name": "Oliver Smith",
        "email": email,
        "website": "",
    }
    response = client.post(URL, data, REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302, response.content
    client.confirmation = client.get(response["Location"]).content.decode()
    return Ticket.objects.get()


def test_the_promise_is_in_the_confirmation_the_email_and_the_portal(client: Any) -> None:
    with time_machine.travel(NOW, tick=False):
        ticket = _send(client, "eva@example.com")
    due = SlaTimer.objects.get(ticket=ticket, metric="first_response").due_at
    assert due == NOW + timedelta(hours=48)  # Standard covers the web form
    promise = promise_format(due, language="en")
    assert promise == "Sunday 10 January, 10:00"
    assert f"A person will answer by {promise}." in client.confirmation
    [email] = mail.outbox
    assert f"A person will answer by {promise}." in email.body
    assert "as soon as" not in email.body

    # Signed in through the mailed link, the request's page says it too.
    link = re.search(r"https?://\S+", str(email.body))
    assert link is not None
    parts = urlsplit(link.group(0))
    with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
        signed_in = client.post(f"{parts.path}?{parts.query}")
        page = client.get(signed_in["Location"]).content.decode()
    assert f"we will answer by {promise}" in page


def test_a_customer_whose_number_says_london_reads_london_time(client: Any) -> None:
    oliver = customer_resolve(
        kind="email", value="oliver.smith@example.co.uk", name="Oliver Smith", language="en"
    ).customer
    identity_add(customer=oliver, kind="phone", value="+447911123456")
    with time_machine.travel(NOW, tick=False):
        _send(client)
    # 48 h from Friday 10:00 in Amsterdam is Sunday 09:00 in London.
    assert "A person will answer by Sunday 10 January, 09:00 (London time)." in (
        client.confirmation
    )
    [email] = mail.outbox
    assert "Sunday 10 January, 09:00 (London time)" in email.body


def test_a_managers_web_form_text_is_the_email(client: Any) -> None:
    AutomaticText.objects.create(
        purpose="acknowledgement",
        channel="web",
        text_en="Hi {first_name}! Request #{ticket_number}: a person answers by {answer_by}.\n"
        "Follow it here: {portal_link}",
    )
    with time_machine.travel(NOW, tick=False):
        ticket = _send(client)
    [email] = mail.outbox
    assert email.body.startswith(
        f"Hi Oliver! Request #{ticket.pk}: a person answers by Sunday 10 January, 10:00.\n"
        "Follow it here: http"
    )
    # The portal link is the single-use sign-in link, and the link's validity follows.
    assert "/support/signin/" in email.body
    assert "The link works once" in email.body
