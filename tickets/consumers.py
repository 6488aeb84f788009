"""Websocket consumers for agents: thin and read-only; services publish after commit."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from tickets.permissions import is_agent
from tickets.realtime import QUEUE_GROUP, ticket_group


class TicketUpdatesConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/tickets/` (every ticket) or `/ws/tickets/<id>/` (one ticket): live updates."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if not await database_sync_to_async(is_agent)(user):
            await self.close(code=4403)
            return
        ticket_id = self.scope["url_route"]["kwargs"].get("ticket_id")
        self.group = ticket_group(int(ticket_id)) if ticket_id else QUEUE_GROUP
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def ticket_event(self, event: dict[str, Any]) -> None:
        await self.send_json({k: event[k] for k in ("event", "ticket", "data")})
