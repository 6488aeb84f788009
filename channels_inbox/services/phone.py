"""Phone: Twilio voice status callbacks, stored first by the webhook, recorded here.

Every call is recorded once, by its CallSid, however often Twilio calls back: intermediate
statuses (initiated, ringing, in-progress) are kept as ignored receipts; the final one
records the call. An inbound call is a customer contact (`call_ingest`: threading,
chasing, a call-back to-do when missed); an outbound call is ours (`call_record_outbound`).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.http import HttpRequest, QueryDict

from channels_inbox.adapters import phone as adapter
from channels_inbox.models import InboundReceipt, ReceiptState
from channels_inbox.selectors import phone_number_active
from channels_inbox.services.receipts import (
    Outcome,
    receipt_handler_register,
    receipt_store,
    request_headers,
)
from customers.normalise import InvalidIdentity
from tickets.models import CallDirection
from tickets.services import TicketError, call_ingest, call_record_outbound

logger = logging.getLogger(__name__)

VIEW = "channels_inbox.webhooks.twilio.twilio_voice"


def phone_webhook_store(*, request: HttpRequest) -> tuple[InboundReceipt, bool]:
    """Keep a signed Twilio callback exactly as it arrived (the form body, as signed).
    The same body twice is one receipt. Raises DatabaseError when the database is down."""
    return receipt_store(
        channel="phone",
        provider="twilio",
        view=VIEW,
        path=request.path,
        content_type=request.META.get("CONTENT_TYPE", ""),
        body=request.body,
        headers=request_headers(request),
    )


def phone_call_record(*, call: adapter.TwilioCall) -> Outcome:
    """Record one final call; the outcome names the call's message, if one was stored."""
    if not call.final:
        return Outcome(ReceiptState.IGNORED, f"call {call.call_sid} {call.status}: not final yet")
    if call.withheld:
        return Outcome(ReceiptState.IGNORED, f"call {call.call_sid}: caller id withheld")
    with transaction.atomic():
        if call.direction == CallDirection.INBOUND:
            # The number called routes a new ticket to its team, as a mailbox does for email.
            ours = phone_number_active(number=call.our_number)
            data = adapter.call_to_inbound(call, team_id=ours.team_id if ours else None)
            result = call_ingest(data=data)
            note = f"call {call.call_sid} already recorded" if result.duplicate else ""
            return Outcome(ReceiptState.DONE, note, result.message.pk)
        message = call_record_outbound(
            number=call.customer_number,
            answered=call.answered,
            duration_seconds=call.duration_seconds,
            provider_call_id=call.call_sid,
            meta=adapter.call_meta(call),
        )
    if message is None:
        note = f"outbound call {call.call_sid}: no open ticket of a customer with that number"
        return Outcome(ReceiptState.IGNORED, note)
    return Outcome(ReceiptState.DONE, "", message.pk)


def phone_receipt_outcomes(receipt: InboundReceipt) -> list[Outcome]:
    """Process one stored Twilio callback (the `process_receipt` handler for "phone")."""
    params = QueryDict(bytes(receipt.body).decode("utf-8", errors="replace"))
    try:
        call = adapter.parse_status_callback(params)
        return [phone_call_record(call=call)]
    except adapter.PhonePayloadError as exc:
        return [Outcome(ReceiptState.FAILED, f"not a Twilio voice callback: {exc}")]
    except (InvalidIdentity, TicketError) as exc:
        text = exc.messages[0] if isinstance(exc, InvalidIdentity) else str(exc)
        return [Outcome(ReceiptState.FAILED, text)]


receipt_handler_register(channel="phone", handler=phone_receipt_outcomes)
