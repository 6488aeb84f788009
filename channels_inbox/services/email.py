"""The email channel: parsing mail into tickets (from anymail's inbound webhooks and from
IMAP polling), the mailbox's automatic acknowledgement, and anymail's tracking events.

Email deliveries go through the shared receipt pipeline (`services.receipts`): this module
registers the handler for "email" receipts, which is also the default for a channel that
registered none.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from imap_tools import errors as imap_errors

from channels_inbox import imap
from channels_inbox.email.parse import (
    EmailParseError,
    EmailRejected,
    Limits,
    ParsedEmail,
    parse_email,
    raw_bytes,
)
from channels_inbox.models import ImapAccount, InboundReceipt, Mailbox, ReceiptState
from channels_inbox.selectors import mailbox_for_addresses
from channels_inbox.services.receipts import (
    Outcome,
    receipt_handler_register,
    receipt_store,
    stored_request_replay,
)
from customers.normalise import InvalidIdentity
from tickets.models import DeliveryState, Message, Ticket
from tickets.services import (
    InboundAttachment,
    InboundMessage,
    IngestSkipped,
    message_delivery_update,
    message_ingest,
    message_mark_bounced,
)
from tickets.services.promise_messages import promise_acknowledge

logger = logging.getLogger(__name__)


def _agent_addresses() -> set[str]:
    users = get_user_model().objects.filter(is_active=True, is_staff=True).exclude(email="")
    return {email.lower() for email in users.values_list("email", flat=True)}


def email_to_inbound(
    parsed: ParsedEmail, *, raw_sha256: str, provider: str, mailbox: Mailbox | None = None
) -> InboundMessage:
    """Map a parsed email onto what `message_ingest` takes. A mail an agent forwards is the
    customer's: the original sender becomes the customer."""
    address, name = parsed.from_address, parsed.from_name
    if parsed.forwarded_from and address in _agent_addresses():
        name, address = parsed.forwarded_from
    now = timezone.now()
    sent_at = parsed.date if parsed.date and parsed.date <= now + timedelta(minutes=5) else now
    meta: dict[str, Any] = {"provider": provider, "to": parsed.to, "cc": parsed.cc}
    if mailbox is not None:
        meta["mailbox"] = mailbox.address
    if parsed.text_trimmed != parsed.text:
        meta["full_text"] = parsed.text
    if parsed.forwarded_from and address != parsed.from_address:
        meta["forwarded_by"] = parsed.from_address
    if parsed.defects:
        meta["mime_defects"] = parsed.defects
    if parsed.omitted_attachments:
        meta["omitted_attachments"] = parsed.omitted_attachments
    return InboundMessage(
        channel="email",
        identity_kind="email",
        identity_value=address,
        customer_name=name,
        subject=parsed.subject,
        body_text=parsed.text_trimmed or parsed.text,
        body_html=parsed.html,
        provider_message_id=parsed.message_id or f"sha256:{raw_sha256}",
        thread_key=parsed.message_id,
        reply_to_keys=[*parsed.in_reply_to, *reversed(parsed.references)],
        ticket_number=parsed.ticket_number,
        team_id=mailbox.team_id if mailbox else None,
        is_automatic=parsed.is_auto_reply,
        sent_at=sent_at,
        # An explicit statement of the sender's mail program: it beats text detection.
        language_hint=parsed.language,
        attachments=[
            InboundAttachment(
                filename=a.filename,
                content=a.content,
                content_type=a.content_type,
                content_id=a.content_id,
                is_inline=a.is_inline,
            )
            for a in parsed.attachments
        ],
        meta=meta,
    )


def _sender_over_limit(address: str) -> bool:
    """A fixed one-hour window per sender in Redis: a mail loop or storm stops opening
    tickets after HELPDESK_EMAIL_SENDER_LIMIT messages (the receipts are still kept)."""
    limit = settings.HELPDESK_EMAIL_SENDER_LIMIT
    if limit <= 0:
        return False
    window = int(timezone.now().timestamp()) // 3600
    key = f"ratelimit:email:{hashlib.sha256(address.encode()).hexdigest()[:32]}:{window}"
    cache.add(key, 0, timeout=3700)
    return cache.incr(key) > limit


