"""The adapter interface every channel implements: parse provider payloads into
`tickets.services.InboundMessage`, and send. Adapters never touch the ORM."""

from __future__ import annotations

from typing import Any, Protocol

from tickets.senders import Sender
from tickets.services import InboundMessage


class ChannelAdapter(Protocol):
    channel: str

    def parse(self, payload: Any) -> list[InboundMessage]:
        """Turn one provider payload into zero or more inbound messages."""
        ...

    def sender(self) -> Sender | None:
        """The outbound sender for this channel, or None if the channel only receives."""
        ...


registry: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> ChannelAdapter:
    registry[adapter.channel] = adapter
    return adapter
