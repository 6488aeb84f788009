"""Phone: Twilio voice status callbacks, parsed into calls.

Twilio posts a form (CallSid, From, To, CallStatus, Direction, CallDuration, Timestamp…) as a
call moves through its statuses; only a final status says how the call ended. An inbound
call becomes an `InboundMessage` for `message_ingest`; an outbound call is ours and is
recorded with `call_log` by the phone service. There is no sender: a reply on the phone
channel is a call an agent makes and logs (`tickets.senders.LoggedCallSender`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

from django.utils import timezone

from channels_inbox.adapters.base import register
from tickets.choices import CallDirection, Channel
from tickets.senders import Sender
from tickets.services import InboundMessage

# Twilio's call statuses that end a call; queued, initiated, ringing and in-progress do not.
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
# What Twilio puts in From when the caller withholds their number (Twilio's caller-id docs:
# anonymous, restricted, blocked, unknown, unavailable): never a person to call back.
WITHHELD_NUMBERS = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})

_STATUS_TEXT = {
    "busy": "the line was busy",
    "no-answer": "not answered",
    "canceled": "hung up before it was answered",
    "failed": "could not be connected",
    "completed": "not answered",
}


class PhonePayloadError(ValueError):
    """The callback is not a Twilio voice status callback we can read; the message says why."""


@dataclass(frozen=True)
class TwilioCall:
    """One status callback of one call, read from Twilio's form fields."""

    call_sid: str
    status: str
    direction: str  # CallDirection: from the customer (inbound) or to them (outbound)
    twilio_direction: str  # inbound, outbound-api, outbound-dial
    customer_number: str  # From of an inbound call, To of an outbound one
    our_number: str
    duration_seconds: int
    at: datetime | None
    caller_name: str = ""
    account_sid: str = ""
    parent_call_sid: str = ""

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def answered(self) -> bool:
        # "completed" with no seconds talked is a call nobody picked up.
        return self.status == "completed" and self.duration_seconds > 0

    @property
    def withheld(self) -> bool:
        number = self.customer_number.strip()
        return not number or number in WITHHELD_NUMBERS or not number.lstrip("+").isdigit()


def _seconds(value: str) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError as exc:
        raise PhonePayloadError(f"CallDuration '{value}' is not a number of seconds") from exc


def _when(value: str) -> datetime | None:
    """Twilio's Timestamp is RFC 2822 ("Wed, 31 Jul 2024 02:54:50 +0000")."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if parsed.tzinfo is None or parsed > timezone.now() + timedelta(minutes=5):
        return None  # a skewed clock must not move the customer's last contact ahead
    return parsed


def parse_status_callback(params: Mapping[str, str]) -> TwilioCall:
    """Read one voice status callback. Raises `PhonePayloadError` without CallSid, CallStatus
    or a Direction we know."""
    call_sid = params.get("CallSid", "").strip()
    status = params.get("CallStatus", "").strip().lower()
    twilio_direction = params.get("Direction", "").strip().lower()
    if not call_sid or not status:
        raise PhonePayloadError("not a voice status callback: no CallSid or CallStatus")
    if twilio_direction == "inbound":
        direction = CallDirection.INBOUND
        customer, ours = params.get("From", ""), params.get("To", "")
    elif twilio_direction.startswith("outbound"):
        direction = CallDirection.OUTBOUND
        customer, ours = params.get("To", ""), params.get("From", "")
    else:
        raise PhonePayloadError(f"unknown call direction '{twilio_direction}'")
    return TwilioCall(
        call_sid=call_sid,
        status=status,
        direction=direction,
        twilio_direction=twilio_direction,
        customer_number=customer.strip(),
        our_number=ours.strip(),
        duration_seconds=_seconds(params.get("CallDuration", "")),
        at=_when(params.get("Timestamp", "")),
        caller_name=params.get("CallerName", "").strip(),
        account_sid=params.get("AccountSid", "").strip(),
        parent_call_sid=params.get("ParentCallSid", "").strip(),
    )


def call_summary(call: TwilioCall) -> str:
    """The line the timeline shows for the call."""
    if call.answered:
        minutes, seconds = divmod(call.duration_seconds, 60)
        length = f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
        return f"Phone call ({length})"
    return f"Missed call: {_STATUS_TEXT.get(call.status, call.status)}"


def call_meta(call: TwilioCall) -> dict[str, str]:
    """What we keep of the callback beside the call fields (no secrets in it)."""
    meta = {
        "provider": "twilio",
        "call_status": call.status,
        "twilio_direction": call.twilio_direction,
        "our_number": call.our_number,
        "account_sid": call.account_sid,
    }
    if call.parent_call_sid:
        meta["parent_call_sid"] = call.parent_call_sid
    return meta


def call_to_inbound(call: TwilioCall, *, team_id: int | None = None) -> InboundMessage:
    """An inbound call as `message_ingest` takes it; the CallSid makes every call one message
    however often Twilio calls back. `team_id` is the team of the number called (a new
    ticket's team, as a mailbox names it for email)."""
    if call.direction != CallDirection.INBOUND:
        raise PhonePayloadError("only an inbound call is the customer's message")
    return InboundMessage(
        channel=Channel.PHONE,
        identity_kind="phone",
        identity_value=call.customer_number,
        customer_name=call.caller_name,
        subject=f"Call from {call.customer_number}",
        body_text=call_summary(call),
        provider_message_id=call.call_sid,
        call_direction=CallDirection.INBOUND,
        call_answered=call.answered,
        call_duration_seconds=call.duration_seconds,
        team_id=team_id,
        sent_at=call.at,
        meta=call_meta(call),
    )


class PhoneAdapter:
    channel = "phone"

    def sender(self) -> Sender | None:
        # LoggedCallSender is registered by tickets itself: phone replies are logged calls.
        return None


register(PhoneAdapter())
