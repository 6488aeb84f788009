"""Our side of the conversation: public replies and automatic messages (queued on the
outbox), internal notes. Calls an agent logs are `calls`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from customers.models import Identity
from tickets import realtime
from tickets.models import (
    CHANNEL_IDENTITY_KIND,
    Channel,
    Direction,
    Message,
    Status,
    Ticket,
)
from tickets.selectors import WINDOW_CHANNELS, messaging_window
from tickets.services.errors import TicketError
from tickets.services.ingest import InboundAttachment, attachment_store
from tickets.services.outbox import outbound_queue
from tickets.services.sla import first_response_business_seconds, sla_on_human_reply
from tickets.services.tickets import ticket_check_not_merged, ticket_check_writable
from tickets.text import attachment_display_name

if TYPE_CHECKING:
    from helpdesk.roles import User

# Channels that cannot carry a reply themselves and the channel that answers for them.
REPLY_CHANNEL: dict[str, str] = {Channel.WEB: Channel.EMAIL}

# An agent's files on one reply or note: at most this many, each no larger than what we keep
# from a customer (HELPDESK_ATTACHMENT_MAX_BYTES). Only the email sender carries files.
MESSAGE_FILES_MAX = 10
FILE_CHANNELS = (Channel.EMAIL,)


def _size(limit: int) -> str:
    return filesizeformat(limit).replace("\xa0", " ")


def _check_files(attachments: Sequence[InboundAttachment], channel: str | None) -> None:
    """`channel` None for a note (files stay with us)."""
    if len(attachments) > MESSAGE_FILES_MAX:
        raise TicketError(f"at most {MESSAGE_FILES_MAX} files can go on one message")
    limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    for item in attachments:
        if len(item.content) > limit:
            name = attachment_display_name(item.filename)
            raise TicketError(f"{name} is larger than the {_size(limit)} a file may be")
    if attachments and channel is not None and channel not in FILE_CHANNELS:
        label = Channel(channel).label
        raise TicketError(f"files cannot be sent on {label}: reply by email or add them to a note")


def reply_channel_default(*, ticket: Ticket) -> str:
    """The channel of the customer's latest inbound message, else the ticket's origin
    (a web-form request is answered by email)."""
    channel = ticket.latest_inbound_channel or ticket.channel
    return REPLY_CHANNEL.get(channel, channel)


def _recipient(ticket: Ticket, channel: str, identity: Identity | None) -> Identity | None:
    if channel == Channel.PHONE and identity is None:
        return ticket.customer.identities.filter(kind__in=["phone", "whatsapp"]).first()
    kind = CHANNEL_IDENTITY_KIND.get(channel)
    if identity is not None:
        if identity.customer_id != ticket.customer_id or identity.kind != kind:
            raise TicketError(f"that identity cannot receive a {channel} reply for this customer")
        return identity
    latest = (
        ticket.messages.filter(direction=Direction.INBOUND, channel=channel, identity__isnull=False)
        .order_by("-created_at")
        .select_related("identity")
        .first()
    )
    if latest is not None and latest.identity and latest.identity.customer_id == ticket.customer_id:
        return latest.identity
    return ticket.customer.identities.filter(kind=kind).order_by("created_at").first()


# WhatsApp template names are lower-case words with underscores; languages like en_US, nl.
_TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
_TEMPLATE_LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2,4})?$")


def _check_template(channel: str, template: dict[str, str]) -> dict[str, str]:
    if channel != Channel.WHATSAPP:
        raise TicketError("only WhatsApp replies can be approved templates")
    name, language = template.get("name", ""), template.get("language", "")
    if not _TEMPLATE_NAME.match(name):
        raise TicketError("a template name is lower-case letters, digits and underscores")
    if not _TEMPLATE_LANGUAGE.match(language):
        raise TicketError("a template language is a code like en_US or nl")
    return {"name": name, "language": language}


def _check_messaging_window(ticket: Ticket, channel: str) -> None:
    """Meta refuses a free-text message more than 24 h after the customer's last one: say so
    now, with what the agent can do instead, rather than fail in the outbox later."""
    if channel not in WINDOW_CHANNELS:
        return
    window = messaging_window(ticket=ticket, channel=channel)
    if window.open:
        return
    label = Channel(channel).label
    if window.closes_at is None:
        reason = f"the customer has not written to us on {label}, so no free-text reply is allowed"
    else:
        closed = timezone.localtime(window.closes_at).strftime("%Y-%m-%d %H:%M %Z")
        reason = f"the {label} 24-hour window closed at {closed}"
    if channel == Channel.WHATSAPP:
        raise TicketError(f"{reason}; send an approved template")
    raise TicketError(f"{reason}; answer on another channel or wait for the customer to write")


def ticket_on_public_reply(*, ticket: Ticket, message: Message) -> None:
    """What our public message (a reply, an acknowledgement, an answered outbound call) does
    to the locked ticket: the first acknowledgement; for a human reply also the reply times,
    the chasing count back to zero, the response clocks met, and a new ticket opened."""
    now = message.created_at
    fields = {"updated_at"}
    if ticket.first_ack_at is None:
        ticket.first_ack_at = now
        fields.add("first_ack_at")
    if message.is_human_public_reply:
        if ticket.first_human_reply_at is None:
            ticket.first_human_reply_at = now
            ticket.first_response_business_seconds = first_response_business_seconds(ticket)
            fields |= {"first_human_reply_at", "first_response_business_seconds"}
        ticket.last_human_reply_at = now
        ticket.unanswered_contacts = 0
        sla_on_human_reply(ticket=ticket, message=message)
        fields |= {"last_human_reply_at", "unanswered_contacts"}
        if ticket.status == Status.NEW:
            ticket.status = Status.OPEN
            fields.add("status")
    ticket.save(update_fields=sorted(fields))


def _reply_channel(ticket: Ticket, channel: str | None) -> str:
    """The channel a reply goes out on: the one asked for (the default when none), as
    answered (a web form by email); never the phone."""
    channel = channel or reply_channel_default(ticket=ticket)
    if channel not in Channel.values:
        raise TicketError(f"unknown channel '{channel}'")
    channel = REPLY_CHANNEL.get(channel, channel)
    if channel == Channel.PHONE:
        raise TicketError("a phone reply is a call: log it with call_log")
    return channel


def _template_meta(
    channel: str, template: dict[str, str] | None, body_text: str
) -> tuple[dict[str, Any], str]:
    """The message's meta and the text the timeline shows for a WhatsApp template."""
    if template is None:
        return {}, body_text
    chosen = _check_template(channel, template)
    return {"template": chosen}, (
        body_text.strip() or f"WhatsApp template {chosen['name']} ({chosen['language']})"
    )


