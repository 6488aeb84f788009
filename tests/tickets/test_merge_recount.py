"""Merging two tickets of one customer recounts chasing over the merged timeline and keeps the
earliest SLA start, whichever ticket survives (issue 10, item 7).

The situation as it arises for real: a missed call from an unknown number opens a phone
ticket (customer A), an email from an unknown address opens an email ticket (customer B);
an agent sees they are one person, merges the customers, then merges the two tickets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
import time_machine
from django.http import QueryDict
from django.test import Client

from channels_inbox.webhooks.twilio import twilio_signature
from tests.factories import inbound
from tickets.models import Ticket
from tickets.services import message_ingest

TWILIO = Path(__file__).parent.parent / "channels_inbox" / "fixtures" / "twilio"
TOKEN = "twilio-auth-token-merge"
URL = "http://testserver/webhooks/twilio/voice/"
# The missed call in fixtures/twilio/inbound_no_answer.txt rang at 09:15:02 UTC.
CALL_AT = datetime(2026, 3, 2, 9, 15, 2, tzinfo=UTC)
EMAIL_AT = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


def _missed_call(django_capture_on_commit_callbacks) -> None:
    """Twilio reports a missed call, signed as Twilio signs it; the task runs inline."""
    body = (TWILIO / "inbound_no_answer.txt").read_text().strip()
    body = urlencode(parse_qsl(body, keep_blank_values=True))
    signature = twilio_signature(token=TOKEN, url=URL, params=list(QueryDict(body).lists()))
    with (
        time_machine.travel(CALL_AT.replace(minute=16), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = Client().post(
            URL,
            body.encode(),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=signature,
        )
    assert response.status_code == 200


def _two_tickets(api, django_capture_on_commit_callbacks) -> tuple[Ticket, Ticket]:
    """A phone ticket and an email ticket, one unanswered contact each, of one customer."""
    _missed_call(django_capture_on_commit_callbacks)
    phone = Ticket.objects.get(channel="phone")
    with time_machine.travel(EMAIL_AT, tick=False):
        email = message_ingest(
            data=inbound("email", value="sanne@example.com", body_text="I called, no answer")
        ).ticket
    assert email.pk != phone.pk
    assert email.customer_id != phone.customer_id
    merged = api.post(
        f"/api/v1/customers/{email.customer_id}/merge/",
        {"into": phone.customer_id},
        format="json",
    )
    assert merged.status_code == 200, merged.content
    return phone, email


def _merge(api, source: Ticket, target: Ticket) -> dict[str, Any]:
    response = api.post(f"/api/v1/tickets/{source.pk}/merge/", {"into": target.pk}, format="json")
    assert response.status_code == 200, response.content
    return api.get(f"/api/v1/tickets/{target.pk}/").json()


def _events(api, ticket: Ticket, kind: str) -> list[dict[str, Any]]:
    events = api.get(f"/api/v1/tickets/{ticket.pk}/events/?page_size=200").json()["results"]
    return [e for e in events if e["kind"] == kind]


def _first_response(ticket: dict[str, Any]) -> dict[str, Any]:
    live = [
        t for t in ticket["sla"] if t["metric"] == "first_response" and t["status"] != "cancelled"
    ]
    assert len(live) == 1, ticket["sla"]
    return live[0]


@pytest.mark.parametrize("survivor", ["phone", "email"])
def test_merge_recounts_chasing_over_the_merged_timeline(
    api, django_capture_on_commit_callbacks, survivor
) -> None:
    phone, email = _two_tickets(api, django_capture_on_commit_callbacks)
    target, source = (phone, email) if survivor == "phone" else (email, phone)

    ticket = _merge(api, source, target)

    # Call, then email, nobody answered in between: the email is a repeat contact.
    assert (ticket["unanswered_contacts"], ticket["repeat_contacts"]) == (2, 1)
    assert ticket["priority"] == "normal"
    chasing = _events(api, target, "chasing")
    assert len(chasing) == 1
    assert chasing[0]["data"]["repeat_contacts"] == 1
    assert chasing[0]["data"]["contacts"] == 2

    # The next contact is the second repeat contact: priority goes up now, and only once.
    with time_machine.travel(EMAIL_AT.replace(hour=11), tick=False):
        message_ingest(data=inbound("email", value="sanne@example.com", body_text="Hello??"))
    ticket = api.get(f"/api/v1/tickets/{target.pk}/").json()
    assert (ticket["unanswered_contacts"], ticket["repeat_contacts"]) == (3, 2)
    assert ticket["priority"] == "high"
    with time_machine.travel(EMAIL_AT.replace(hour=12), tick=False):
        message_ingest(data=inbound("email", value="sanne@example.com", body_text="Anyone?"))
    ticket = api.get(f"/api/v1/tickets/{target.pk}/").json()
    assert ticket["repeat_contacts"] == 3
    assert ticket["priority"] == "high"
    raised = [e for e in _events(api, target, "priority") if "chasing" in e["text"]]
    assert len(raised) == 1


def test_a_human_reply_between_the_contacts_is_no_chasing(
    api, django_capture_on_commit_callbacks
) -> None:
    _missed_call(django_capture_on_commit_callbacks)
    phone = Ticket.objects.get(channel="phone")
    with time_machine.travel(CALL_AT.replace(minute=30), tick=False):
        logged = api.post(
            f"/api/v1/tickets/{phone.pk}/calls/",
            {"direction": "outbound", "answered": True, "duration_seconds": 60},
            format="json",
        )
    assert logged.status_code == 201, logged.content
    with time_machine.travel(EMAIL_AT, tick=False):
        email = message_ingest(data=inbound("email", value="sanne@example.com")).ticket
    api.post(
        f"/api/v1/customers/{email.customer_id}/merge/",
        {"into": phone.customer_id},
        format="json",
    )

    ticket = _merge(api, phone, email)

    assert (ticket["unanswered_contacts"], ticket["repeat_contacts"]) == (1, 0)
    assert _events(api, email, "chasing") == []


def test_merge_never_raises_priority_twice(api, django_capture_on_commit_callbacks) -> None:
    phone, email = _two_tickets(api, django_capture_on_commit_callbacks)
    # The customer keeps writing on the email ticket: the chase raises it there already.
    for hour in (11, 12):
        with time_machine.travel(EMAIL_AT.replace(hour=hour), tick=False):
            result = message_ingest(data=inbound("email", value="sanne@example.com"))
        assert result.ticket.pk in (phone.pk, email.pk)
    raised_on = Ticket.objects.get(chase_priority_raised=True)
    other = phone if raised_on.pk == email.pk else email

    ticket = _merge(api, other, raised_on)

    # Call, email, email, email: four contacts, three of them repeats.
    assert (ticket["unanswered_contacts"], ticket["repeat_contacts"]) == (4, 3)
    assert ticket["priority"] == "high"
    raised = [e for e in _events(api, raised_on, "priority") if "chasing" in e["text"]]
    assert len(raised) == 1


@pytest.mark.parametrize("survivor", ["phone", "email"])
def test_merged_first_response_clock_keeps_the_earliest_start(
    api, django_capture_on_commit_callbacks, survivor
) -> None:
    phone, email = _two_tickets(api, django_capture_on_commit_callbacks)
    call_clock = _first_response(api.get(f"/api/v1/tickets/{phone.pk}/").json())
    assert call_clock["started_at"] == CALL_AT.isoformat().replace("+00:00", "Z")
    target, source = (phone, email) if survivor == "phone" else (email, phone)

    ticket = _merge(api, source, target)

    clock = _first_response(ticket)
    for field in ("started_at", "due_at", "reason", "policy", "policy_version"):
        assert clock[field] == call_clock[field], field
    assert "phone contact" in clock["reason"]
