"""Inbound receipts (store first in the webhook request, process later in a task) and
the email channel: parsing into tickets, tracking events, IMAP polling."""

from __future__ import annotations

import hashlib
import imaplib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.test import RequestFactory
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext, gettext_noop, override
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
from channels_inbox.selectors import mailbox_for_addresses, plain_address
from customers.normalise import InvalidIdentity
from tickets.models import DeliveryState, Message, Ticket
from tickets.services import (
    InboundAttachment,
    InboundMessage,
    IngestSkipped,
    message_delivery_update,
    message_ingest,
    message_mark_bounced,
    reply_create,
)
from tickets.text import text_clean

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5

# Request headers kept with a receipt so the ESP's parser sees the request it expects.
_DROPPED_HEADERS = {"HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_X_CSRFTOKEN"}


def request_headers(request: HttpRequest) -> dict[str, str]:
    return {
        key: str(value)
        for key, value in request.META.items()
        if key.startswith("HTTP_") and key not in _DROPPED_HEADERS
    }


@transaction.atomic
def receipt_store(
    *,
    provider: str,
    view: str,
    path: str,
    content_type: str,
    body: bytes,
    headers: dict[str, str],
    channel: str = "email",
) -> tuple[InboundReceipt, bool]:
    """Keep a webhook delivery as it arrived; the same payload twice is one receipt.

    Returns (receipt, created). Enqueues processing after commit. Raises DatabaseError when
    the database is down, which the webhook turns into a retryable 503.
    """
    digest = hashlib.sha256(body).hexdigest()
    existing = InboundReceipt.objects.filter(provider=provider, body_sha256=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            receipt = InboundReceipt.objects.create(
                channel=channel,
                provider=provider,
                view=view,
                path=path,
                content_type=content_type,
                headers=headers,
                body=body,
                body_sha256=digest,
                size=len(body),
            )
    except IntegrityError:
        # The same payload on a parallel connection won the race.
        return InboundReceipt.objects.get(provider=provider, body_sha256=digest), False
    _enqueue(receipt.pk)
    return receipt, True


def _enqueue(receipt_id: int) -> None:
    from channels_inbox.tasks import process_receipt

    transaction.on_commit(lambda: process_receipt.delay(receipt_id))


def _claim(receipt_id: int) -> InboundReceipt | None:
    claimed = InboundReceipt.objects.filter(
        pk=receipt_id, state__in=[ReceiptState.PENDING, ReceiptState.PROCESSING]
    ).update(state=ReceiptState.PROCESSING, attempts=F("attempts") + 1)
    return InboundReceipt.objects.get(pk=receipt_id) if claimed else None


def _finish(
    receipt: InboundReceipt, state: str, error: str = "", messages: list[int] | None = None
) -> None:
    receipt.state = state
    # Notes quote what the sender wrote (ids, headers): a NUL in them must not leave the
    # receipt unsettled, to be re-driven forever.
    receipt.error = text_clean(error)[0][:5000]
    receipt.message_ids = messages or []
    receipt.processed_at = timezone.now()
    receipt.save(update_fields=["state", "error", "message_ids", "processed_at"])
    if state in (ReceiptState.FAILED, ReceiptState.REJECTED):
        logger.warning("receipt %s %s: %s", receipt.pk, state, error)


def _replay(receipt: InboundReceipt) -> HttpRequest:
    return RequestFactory().generic(
        "POST",
        receipt.path,
        data=bytes(receipt.body),
        content_type=receipt.content_type,
        **receipt.headers,
    )


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


def email_ingest(*, raw: bytes, provider: str) -> tuple[str, str, int | None]:
    """Parse one raw email and put it where it belongs. Returns (state, note, message id).

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
        return ReceiptState.IGNORED, note, None
    if parsed.is_list:
        return ReceiptState.IGNORED, "mailing-list message", None
    if _sender_over_limit(parsed.from_address):
        logger.warning("email from %s over the hourly limit: not ingested", parsed.from_address)
        return ReceiptState.IGNORED, f"over the hourly limit for {parsed.from_address}", None
    mailbox = mailbox_for_addresses(parsed.to + parsed.cc)
    if Mailbox.objects.filter(address=plain_address(parsed.from_address)).exists():
        # One of our own addresses writing to us: a loop between mailboxes, never a customer.
        return ReceiptState.IGNORED, f"sent from our own mailbox {parsed.from_address}", None
    data = email_to_inbound(parsed, raw_sha256=digest, provider=provider, mailbox=mailbox)
    try:
        with transaction.atomic():
            result = message_ingest(data=data)
            if result.created_ticket and mailbox is not None and mailbox.auto_acknowledge:
                _acknowledge(mailbox, result.ticket)
    except IngestSkipped as exc:
        return ReceiptState.IGNORED, f"{parsed.auto_reply_reason or 'automatic'}: {exc}", None
    # Stored, but the admins see what the parser had to work around.
    note = f"MIME defects: {', '.join(parsed.defects)}" if parsed.defects else ""
    return ReceiptState.DONE, note, result.message.pk


# `Mailbox.acknowledgement_text`'s default, marked for translation (locale/): a mailbox that
# keeps it (or leaves it blank) acknowledges in the customer's language; one whose admin
# wrote their own wording sends that as written. A test keeps the two strings equal.
DEFAULT_ACKNOWLEDGEMENT = gettext_noop(
    "Thank you for your message. We have received it as ticket #{number} "
    "and will answer as soon as we can.\n\nThis is an automatic message."
)


def _acknowledge(mailbox: Mailbox, ticket: Ticket) -> None:
    """The mailbox's automatic 'we got your message': marked automatic, so it neither meets
    a response promise nor stops chasing. Written in the customer's language (recorded by
    `message_ingest` from this very mail), English when unknown."""
    wording = mailbox.acknowledgement_text
    if wording.strip() in ("", DEFAULT_ACKNOWLEDGEMENT):
        with override(ticket.customer.language or settings.LANGUAGE_CODE):
            wording = gettext(DEFAULT_ACKNOWLEDGEMENT)
    text = wording.replace("{number}", str(ticket.pk))
    reply_create(ticket=ticket, author=None, body_text=text, is_automatic=True)


def _ingest_raw(receipt: InboundReceipt, raw: bytes | None) -> tuple[str, str, int | None]:
    if raw is None:
        return ReceiptState.IGNORED, "an event without a message", None
    try:
        return email_ingest(raw=raw, provider=receipt.provider)
    except EmailRejected as exc:
        return ReceiptState.REJECTED, exc.reason, None
    except (EmailParseError, InvalidIdentity) as exc:
        return ReceiptState.FAILED, str(exc), None
    except Exception as exc:
        # Kept and flagged for the admins rather than retried forever.
        logger.exception("receipt %s: unexpected error while ingesting", receipt.pk)
        return ReceiptState.FAILED, f"unexpected error: {exc!r}", None


# One outcome per message in a receipt: (state, note, id of the message it stored).
Outcome = tuple[str, str, int | None]
ReceiptHandler = Callable[[InboundReceipt], list[Outcome]]
_receipt_handlers: dict[str, ReceiptHandler] = {}


def receipt_handler_register(*, channel: str, handler: ReceiptHandler) -> None:
    """Let a channel (phone, meta…) process its own receipts; email is the default. A handler
    returns one outcome per event and raises nothing it expects: what it raises is kept on
    the receipt as a failure."""
    _receipt_handlers[channel] = handler


def _email_outcomes(receipt: InboundReceipt) -> list[Outcome]:
    if not receipt.view:
        return [_ingest_raw(receipt, bytes(receipt.body))]  # fetched over IMAP: the message
    try:
        view_class = import_string(receipt.view)
        events = view_class().parse_events(_replay(receipt))
    except EmailRejected as exc:
        return [(ReceiptState.REJECTED, exc.reason, None)]
    except Exception as exc:
        return [
            (
                ReceiptState.FAILED,
                f"the {receipt.provider} payload could not be read: {exc!r}",
                None,
            )
        ]
    return [
        _ingest_raw(receipt, raw_bytes(event.message) if getattr(event, "message", None) else None)
        for event in events
    ]


def receipt_process(*, receipt_id: int) -> InboundReceipt | None:
    """Parse a stored delivery with its provider's parser, then ingest each message in it.

    Claimed with a conditional UPDATE so parallel runs do not double the work; message-level
    idempotency (unique provider id per channel) covers a crash half-way. Whatever fails is
    kept on the receipt with its error for the admins.
    """
    receipt = _claim(receipt_id)
    if receipt is None:
        return None
    if receipt.attempts > MAX_ATTEMPTS:
        _finish(receipt, ReceiptState.FAILED, f"gave up after {MAX_ATTEMPTS} attempts")
        return receipt
    handler = _receipt_handlers.get(receipt.channel, _email_outcomes)
    try:
        outcomes = handler(receipt)
    except Exception as exc:
        logger.exception("receipt %s: unexpected error", receipt.pk)
        outcomes = [(ReceiptState.FAILED, f"unexpected error: {exc!r}", None)]
    states = [state for state, _, _ in outcomes]
    notes = [note for _, note, _ in outcomes if note]
    messages = [message_id for _, _, message_id in outcomes if message_id]
    order = [ReceiptState.FAILED, ReceiptState.REJECTED, ReceiptState.DONE, ReceiptState.IGNORED]
    final = next((s for s in order if s in states), ReceiptState.IGNORED)
    _finish(receipt, final, "; ".join(notes), messages)
    return receipt


def receipt_timed_out(*, receipt_id: int, seconds: int) -> None:
    """Processing hit the task's time limit: the receipt is kept, rejected and shown to the
    admins with the reason, and is not re-driven (it would only time out again)."""
    receipt = InboundReceipt.objects.filter(pk=receipt_id).first()
    if receipt is not None:
        _finish(receipt, ReceiptState.REJECTED, f"parsing took longer than {seconds} s")


def receipts_due(*, limit: int = 200) -> list[int]:
    """Receipts whose task was lost (Redis flushed, worker killed): re-drive them."""
    now = timezone.now()
    pending = InboundReceipt.objects.filter(
        state=ReceiptState.PENDING, received_at__lt=now - timedelta(minutes=1)
    )
    stuck = InboundReceipt.objects.filter(
        state=ReceiptState.PROCESSING, received_at__lt=now - timedelta(minutes=10)
    )
    return list((pending | stuck).order_by("received_at").values_list("pk", flat=True)[:limit])


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
