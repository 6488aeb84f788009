"""Realtime events pushed to agents' browsers through the Channels layer, after commit."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def ticket_group(ticket_id: int) -> str:
    return f"ticket.{ticket_id}"


QUEUE_GROUP = "tickets.all"


def publish_ticket_event(*, ticket_id: int, event: str, data: dict[str, Any] | None = None) -> None:
    """Tell every agent watching the ticket (and the queues) once the transaction commits."""
    payload = {"type": "ticket.event", "event": event, "ticket": ticket_id, "data": data or {}}
    publish_after_commit([(ticket_group(ticket_id), payload), (QUEUE_GROUP, payload)])


def _send_many(items: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None or not items:
        return

    async def send_all() -> None:
        for group, event in items:
            await layer.group_send(group, event)

    try:
        # One event loop for the whole batch: a sweep may publish thousands of events.
        async_to_sync(send_all)()
    except Exception:
        logger.warning(
            "realtime: could not publish a batch of %s events", len(items), exc_info=True
        )


def publish_now(items: list[tuple[str, dict[str, Any]]]) -> None:
    """Send (group, event) pairs at once (typing, presence: nothing to commit first)."""
    _send_many(items)


def publish_after_commit(items: list[tuple[str, dict[str, Any]]]) -> None:
    """Send (group, event) pairs once the transaction commits, in one event loop."""
    transaction.on_commit(lambda: _send_many(items))


def publish_ticket_events(*, event: str, tickets: dict[int, dict[str, Any]]) -> None:
    """Many tickets' events at once, after commit: each ticket's watchers get theirs, the
    queues one summary (`data.tickets`) rather than a flood."""
    if not tickets:
        return
    items: list[tuple[str, dict[str, Any]]] = [
        (
            ticket_group(ticket_id),
            {"type": "ticket.event", "event": event, "ticket": ticket_id, "data": data},
        )
        for ticket_id, data in tickets.items()
    ]
    summary: dict[str, Any] = {
        "type": "ticket.event",
        "event": event,
        "ticket": None,
        "data": {"tickets": sorted(tickets)[:1000]},
    }
    items.append((QUEUE_GROUP, summary))
    transaction.on_commit(lambda: _send_many(items))