@transaction.atomic
def reply_create(
    *,
    ticket: Ticket,
    author: User | None,
    body_text: str,
    body_html: str = "",
    channel: str | None = None,
    identity: Identity | None = None,
    is_automatic: bool = False,
    template: dict[str, str] | None = None,
    attachments: Sequence[InboundAttachment] = (),
) -> Message:
    """Record a public reply and queue it for the channel's sender (after commit).

    The message row is the outbox; `message_deliver` sends it, `outbox_sweep` re-drives it if
    the task is lost. `author=None` with `is_automatic=True` is for acknowledgements, which
    do not count as a human reply. On Messenger, Instagram and WhatsApp a free-text reply is
    refused outside the 24-hour messaging window (`TicketError` says when it closed); a
    WhatsApp `template` ({"name", "language"}, approved at Meta) may go out at any time.
    `attachments` (email only, `MESSAGE_FILES_MAX` within the inbound size limit) are
    stored, names cleaned as inbound ones, before the send is queued on commit.
    """
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    ticket_check_writable(ticket)
    if not body_text.strip() and template is None:
        raise TicketError("a reply needs some text")
    channel = _reply_channel(ticket, channel)
    _check_files(attachments, channel)
    meta, body_text = _template_meta(channel, template, body_text)
    recipient = _recipient(ticket, channel, identity)
    if recipient is None:
        raise TicketError(f"the customer has no {channel} identity to reply to")
    if template is None:
        _check_messaging_window(ticket, channel)
    message = outbound_queue(
        ticket=ticket,
        channel=channel,
        recipient=recipient,
        author=author,
        body_text=body_text,
        body_html=body_html,
        is_automatic=is_automatic,
        meta=meta,
    )
    for item in attachments:
        attachment_store(message, item)
    ticket_on_public_reply(ticket=ticket, message=message)
    return message


@transaction.atomic
def note_add(
    *,
    ticket: Ticket,
    author: User | None,
    body_text: str,
    attachments: Sequence[InboundAttachment] = (),
) -> Message:
    """An internal note: never sent, never meets a response promise. Files as on a reply."""
    ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
    ticket_check_not_merged(ticket)
    if not body_text.strip():
        raise TicketError("a note needs some text")
    _check_files(attachments, None)
    message = Message.objects.create(
        ticket=ticket,
        direction=Direction.NOTE,
        channel=ticket.channel,
        author_user=author,
        body_text=body_text,
    )
    for item in attachments:
        attachment_store(message, item)
    ticket.save(update_fields=["updated_at"])
    realtime.publish_ticket_event(
        ticket_id=ticket.pk, event="message.created", data={"message": message.pk}
    )
    return message


@transaction.atomic
def automatic_message_send(
    *, ticket: Ticket, channel: str, body_text: str, meta: dict[str, Any] | None = None
) -> Message:
    """Queue an automatic outbound message (no author) on `channel` through the outbox.

    Unlike `reply_create` it also goes out on a solved or closed ticket and records no
    acknowledgement or reply time: a survey is not an answer to the customer. Meta's 24-hour
    window still applies (`TicketError` when it is closed). `meta` reaches the channel's
    sender (e.g. `quick_replies` for Meta's buttons).
    """
    ticket = Ticket.objects.select_for_update().select_related("customer").get(pk=ticket.pk)
    ticket_check_not_merged(ticket)
    channel = REPLY_CHANNEL.get(channel, channel)
    recipient = _recipient(ticket, channel, None)
    if recipient is None:
        raise TicketError(f"the customer has no {channel} identity to write to")
    _check_messaging_window(ticket, channel)
    message = outbound_queue(
        ticket=ticket,
        channel=channel,
        recipient=recipient,
        body_text=body_text,
        is_automatic=True,
        meta=meta,
    )
    if ticket.status not in (Status.SOLVED, Status.CLOSED):
        ticket.save(update_fields=["updated_at"])
    return message
