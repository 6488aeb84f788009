"""Meta channels (Messenger, Instagram, WhatsApp): the webhook's store-first step and the
handler that processes a stored delivery inside `channels_inbox.process_receipt`."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.utils import timezone

from channels_inbox.adapters import meta as adapter
from channels_inbox.models import InboundReceipt, ReceiptState, SocialAccount
from channels_inbox.selectors import social_accounts_active, social_outbound_ids_until
from channels_inbox.services.email import (
    Outcome,
    receipt_handler_register,
    receipt_store,
)
from customers.normalise import InvalidIdentity
from tickets.answers import Answer, answer_handle
from tickets.services import (
    InboundMessage,
    IngestSkipped,
    message_delivery_update,
    message_ingest,
)

logger = logging.getLogger(__name__)


class MetaRefused(Exception):
    """The delivery is not for us (no configured account); nothing was stored."""


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
    return ReceiptState.DONE, f"{data.channel} answer {data.provider_message_id} recorded", None


def _ingest(event: adapter.MetaInbound, account: SocialAccount) -> Outcome:
    data = event.message
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
        return (
            ReceiptState.FAILED,
            f"{data.channel} message {data.provider_message_id}: {exc}",
            None,
        )
    except IngestSkipped as exc:
        return ReceiptState.IGNORED, str(exc), None
    note = f"duplicate of message {result.message.pk}" if result.duplicate else ""
    return ReceiptState.DONE, note, result.message.pk


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
        return ReceiptState.IGNORED, f"{channel} {event.state} report for nothing we sent", None
    return ReceiptState.DONE, f"{event.state}: message {', '.join(map(str, updated))}", None


def _apply(event: adapter.MetaEvent, account: SocialAccount | None) -> Outcome:
    if account is None:
        logger.warning("meta receipt: skipped an event for unconfigured account %s", event.account)
        platform, external_id = event.account
        return (
            ReceiptState.IGNORED,
            f"skipped: {platform} account {external_id} not configured",
            None,
        )
    if isinstance(event, adapter.MetaSkipped):
        return ReceiptState.IGNORED, event.note, None
    if isinstance(event, adapter.MetaStatus):
        return _status(event)
    return _ingest(event, account)


def meta_receipt_outcomes(receipt: InboundReceipt) -> list[Outcome]:
    """Process one stored Meta delivery: each message through `message_ingest` (exactly once
    per message id and channel), each delivery/read report through `message_delivery_update`
    (forward-only). Accounts are looked up again: one deactivated since is skipped."""
    try:
        payload = json.loads(bytes(receipt.body))
    except ValueError as exc:
        return [(ReceiptState.FAILED, f"the Meta payload is not JSON: {exc}", None)]
    if not isinstance(payload, dict):
        return [(ReceiptState.FAILED, "the Meta payload is not a JSON object", None)]
    events = adapter.parse_payload(payload)
    accounts = social_accounts_active(refs={event.account for event in events})
    outcomes = [_apply(event, accounts.get(event.account)) for event in events]
    return outcomes or [(ReceiptState.IGNORED, "a delivery without events", None)]


receipt_handler_register(channel="meta", handler=meta_receipt_outcomes)