def email_ingest(*, raw: bytes, provider: str) -> Outcome:
    """Parse one raw email and put it where it belongs; the outcome names the message stored.

    Lists never open tickets; bounces mark the outbound message failed; auto-replies are
    kept only on the conversation they answer. Raises EmailRejected / EmailParseError.
    """
    parsed = parse_email(raw, Limits(max_attachment_bytes=settings.HELPDESK_ATTACHMENT_MAX_BYTES))
    digest = hashlib.sha256(raw).hexdigest()
    if parsed.is_bounce:
        bounced = message_mark_bounced(
            channel="email",
            provider_message_id=parsed.bounced_message_id,
            reason=parsed.bounce_reason,
        )
        note = f"bounce for message {bounced.pk}" if bounced else "bounce for nothing we sent"
        return Outcome(ReceiptState.IGNORED, note)
    if parsed.is_list:
        return Outcome(ReceiptState.IGNORED, "mailing-list message")
    if _sender_over_limit(parsed.from_address):
        logger.warning("email from %s over the hourly limit: not ingested", parsed.from_address)
        return Outcome(ReceiptState.IGNORED, f"over the hourly limit for {parsed.from_address}")
    mailbox, ours = mailbox_for_addresses(parsed.to + parsed.cc, sender=parsed.from_address)
    if ours:
        # One of our own addresses writing to us: a loop between mailboxes, never a customer.
        return Outcome(ReceiptState.IGNORED, f"sent from our own mailbox {parsed.from_address}")
    data = email_to_inbound(parsed, raw_sha256=digest, provider=provider, mailbox=mailbox)
    try:
        with transaction.atomic():
            result = message_ingest(data=data)
            if result.created_ticket and mailbox is not None and mailbox.auto_acknowledge:
                _acknowledge(mailbox, result.ticket)
    except IngestSkipped as exc:
        return Outcome(ReceiptState.IGNORED, f"{parsed.auto_reply_reason or 'automatic'}: {exc}")
    # Stored, but the admins see what the parser had to work around.
    note = f"MIME defects: {', '.join(parsed.defects)}" if parsed.defects else ""
    return Outcome(ReceiptState.DONE, note, result.message.pk)


def _acknowledge(mailbox: Mailbox, ticket: Ticket) -> None:
    """The mailbox's automatic "we got your message", with the live promise (when a person
    will answer), the request's number and its portal link, in the customer's language
    (recorded by `message_ingest` from this very mail). Automatic, so it neither meets a
    response promise nor stops chasing. A mailbox's own single-language wording, if it has
    one, is sent as written, its placeholders filled."""
    promise_acknowledge(
        ticket=ticket,
        channel="email",
        mailbox=mailbox.address,
        text=mailbox.acknowledgement_text.strip(),
    )


def _ingest_raw(receipt: InboundReceipt, raw: bytes | None) -> Outcome:
    if raw is None:
        return Outcome(ReceiptState.IGNORED, "an event without a message")
    try:
        return email_ingest(raw=raw, provider=receipt.provider)
    except EmailRejected as exc:
        return Outcome(ReceiptState.REJECTED, exc.reason)
    except (EmailParseError, InvalidIdentity) as exc:
        return Outcome(ReceiptState.FAILED, str(exc))
    except Exception as exc:
        # Kept and flagged for the admins rather than retried forever.
        logger.exception("receipt %s: unexpected error while ingesting", receipt.pk)
        return Outcome(ReceiptState.FAILED, f"unexpected error: {exc!r}")


