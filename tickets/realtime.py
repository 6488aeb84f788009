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
# Batches of many tickets' events (`publish_ticket_batch`): joined by every ticket page's
# socket, which passes on only its own ticket's part, never the rest.
BATCH_GROUP = "tickets.batches"


def user_group(user_id: int) -> str:
    """One agent's own feed (their notifications): only that user's sockets join it."""
    return f"user.{user_id}"


def team_group(team_id: int) -> str:
    """The queue feed of one restricted team: its tickets' events go here instead of to
    `QUEUE_GROUP`, and only the team's members and the managers join it (the Redis layer
    cannot filter a group's broadcast per user)."""
    return f"team.{team_id}"


def _restricted_teams(ticket_ids: list[int]) -> dict[int, int]:
    """{ticket id: team id} for those of the tickets whose team is restricted; one query."""
    from tickets.models import Ticket

    rows = Ticket.objects.filter(pk__in=ticket_ids, team__restricted=True).values_list(
        "pk", "team_id"
    )
    return {pk: team_id for pk, team_id in rows if team_id is not None}


def publish_ticket_event(*, ticket_id: int, event: str, data: dict[str, Any] | None = None) -> None:
    """Tell every agent watching the ticket (and the queues) once the transaction commits.
    A restricted team's ticket goes to that team's feed, not to every agent's queue; which
    team is read after the commit (one query), so a team change in the same transaction
    counts."""
    payload = {"type": "ticket.event", "event": event, "ticket": ticket_id, "data": data or {}}

    def send() -> None:
        team_id = _restricted_teams([ticket_id]).get(ticket_id)
        queue = team_group(team_id) if team_id is not None else QUEUE_GROUP
        _send_many([(ticket_group(ticket_id), payload), (queue, payload)])

    transaction.on_commit(send)


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


def publish_ticket_batch(*, event: str, tickets: dict[int, dict[str, Any]]) -> None:
    """Many tickets' events at once (a sweep batch), after commit, in a fixed number of
    sends whatever their number: each queue feed gets one summary (`data.tickets`, the
    ids it may see) and the ticket pages one `ticket.batch` on `BATCH_GROUP`, from which
    each page's socket forwards its own ticket's event (`TicketUpdatesConsumer`). A send
    per ticket cost about a millisecond each, most of a big sweep's time."""
    if not tickets:
        return
    # String keys: the layer's msgpack refuses integer map keys on the way back.
    batch = {
        "type": "ticket.batch",
        "event": event,
        "tickets": {str(ticket_id): data for ticket_id, data in tickets.items()},
    }

    def send() -> None:
        # The summary lists ticket ids: restricted teams' ids go to their team's feed only.
        by_queue: dict[str, list[int]] = {}
        restricted = _restricted_teams(list(tickets))
        for ticket_id in tickets:
            team_id = restricted.get(ticket_id)
            queue = team_group(team_id) if team_id is not None else QUEUE_GROUP
            by_queue.setdefault(queue, []).append(ticket_id)
        items: list[tuple[str, dict[str, Any]]] = [(BATCH_GROUP, batch)]
        for queue, ids in by_queue.items():
            summary = {"type": "ticket.event", "event": event, "ticket": None}
            items.append((queue, {**summary, "data": {"tickets": sorted(ids)[:1000]}}))
        _send_many(items)

    transaction.on_commit(send)
