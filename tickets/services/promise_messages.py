"""The automatic acknowledgement that carries the promise: a mailbox's "we got your message",
the chat's answer when no agent is online, the first automatic reply on WhatsApp, Messenger
and Instagram. Each is an automatic message without an author, so it sets the ticket's
first acknowledgement and never meets a response clock (`Message.is_human_public_reply`).
The channel code decides whether to send one; this module decides what it says."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import transaction

from tickets.models import AutomaticPurpose, Message, Ticket
from tickets.promise import promise_text
from tickets.selectors import WINDOW_CHANNELS, messaging_window
from tickets.services.replies import reply_create


@transaction.atomic
def promise_acknowledge(
    *,
    ticket: Ticket,
    channel: str,
    mailbox: str = "",
    zone: ZoneInfo | None = None,
    text: str = "",
) -> Message | None:
    """Queue the acknowledgement with the live promise on `channel`, in the customer's
    language. `mailbox` picks an email mailbox's own wording; `text` is an older mailbox's
    single-language wording, sent as written (placeholders filled). None, sending nothing,
    when Meta's window is not open (an automatic reply never goes out as a template)."""
    if channel in WINDOW_CHANNELS and not messaging_window(ticket=ticket, channel=channel).open:
        return None
    # Read again with the customer: ingestion set the clocks in this transaction.
    ticket = Ticket.objects.select_related("customer").get(pk=ticket.pk)
    body = promise_text(
        ticket,
        purpose=AutomaticPurpose.ACKNOWLEDGEMENT,
        channel=channel,
        mailbox=mailbox,
        zone=zone,
        text=text,
    )
    return reply_create(
        ticket=ticket, author=None, body_text=body, channel=channel, is_automatic=True
    )
