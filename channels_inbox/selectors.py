"""Reads for channel adapters and inbound processing."""

from __future__ import annotations

import re

from channels_inbox.models import Mailbox
from tickets.models import Direction, Message

_PLUS = re.compile(r"\+[^@]*@")


def plain_address(address: str) -> str:
    """`support+t12@x.nl` → `support@x.nl`."""
    return _PLUS.sub("@", address.lower())


def mailbox_for_addresses(addresses: list[str]) -> Mailbox | None:
    """The first active mailbox among the recipients, in the order they were written."""
    plain = [plain_address(a) for a in addresses]
    found = {m.address.lower(): m for m in Mailbox.objects.filter(active=True, address__in=plain)}
    return next((found[a] for a in plain if a in found), None)


def mailbox_for_ticket(*, ticket_id: int) -> Mailbox | None:
    """The mailbox the customer last wrote to on this ticket (replies come from it)."""
    metas = (
        Message.objects.filter(ticket_id=ticket_id, channel="email", direction=Direction.INBOUND)
        .order_by("-created_at")
        .values_list("meta", flat=True)[:20]
    )
    for meta in metas:
        if address := (meta or {}).get("mailbox"):
            return Mailbox.objects.filter(address=address, active=True).first()
    return None


def email_thread_keys(*, ticket_id: int, before_message_id: int) -> list[str]:
    """Message-IDs of the ticket's earlier email messages, oldest first, for References."""
    return list(
        Message.objects.filter(ticket_id=ticket_id, channel="email", pk__lt=before_message_id)
        .exclude(thread_key="")
        .exclude(direction=Direction.NOTE)
        .order_by("pk")
        .values_list("thread_key", flat=True)
    )
