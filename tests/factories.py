from __future__ import annotations

import itertools

from tickets.services import InboundMessage

_ids = itertools.count(1)


def inbound(
    channel: str = "email", kind: str | None = None, value: str = "eva@example.com", **kwargs
) -> InboundMessage:
    """An inbound message as an adapter would hand it to message_ingest."""
    kinds = {"web": "email", "phone": "phone"}
    kwargs.setdefault("provider_message_id", f"pm-{next(_ids)}")
    kwargs.setdefault("body_text", "Where is my order?")
    return InboundMessage(
        channel=channel,
        identity_kind=kind or kinds.get(channel, channel),
        identity_value=value,
        **kwargs,
    )
