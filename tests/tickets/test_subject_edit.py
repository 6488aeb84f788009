"""Agents rename a ticket through the API (issue 10, item 8): a merged ticket no longer keeps
"Call from +316…" for ever. Each change is a timeline event; refusals change nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import inbound
from tickets.models import Ticket
from tickets.services import call_ingest, message_ingest

pytestmark = pytest.mark.django_db


def _call_ticket() -> Ticket:
    """A missed call from an unknown number: the ticket is called after the caller."""
    data = inbound(
        "phone",
        value="+31612345678",
        subject="Call from +31612345678",
        body_text="",
        call_direction="inbound",
        call_answered=False,
    )
    return call_ingest(data=data).ticket


def _subject_events(api, ticket: Ticket) -> list[dict[str, Any]]:
    events = api.get(f"/api/v1/tickets/{ticket.pk}/events/").json()["results"]
    return [e for e in events if e["kind"] == "subject"]


def test_agent_renames_a_merged_ticket(api, agent) -> None:
    call = _call_ticket()
    assert call.subject == "Call from +31612345678"
    api.patch(f"/api/v1/tickets/{call.pk}/", {"status": "solved"}, format="json")
    # She writes again later: a second ticket of hers, which the agent merges into the first.
    second = message_ingest(data=inbound("whatsapp", value="+31612345678")).ticket
    assert second.pk != call.pk
    merged = api.post(f"/api/v1/tickets/{second.pk}/merge/", {"into": call.pk}, format="json")
    assert merged.status_code == 200, merged.content

    response = api.patch(
        f"/api/v1/tickets/{call.pk}/", {"subject": "  Damaged parcel, refund  "}, format="json"
    )

    assert response.status_code == 200, response.content
    assert response.json()["subject"] == "Damaged parcel, refund"
    assert api.get(f"/api/v1/tickets/{call.pk}/").json()["subject"] == "Damaged parcel, refund"
    [event] = _subject_events(api, call)
    assert event["text"] == "subject: Damaged parcel, refund"
    assert event["actor"]["username"] == agent.username
    assert event["data"] == {"old": "Call from +31612345678", "new": "Damaged parcel, refund"}


def test_the_same_subject_again_records_nothing(api) -> None:
    ticket = _call_ticket()
    for _ in range(2):
        response = api.patch(f"/api/v1/tickets/{ticket.pk}/", {"subject": "Refund"}, format="json")
        assert response.status_code == 200
    assert len(_subject_events(api, ticket)) == 1


def test_subject_with_other_fields_in_one_request(api) -> None:
    ticket = _call_ticket()
    response = api.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"subject": "Call back about the refund", "priority": "high", "status": "closed"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["subject"], body["priority"], body["status"]) == (
        "Call back about the refund",
        "high",
        "closed",
    )


@pytest.mark.parametrize(
    ("subject", "message"),
    [
        ("", "This field may not be blank."),
        ("   ", "This field may not be blank."),
        (None, "This field may not be null."),
        ("x" * 301, "Ensure this field has no more than 300 characters."),
    ],
    ids=["empty", "blank", "null", "too-long"],
)
def test_invalid_subject_is_refused_with_a_reason(api, subject, message) -> None:
    ticket = _call_ticket()
    response = api.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"subject": subject, "priority": "high"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"subject": [message]}
    ticket.refresh_from_db()
    assert (ticket.subject, ticket.priority) == ("Call from +31612345678", 2)
    assert _subject_events(api, ticket) == []


def test_longest_subject_is_kept_whole(api) -> None:
    ticket = _call_ticket()
    response = api.patch(f"/api/v1/tickets/{ticket.pk}/", {"subject": "y" * 300}, format="json")
    assert response.status_code == 200
    assert response.json()["subject"] == "y" * 300


def test_closed_ticket_keeps_its_subject(api) -> None:
    ticket = _call_ticket()
    api.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "closed"}, format="json")
    response = api.patch(f"/api/v1/tickets/{ticket.pk}/", {"subject": "Too late"}, format="json")
    assert response.status_code == 400
    assert "closed" in response.json()["detail"]
    ticket.refresh_from_db()
    assert ticket.subject == "Call from +31612345678"
