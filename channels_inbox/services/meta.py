"""Meta channels (Messenger, Instagram, WhatsApp): the webhook's store-first step and the
handler that processes a stored delivery inside `channels_inbox.process_receipt`."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from channels_inbox.adapters import meta as adapter
from channels_inbox.adapters import meta_media
from channels_inbox.models import InboundReceipt, ReceiptState, SocialAccount
from channels_inbox.selectors import social_accounts_active, social_outbound_ids_until
from channels_inbox.services.receipts import (
    Outcome,
    receipt_handler_register,
    receipt_store,
)
from customers.normalise import InvalidIdentity
from helpdesk.errors import DomainError
from helpdesk.parsers import json_loads_bounded
from tickets.answers import Answer, answer_handle
from tickets.models import Message, Ticket
from tickets.services import (
    InboundAttachment,
    InboundMessage,
    IngestSkipped,
    inbound_clean,
    message_attachments_add,
    message_delivery_update,
    message_ingest,
)
from tickets.services.errors import TicketError
from tickets.services.promise_messages import promise_acknowledge

logger = logging.getLogger(__name__)


class MetaRefused(DomainError):
    """The delivery is not for us (no configured account); nothing was stored."""

    status = 403  # as the webhook answers it


def meta_webhook_store(
    *,
    body: bytes,
    payload: dict[str, object],
    path: str,
    content_type: str,
    headers: dict[str, str],
) -> tuple[InboundReceipt, bool]:
    """Store a signed Meta delivery for processing, after checking whom it is for.

    Meta batches events of several pages / numbers of one app into one POST. A delivery with
    no event for an active account is refused (`MetaRefused`, nothing written); one with
    some is stored whole (the raw body, as signed), and the handler skips and logs the
    events of unknown accounts, so the configured accounts' events are not lost to retries
    of a refused batch. Raises DatabaseError when the database is down.
    """
    refs = adapter.account_refs(payload)
    known = social_accounts_active(refs=refs)
    unknown = [f"{p}:{i}" for p, i in refs if (p, i) not in known]
    if unknown:
        logger.warning("meta webhook: events for unconfigured accounts %s", ", ".join(unknown))
    if not known:
        raise MetaRefused(f"no configured account among {', '.join(unknown) or 'none named'}")
    return receipt_store(
        provider="meta",
        view="",
        path=path,
        content_type=content_type,
        body=body,
        headers=headers,
        channel="meta",
    )


def meta_webhook_store_unreadable(
    *, body: bytes, reason: str, path: str, content_type: str, headers: dict[str, str]
) -> tuple[InboundReceipt, bool]:
    """Keep a signed Meta delivery that cannot be read (not JSON, nested too deep, not an
    object) as a failed receipt with the reason, for the admins; nothing is enqueued, as
    there is nothing to process. Meta retries what we refuse: the same body is one receipt
    (returned with created=False). Raises DatabaseError when the database is down."""
    receipt, created = InboundReceipt.objects.get_or_create(
        provider="meta",
        body_sha256=hashlib.sha256(body).hexdigest(),
        defaults={
            "channel": "meta",
            "path": path,
            "content_type": content_type,
            "headers": headers,
            "body": body,
            "size": len(body),
            "state": ReceiptState.FAILED,
            "error": reason,
            "processed_at": timezone.now(),
        },
    )
    if created:
        logger.warning(
            "meta webhook: kept unreadable delivery as receipt %s: %s", receipt.pk, reason
        )
    return receipt, created


def _answer(data: InboundMessage) -> Outcome | None:
    """A pressed answer button (a survey rating) goes to whoever asked (`tickets.answers`),
    not into `message_ingest`: it must not open or reopen a ticket."""
    interactive = data.meta.get("interactive")
    payload = (
        data.meta.get("quick_reply")
        or data.meta.get("postback")
        or (interactive.get("id") if isinstance(interactive, dict) else "")
        or data.meta.get("button_payload")
    )
    if not payload:
        return None
    answer = Answer(
        payload=str(payload),
        channel=data.channel,
        identity_kind=data.identity_kind,
        identity_value=data.identity_value,
        provider_message_id=data.provider_message_id,
    )
    if not answer_handle(answer=answer):
        return None
    return Outcome(ReceiptState.DONE, f"{data.channel} answer {data.provider_message_id} recorded")


def _ingest(event: adapter.MetaInbound, account: SocialAccount) -> Outcome:
    # Cleaned before the button payload is routed too: a NUL in it must not fail the lookup.
    data = inbound_clean(data=event.message)
    if (answered := _answer(data)) is not None:
        return answered
    data.team_id = account.team_id
    # Replies go out from the account the customer wrote to (selectors.social_account_for_reply).
    data.meta = {**data.meta, "social_account": account.pk}
    now = timezone.now()
    if data.sent_at is None or data.sent_at > now + timedelta(minutes=5):
        data.sent_at = now
    try:
        result = message_ingest(data=data)
    except InvalidIdentity as exc:
        note = f"{data.channel} message {data.provider_message_id}: {exc}"
        return Outcome(ReceiptState.FAILED, note)
    except IngestSkipped as exc:
        return Outcome(ReceiptState.IGNORED, str(exc))
    if result.created_ticket and account.auto_acknowledge:
        _acknowledge(result.ticket, data.channel)
    if not result.duplicate and meta_media.media_items(data.meta):
        from channels_inbox.tasks import fetch_media

        message_id = result.message.pk
        transaction.on_commit(lambda: fetch_media.delay(message_id))
    note = f"duplicate of message {result.message.pk}" if result.duplicate else ""
    return Outcome(ReceiptState.DONE, note, result.message.pk)


def _acknowledge(ticket: Ticket, channel: str) -> None:
    """The account's first automatic reply with the promise (the customer has just written,
    so the window is open). A refusal is logged: the customer's message is stored anyway."""
    try:
        promise_acknowledge(ticket=ticket, channel=channel)
    except TicketError as exc:
        logger.warning("ticket %s: no automatic %s reply: %s", ticket.pk, channel, exc)


