"""Websocket consumers for agents: thin and read-only; services publish after commit."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tickets import selectors
from tickets.permissions import is_agent
from tickets.realtime import BATCH_GROUP, QUEUE_GROUP, team_group, ticket_group, user_group


def _groups_for(user: Any, ticket_id: int | None) -> list[str] | None:
    """The groups this agent's socket joins, or None when the ticket is missing or hidden
    from them (the same rule as the API: `selectors.ticket_visible`). The queue feed is
    every agent's `QUEUE_GROUP` plus the feeds of the restricted teams they may see; team
    membership is read at connect time, so a change shows on the next connect."""
    if ticket_id is not None:
        if not selectors.ticket_visible(user=user, ticket_id=ticket_id):
            return None
        return [ticket_group(ticket_id), BATCH_GROUP]
    teams = selectors.team_ids_visible_restricted(user=user)
    return [QUEUE_GROUP, *(team_group(team_id) for team_id in teams)]


class TicketUpdatesConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/tickets/` (every ticket this agent may see) or `/ws/tickets/<id>/` (one ticket,
    refused with 4404 when it is missing or in a restricted team they are not in)."""

    ticket_id: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        ticket_id = self.scope["url_route"]["kwargs"].get("ticket_id")
        groups = await database_sync_to_async(_groups_for)(
            user, int(ticket_id) if ticket_id else None
        )
        if groups is None:
            await self.close(code=4404)
            return
        self.groups_joined = groups
        self.ticket_id = int(ticket_id) if ticket_id else None
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def ticket_event(self, event: dict[str, Any]) -> None:
        await self.send_json({k: event[k] for k in ("event", "ticket", "data")})

    async def ticket_batch(self, event: dict[str, Any]) -> None:
        """A batch of many tickets' events (a sweep's): a ticket page passes on its own
        ticket's, as the frame a single event would have been; the rest stays here."""
        data = event["tickets"].get(str(self.ticket_id))
        if data is not None:
            await self.send_json({"event": event["event"], "ticket": self.ticket_id, "data": data})


class NotificationsConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/notifications/`: the signed-in agent's own feed (`user.<id>`). Each frame,
    `{"event": "notification.created" | "notification.read"}`, only says that their
    notifications changed; the bell reads them over HTTP under the ticket access rule, so the
    socket carries nothing a user could not see. Refused with 4403 for non-agents."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def notification_event(self, event: dict[str, Any]) -> None:
        await self.send_json({"event": event["event"]})
