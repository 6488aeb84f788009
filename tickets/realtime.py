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


def _send(groups: list[str], event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group in groups:
            async_to_sync(layer.group_send)(group, event)
    except Exception:
        # A live update is a convenience; the database already holds the truth.
        logger.warning("realtime: could not publish %s", event.get("type"), exc_info=True)


def publish_ticket_event(*, ticket_id: int, event: str, data: dict[str, Any] | None = None) -> None:
    """Tell every agent watching the ticket (and the queues) once the transaction commits."""
    payload = {"type": "ticket.event", "event": event, "ticket": ticket_id, "data": data or {}}
    transaction.on_commit(lambda: _send([ticket_group(ticket_id), QUEUE_GROUP], payload))