def _media_item_store(
    item: meta_media.MediaItem, *, message_id: int, account: SocialAccount | None, final: bool
) -> bool:
    """Fetch one file of a message and store it, or name it on the message with the reason
    it cannot be had. Returns True when it is left for a retry."""
    label = item.filename or item.kind
    try:
        if item.media_id and account is None:
            raise meta_media.MediaGone("the account it came to is no longer configured")
        fetched = meta_media.media_fetch(
            item,
            token=account.access_token if account else "",
            max_bytes=settings.HELPDESK_ATTACHMENT_MAX_BYTES,
        )
    except meta_media.MediaGone as exc:
        message_attachments_add(message_id=message_id, key=item.key, omitted=f"{label}: {exc}")
        logger.warning("message %s: %s not stored: %s", message_id, item.key, exc)
        return False
    except meta_media.MediaLater as exc:
        if not final:
            logger.info("message %s: %s, will retry: %s", message_id, item.key, exc)
            return True
        message_attachments_add(
            message_id=message_id, key=item.key, omitted=f"{label}: gave up: {exc}"
        )
        logger.warning("message %s: gave up on %s: %s", message_id, item.key, exc)
        return False
    message_attachments_add(
        message_id=message_id,
        key=item.key,
        attachment=InboundAttachment(
            filename=fetched.filename,
            content=fetched.content,
            content_type=fetched.content_type,
        ),
    )
    return False


def meta_media_fetch(*, message_id: int, final: bool = False) -> int:
    """Copy the files of one inbound Meta message into our storage, each once. A file that
    can never be fetched (expired, refused, too large) is named on the message with the
    reason; one that may come later is left for a retry, or named too when `final`.
    Returns how many files are left for a retry."""
    message = Message.objects.filter(pk=message_id).only("meta", "channel").first()
    if message is None:
        return 0
    settled = set(message.meta.get("media_settled", []))
    account = (
        SocialAccount.objects.filter(pk=message.meta.get("social_account")).first()
        if message.meta.get("social_account")
        else None
    )
    return sum(
        _media_item_store(item, message_id=message_id, account=account, final=final)
        for item in meta_media.media_items(message.meta)
        if item.key not in settled
    )


def _status(event: adapter.MetaStatus) -> Outcome:
    channel = event.account.platform
    ids = list(event.message_ids)
    if event.watermark is not None:
        ids += social_outbound_ids_until(
            channel=channel, recipient=event.recipient_id, until=event.watermark
        )
    updated = [
        message.pk
        for provider_id in dict.fromkeys(i for i in ids if i)
        if (
            message := message_delivery_update(
                channel=channel,
                provider_message_id=provider_id,
                state=event.state,
                reason=event.reason,
            )
        )
    ]
    if not updated:
        return Outcome(ReceiptState.IGNORED, f"{channel} {event.state} report for nothing we sent")
    return Outcome(ReceiptState.DONE, f"{event.state}: message {', '.join(map(str, updated))}")


def _apply(event: adapter.MetaEvent, account: SocialAccount | None) -> Outcome:
    if account is None:
        logger.warning("meta receipt: skipped an event for unconfigured account %s", event.account)
        platform, external_id = event.account
        note = f"skipped: {platform} account {external_id} not configured"
        return Outcome(ReceiptState.IGNORED, note)
    if isinstance(event, adapter.MetaSkipped):
        return Outcome(ReceiptState.IGNORED, event.note)
    if isinstance(event, adapter.MetaStatus):
        return _status(event)
    return _ingest(event, account)


def meta_receipt_outcomes(receipt: InboundReceipt) -> list[Outcome]:
    """Process one stored Meta delivery: each message through `message_ingest` (exactly once
    per message id and channel), each delivery/read report through `message_delivery_update`
    (forward-only). Accounts are looked up again: one deactivated since is skipped."""
    try:
        payload = json_loads_bounded(bytes(receipt.body))
    except ValueError as exc:
        return [Outcome(ReceiptState.FAILED, f"the Meta payload is not JSON: {exc}")]
    if not isinstance(payload, dict):
        return [Outcome(ReceiptState.FAILED, "the Meta payload is not a JSON object")]
    events = adapter.parse_payload(payload)
    accounts = social_accounts_active(refs={event.account for event in events})
    outcomes = [_apply(event, accounts.get(event.account)) for event in events]
    return outcomes or [Outcome(ReceiptState.IGNORED, "a delivery without events")]


receipt_handler_register(channel="meta", handler=meta_receipt_outcomes)