def email_receipt_outcomes(receipt: InboundReceipt) -> list[Outcome]:
    """Process one stored email delivery (the `process_receipt` handler for "email", and for
    any channel without its own): a message fetched over IMAP is the raw mail itself; a
    webhook delivery is read by its ESP's anymail view, from the request rebuilt as stored,
    and each message in it is ingested."""
    if not receipt.view:
        return [_ingest_raw(receipt, bytes(receipt.body))]  # fetched over IMAP: the message
    try:
        view_class = import_string(receipt.view)
        events = view_class().parse_events(stored_request_replay(receipt=receipt))
    except EmailRejected as exc:
        return [Outcome(ReceiptState.REJECTED, exc.reason)]
    except Exception as exc:
        note = f"the {receipt.provider} payload could not be read: {exc!r}"
        return [Outcome(ReceiptState.FAILED, note)]
    return [
        _ingest_raw(receipt, raw_bytes(event.message) if getattr(event, "message", None) else None)
        for event in events
    ]


# anymail's normalised tracking events → our delivery states (others are only logged).
_TRACKING_STATES = {
    "delivered": DeliveryState.DELIVERED,
    "opened": DeliveryState.READ,
    "bounced": DeliveryState.FAILED,
    "rejected": DeliveryState.FAILED,
    "failed": DeliveryState.FAILED,
    "complained": DeliveryState.FAILED,
}


def email_tracking_event(*, event: Any, esp_name: str) -> Message | None:
    """Apply one anymail tracking event (delivered, bounced, complained…) to our message."""
    state = _TRACKING_STATES.get(str(event.event_type))
    if state is None or not event.message_id:
        return None
    reason = event.description or event.mta_response or str(event.event_type)
    if str(event.event_type) == "complained":
        reason = f"the recipient marked it as spam ({esp_name})"
    updated = message_delivery_update(
        channel="email", provider_message_id=str(event.message_id), state=state, reason=reason
    )
    if updated is None:
        logger.info(
            "%s %s event for unknown message %s", esp_name, event.event_type, event.message_id
        )
    return updated


IMAP_BATCH = 50


def imap_poll(*, account_id: int) -> int:
    """Fetch new messages of one IMAP account into receipts. Returns how many were stored.

    The account row is locked (SKIP LOCKED: a second poller skips it) while its batch is
    fetched; `last_uid` advances after each stored message, so a crash repeats at most one
    message, which the receipt's body hash and the Message-ID make harmless. A changed
    UIDVALIDITY starts over from the first UID for the same reason.
    """
    stored = 0
    with transaction.atomic():
        account = (
            ImapAccount.objects.select_for_update(skip_locked=True)
            .filter(pk=account_id, active=True)
            .first()
        )
        if account is None:
            return 0
        config = imap.ImapSettings(
            host=account.host,
            port=account.port,
            use_ssl=account.use_ssl,
            username=account.username,
            password=account.password,
            folder=account.folder,
        )
        try:
            with imap.connect(config) as box:
                validity = imap.uidvalidity(box, account.folder)
                if account.uidvalidity != validity:
                    account.uidvalidity, account.last_uid = validity, 0
                for uid in imap.new_uids(box, account.last_uid, IMAP_BATCH):
                    _, created = receipt_store(
                        provider=f"imap:{account.pk}",
                        view="",
                        path="",
                        content_type="message/rfc822",
                        body=imap.fetch_raw(box, uid),
                        headers={"uid": str(uid)},
                    )
                    stored += int(created)
                    account.last_uid = uid
            account.last_error = ""
        except (OSError, imaplib.IMAP4.error, imap_errors.ImapToolsError) as exc:
            account.last_error = f"{exc!r}"[:2000]
            logger.warning("IMAP account %s: %s", account.pk, exc)
        account.last_polled_at = timezone.now()
        account.save(update_fields=["uidvalidity", "last_uid", "last_error", "last_polled_at"])
    return stored


def imap_accounts_due() -> list[int]:
    return list(ImapAccount.objects.filter(active=True).values_list("pk", flat=True))


receipt_handler_register(channel="email", handler=email_receipt_outcomes)
