"""Retention: the beat task anonymises closed tickets older than PRIVACY_RETENTION_MONTHS
(messages, attachments, subjects), only those, in batches, once; figures unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import time_machine

from privacy.models import AnonymisedTicket
from privacy.services import retention_cutoff, retention_sweep
from privacy.tasks import retention_sweep as retention_task
from tests.factories import inbound
from tests.privacy.conftest import figures
from tickets.models import Attachment, Message, Ticket
from tickets.services import (
    InboundAttachment,
    message_ingest,
    reply_create,
    sla_policies_default,
    ticket_set_status,
    tickets_close_solved,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def handled(agent: Any, *, at: datetime, value: str, word: str, close: bool) -> Ticket:
    """A customer writes at `at` (with a file), the agent answers and solves; closed four
    days later by the usual task when `close`."""
    with time_machine.travel(at, tick=False) as clock:
        result = message_ingest(
            data=inbound(
                value=value,
                subject=f"Subject {word}",
                body_text=f"Body {word}",
                attachments=[InboundAttachment("a.txt", word.encode(), "text/plain")],
            )
        )
        clock.shift(timedelta(hours=2))
        reply_create(ticket=result.ticket, author=agent, body_text=f"Reply {word}")
        ticket_set_status(ticket=result.ticket, status="solved", by=agent)
        if close:
            clock.shift(timedelta(days=5))
            tickets_close_solved()
    return Ticket.objects.get(pk=result.ticket.pk)


@pytest.fixture
def tickets(agent: Any, media: Path, settings: Any) -> dict[str, Ticket]:
    sla_policies_default()
    settings.PRIVACY_RETENTION_MONTHS = 12
    return {
        "old_closed": handled(
            agent, at=NOW - timedelta(days=420), value="a@x.nl", word="Oudgesloten", close=True
        ),
        "old_closed_2": handled(
            agent, at=NOW - timedelta(days=400), value="b@x.nl", word="Ooklang", close=True
        ),
        "old_solved": handled(
            agent, at=NOW - timedelta(days=420), value="c@x.nl", word="Oudopgelost", close=False
        ),
        "recent_closed": handled(
            agent, at=NOW - timedelta(days=60), value="d@x.nl", word="Recentdicht", close=True
        ),
    }


def texts(ticket: Ticket) -> str:
    ticket.refresh_from_db()
    bodies = " ".join(Message.objects.filter(ticket=ticket).values_list("body_text", flat=True))
    return f"{ticket.subject} {bodies}"


def test_only_closed_tickets_past_the_months_are_anonymised(
    tickets, manager, media, django_capture_on_commit_callbacks
) -> None:
    with time_machine.travel(NOW, tick=False):
        before = figures(manager)
        with django_capture_on_commit_callbacks(execute=True):
            assert retention_task.delay().get() == 2
        after = figures(manager)
    assert after == before
    for name in ("old_closed", "old_closed_2"):
        assert texts(tickets[name]).strip() == ""
        assert not Attachment.objects.filter(message__ticket=tickets[name]).exists()
    assert "Oudopgelost" in texts(tickets["old_solved"])
    assert "Recentdicht" in texts(tickets["recent_closed"])
    files = [p.read_bytes() for p in media.rglob("*") if p.is_file()]
    assert sorted(files) == [b"Oudopgelost", b"Recentdicht"]
    # The customers themselves are not erased by retention.
    assert tickets["old_closed"].customer.identities.exists()


def test_it_runs_in_batches_and_only_once(tickets, django_capture_on_commit_callbacks) -> None:
    with time_machine.travel(NOW, tick=False):
        assert retention_sweep(batch=1) == 2
        assert retention_sweep(batch=1) == 0
    assert AnonymisedTicket.objects.count() == 2


def test_zero_months_is_off(tickets, settings) -> None:
    settings.PRIVACY_RETENTION_MONTHS = 0
    with time_machine.travel(NOW, tick=False):
        assert retention_sweep() == 0
    assert "Oudgesloten" in texts(tickets["old_closed"])


def test_the_cutoff_is_calendar_months_back() -> None:
    assert retention_cutoff(now=datetime(2026, 3, 31, tzinfo=UTC), months=1) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert retention_cutoff(now=datetime(2026, 1, 15, tzinfo=UTC), months=13) == datetime(
        2024, 12, 15, tzinfo=UTC
    )


def test_the_sweeps_are_on_the_beat_schedule() -> None:
    from helpdesk.celery import app

    for name in ("privacy.exports_sweep", "privacy.retention_sweep"):
        entry = app.conf.beat_schedule[name]
        assert entry["task"] == name
        assert name in app.tasks
