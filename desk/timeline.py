"""One ticket's timeline as the desk shows it: messages of every channel and the events that
say why, oldest first, the latest page at a time (older pages on demand)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tickets.models import Message, Ticket, TicketEvent
from tickets.selectors import event_list, message_list

PAGE_SIZE = 60


@dataclass(frozen=True)
class Entry:
    kind: str  # "message" | "event"
    at: datetime
    item: Any


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    older_before: datetime | None


def timeline_page(*, ticket: Ticket, before: datetime | None = None) -> TimelinePage:
    """The latest `PAGE_SIZE` messages and events (before `before`), in time order: two
    queries on the (ticket, created_at) indexes plus the attachments' prefetch."""
    messages = message_list(ticket=ticket).order_by("-created_at", "-id")
    events = event_list(ticket=ticket).order_by("-created_at", "-id")
    if before is not None:
        messages = messages.filter(created_at__lt=before)
        events = events.filter(created_at__lt=before)
    latest_messages: list[Message] = list(messages[: PAGE_SIZE + 1])
    latest_events: list[TicketEvent] = list(events[: PAGE_SIZE + 1])
    entries = [Entry("message", m.created_at, m) for m in latest_messages] + [
        Entry("event", e.created_at, e) for e in latest_events
    ]
    entries.sort(key=lambda entry: (entry.at, entry.kind == "message"), reverse=True)
    more = len(entries) > PAGE_SIZE
    entries = entries[:PAGE_SIZE]
    entries.reverse()
    return TimelinePage(entries, entries[0].at if more and entries else None)
