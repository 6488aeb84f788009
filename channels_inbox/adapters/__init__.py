"""One adapter per channel behind `base.ChannelAdapter`; see docs/architecture.md."""

from __future__ import annotations

from channels_inbox.adapters.base import registry


def register_all() -> None:
    """Hand every configured adapter's sender to tickets' sender registry."""
    from tickets.senders import register_sender

    for adapter in registry.values():
        sender = adapter.sender()
        if sender is not None:
            register_sender(sender)
