"""/api/v1/tickets/<id>/calls/: logging missed and answered calls on a ticket."""

from __future__ import annotations

import pytest

from tests.factories import inbound
from tickets.services import message_ingest


@pytest.mark.django_db
def test_logged_calls(api) -> None:
    ticket = message_ingest(data=inbound("phone", value="+48 512 345 678", body_text="")).ticket
    missed = api.post(
        f"/api/v1/tickets/{ticket.pk}/calls/",
        {"direction": "inbound", "answered": False},
        format="json",
    )
    assert missed.status_code == 201
    ticket.refresh_from_db()
    assert ticket.unanswered_contacts == 2
    answered = api.post(
        f"/api/v1/tickets/{ticket.pk}/calls/",
        {
            "direction": "outbound",
            "answered": True,
            "duration_seconds": 240,
            "notes": "Explained the refund",
        },
        format="json",
    )
    assert answered.status_code == 201
    assert answered.json()["call_duration_seconds"] == 240
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is not None
    assert ticket.unanswered_contacts == 0
