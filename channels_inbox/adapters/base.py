"""The adapter interface every channel implements. Adapters turn provider payloads into
`tickets.services.InboundMessage` (each with its own parse function, since an email and a
Meta webhook have nothing in common) and provide the channel's outbound sender. Adapters
never touch the ORM: `tickets.services` does the writes."""

from __future__ import annotations

from typing import Protocol

from tickets.senders import Sender


class ChannelAdapter(Protocol):
    channel: str

    def sender(self) -> Sender | None:
        """The outbound sender for this channel, or None if the channel only receives."""
        ...


registry: dict[str, ChannelAdapter] = {}


def register(adapter: ChannelAdapter) -> ChannelAdapter:
    registry[adapter.channel] = adapter
    return adapter
