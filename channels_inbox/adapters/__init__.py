"""One adapter per channel behind `base.ChannelAdapter`; see docs/architecture.md."""

from __future__ import annotations


def register_all() -> None:
    """Import every adapter (each registers itself) and hand their senders to tickets."""
    from channels_inbox.adapters import (
        chat,  # noqa: F401
        email,  # noqa: F401
        meta_send,  # noqa: F401
        phone,  # noqa: F401
    )
    from channels_inbox.adapters.base import registry
    from tickets.senders import register_sender

    for adapter in registry.values():
        sender = adapter.sender()
        if sender is not None:
            register_sender(sender)
