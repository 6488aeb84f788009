"""Meta: Facebook Messenger, Instagram direct messages and the WhatsApp Cloud API — the
inbound side, pure parsing.

`signature_valid` checks `X-Hub-Signature-256`; `account_refs` names the accounts a webhook
delivery is for (the webhook refuses unknown ones); `parse_payload` turns a delivery into
inbound messages and delivery reports. Sending lives in `meta_send` (one sender per
platform) over the Graph API client in `meta_graph`; files in `meta_media`. Like every
adapter these never touch the ORM.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from customers.choices import LanguageSource
from customers.language import language_from_phone
from tickets.choices import DeliveryState
from tickets.services import InboundMessage

PLATFORMS = ("facebook", "instagram", "whatsapp")
# The webhook's `object` for each platform.
_OBJECT_PLATFORM = {"page": "facebook", "instagram": "instagram"}
WHATSAPP_OBJECT = "whatsapp_business_account"


class AccountRef(NamedTuple):
    """Which of our accounts an event is for: (platform, page id / IG id / phone-number id)."""

    platform: str
    external_id: str


@dataclass
class MetaInbound:
    """A customer's message, ready for `message_ingest` once the account is known."""

    account: AccountRef
    message: InboundMessage


@dataclass(frozen=True)
class MetaStatus:
    """A delivery report on messages we sent: by message ids and/or a watermark (Messenger:
    everything sent up to that time)."""

    account: AccountRef
    recipient_id: str
    state: str
    message_ids: tuple[str, ...] = ()
    watermark: datetime | None = None
    reason: str = ""


@dataclass(frozen=True)
class MetaSkipped:
    """An event we deliberately do not store (echoes of our own sends, reactions…)."""

    account: AccountRef
    note: str


MetaEvent = MetaInbound | MetaStatus | MetaSkipped


# --- inbound -------------------------------------------------------------------------------


def signature_valid(*, body: bytes, header: str, secret: str) -> bool:
    """`X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`.
    Without a configured secret nothing is valid: an unsigned webhook is never accepted."""
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower())


def as_dict(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one: Meta's payloads are read
    defensively, a missing or mistyped field is no crash."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def _time(value: Any, *, millis: bool) -> datetime | None:
    try:
        seconds = int(value) / (1000 if millis else 1)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)


def account_refs(payload: dict[str, Any]) -> list[AccountRef]:
    """Every account a delivery speaks for, in order, without repeats: the page or Instagram
    account (`entry[].id`) or the WhatsApp phone number (`metadata.phone_number_id`)."""
    kind = payload.get("object")
    refs: list[AccountRef] = []
    for entry in map(as_dict, as_list(payload.get("entry"))):
        if kind in _OBJECT_PLATFORM and entry.get("id"):
            refs.append(AccountRef(_OBJECT_PLATFORM[str(kind)], str(entry["id"])))
        elif kind == WHATSAPP_OBJECT:
            for change in map(as_dict, as_list(entry.get("changes"))):
                metadata = as_dict(as_dict(change.get("value")).get("metadata"))
                if metadata.get("phone_number_id"):
                    refs.append(AccountRef("whatsapp", str(metadata["phone_number_id"])))
    return list(dict.fromkeys(refs))


def parse_payload(payload: dict[str, Any]) -> list[MetaEvent]:
    """All events of one webhook delivery, in the order Meta sent them."""
    kind = payload.get("object")
    events: list[MetaEvent] = []
    for entry in map(as_dict, as_list(payload.get("entry"))):
        if kind in _OBJECT_PLATFORM:
            events.extend(_messaging_events(_OBJECT_PLATFORM[str(kind)], entry))
        elif kind == WHATSAPP_OBJECT:
            events.extend(_whatsapp_events(entry))
    return events


def conversation_key(account: AccountRef, customer_id: str) -> str:
    """The social conversation (our account + the customer): the channel's thread key."""
    return f"{account.platform}:{account.external_id}:{customer_id}"


def _inbound(
    account: AccountRef,
    *,
    sender: str,
    message_id: str,
    text: str,
    sent_at: datetime | None,
    name: str = "",
    meta: dict[str, Any],
    language_hint: str = "",
) -> MetaInbound:
    thread = conversation_key(account, sender)
    return MetaInbound(
        account=account,
        message=InboundMessage(
            channel=account.platform,
            identity_kind=account.platform,
            identity_value=sender,
            body_text=text,
            customer_name=name,
            provider_message_id=message_id,
            thread_key=thread,
            reply_to_keys=[thread],
            sent_at=sent_at,
            meta={"platform": account.platform, "account_external_id": account.external_id, **meta},
            language_hint=language_hint,
            language_source=LanguageSource.PHONE_COUNTRY,
        ),
    )


def _messaging_events(platform: str, entry: dict[str, Any]) -> list[MetaEvent]:
    """Messenger and Instagram share one shape: `entry[].messaging[]`."""
    account = AccountRef(platform, str(entry.get("id", "")))
    events: list[MetaEvent] = []
    for item in map(as_dict, as_list(entry.get("messaging"))):
        sender = str(as_dict(item.get("sender")).get("id", ""))
        sent_at = _time(item.get("timestamp"), millis=True)
        if "message" in item:
            events.append(_messaging_message(account, sender, sent_at, as_dict(item["message"])))
        elif "postback" in item:
            events.append(_messaging_postback(account, sender, sent_at, item))
        elif "delivery" in item:
            delivery = as_dict(item["delivery"])
            events.append(
                MetaStatus(
                    account=account,
                    recipient_id=sender,
                    state=DeliveryState.DELIVERED,
                    message_ids=tuple(str(mid) for mid in as_list(delivery.get("mids"))),
                    watermark=_time(delivery.get("watermark"), millis=True),
                )
            )
        elif "read" in item:
            read = as_dict(item["read"])
            events.append(
                MetaStatus(
                    account=account,
                    recipient_id=sender,
                    state=DeliveryState.READ,
                    # Instagram names the message read; Messenger gives a watermark.
                    message_ids=(str(read["mid"]),) if read.get("mid") else (),
                    watermark=_time(read.get("watermark"), millis=True),
                )
            )
        else:
            other = ", ".join(sorted(set(item) - {"sender", "recipient", "timestamp"}))
            events.append(MetaSkipped(account, f"{platform} event not handled: {other}"))
    return events


def _attachment_line(attachment: dict[str, str]) -> str:
    return f"[{attachment['type']}] {attachment['url']}".strip()


def _messaging_message(
    account: AccountRef, sender: str, sent_at: datetime | None, message: dict[str, Any]
) -> MetaEvent:
    if message.get("is_echo"):
        # Meta echoes what the page itself sent (our replies, or a reply from the Meta inbox).
        return MetaSkipped(account, f"echo of page message {message.get('mid', '')}")
    if message.get("is_deleted") or message.get("is_unsupported"):
        return MetaSkipped(account, f"deleted or unsupported message {message.get('mid', '')}")
    attachments = [
        {"type": str(a.get("type", "file")), "url": str(as_dict(a.get("payload")).get("url", ""))}
        for a in map(as_dict, as_list(message.get("attachments")))
    ]
    meta: dict[str, Any] = {}
    if attachments:
        # Meta's CDN links expire; the URL is kept, the file is not downloaded (yet).
        meta["attachments"] = attachments
    if payload := as_dict(message.get("quick_reply")).get("payload"):
        meta["quick_reply"] = str(payload)
    if reply_to := as_dict(message.get("reply_to")).get("mid"):
        meta["reply_to"] = str(reply_to)
    text = str(message.get("text") or "")
    lines = [text] if text else []
    lines += [_attachment_line(a) for a in attachments]
    return _inbound(
        account,
        sender=sender,
        message_id=str(message.get("mid", "")),
        text="\n".join(lines),
        sent_at=sent_at,
        meta=meta,
    )


def _messaging_postback(
    account: AccountRef, sender: str, sent_at: datetime | None, item: dict[str, Any]
) -> MetaEvent:
    """A button the customer pressed: the button's title is what they 'said'."""
    postback = as_dict(item.get("postback"))
    message_id = str(postback.get("mid") or f"postback:{sender}:{item.get('timestamp', '')}")
    return _inbound(
        account,
        sender=sender,
        message_id=message_id,
        text=str(postback.get("title") or postback.get("payload") or ""),
        sent_at=sent_at,
        meta={"postback": str(postback.get("payload", ""))},
    )


_WHATSAPP_STATES = {
    "sent": DeliveryState.SENT,
    "delivered": DeliveryState.DELIVERED,
    "read": DeliveryState.READ,
    "failed": DeliveryState.FAILED,
}
_WHATSAPP_MEDIA = ("image", "document", "audio", "video", "sticker")


def _whatsapp_events(entry: dict[str, Any]) -> list[MetaEvent]:
    events: list[MetaEvent] = []
    for change in map(as_dict, as_list(entry.get("changes"))):
        value = as_dict(change.get("value"))
        number_id = as_dict(value.get("metadata")).get("phone_number_id")
        if change.get("field") != "messages" or not number_id:
            continue
        account = AccountRef("whatsapp", str(number_id))
        names = {
            str(c.get("wa_id", "")): str(as_dict(c.get("profile")).get("name", ""))
            for c in map(as_dict, as_list(value.get("contacts")))
        }
        for message in map(as_dict, as_list(value.get("messages"))):
            events.append(_whatsapp_message(account, message, names))
        for status in map(as_dict, as_list(value.get("statuses"))):
            events.append(_whatsapp_status(account, status))
        for error in map(as_dict, as_list(value.get("errors"))):
            events.append(MetaSkipped(account, f"WhatsApp error: {_error_text(error)}"))
    return events


def _whatsapp_content(kind: str, message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The text an agent reads for each message type, and what to keep in meta."""
    body = as_dict(message.get(kind))
    if kind == "text":
        return str(body.get("body", "")), {}
    if kind in _WHATSAPP_MEDIA:
        media = {k: str(body[k]) for k in ("id", "mime_type", "sha256", "filename") if k in body}
        label = f"[{kind}: {media['filename']}]" if "filename" in media else f"[{kind}]"
        caption = str(body.get("caption", ""))
        return (f"{caption}\n{label}" if caption else label), {"media": media}
    if kind == "interactive":
        reply_type = str(body.get("type", ""))
        reply = as_dict(body.get(reply_type))
        text = str(reply.get("title", ""))
        if reply.get("description"):
            text = f"{text} — {reply['description']}"
        return text, {"interactive": {"type": reply_type, "id": str(reply.get("id", ""))}}
    if kind == "button":
        return str(body.get("text", "")), {"button_payload": str(body.get("payload", ""))}
    if kind == "location":
        where = " ".join(str(body.get(k, "")) for k in ("name", "address") if body.get(k))
        return f"[location] {where} ({body.get('latitude')}, {body.get('longitude')})".strip(), {}
    return f"[{kind} message]", {}


def _whatsapp_message(
    account: AccountRef, message: dict[str, Any], names: dict[str, str]
) -> MetaEvent:
    kind = str(message.get("type", ""))
    sender = str(message.get("from", ""))
    if kind in ("reaction", "system", "ephemeral"):
        # A reaction or a number change is no new contact by the customer.
        return MetaSkipped(account, f"WhatsApp {kind} event from {sender}")
    text, extra = _whatsapp_content(kind, message)
    meta: dict[str, Any] = {"type": kind, **extra}
    if replied := as_dict(message.get("context")).get("id"):
        meta["reply_to"] = str(replied)
    return _inbound(
        account,
        sender=sender,
        message_id=str(message.get("id", "")),
        text=text,
        sent_at=_time(message.get("timestamp"), millis=False),
        name=names.get(sender, ""),
        meta=meta,
        # The number's country: a weak guess, which the customer's own text overrides.
        language_hint=language_from_phone(sender),
    )


def _error_text(error: dict[str, Any]) -> str:
    details = as_dict(error.get("error_data")).get("details") or error.get("message") or ""
    title = error.get("title") or "error"
    return f"{error.get('code', '')} {title}: {details}".strip().rstrip(":")


def _whatsapp_status(account: AccountRef, status: dict[str, Any]) -> MetaEvent:
    state = _WHATSAPP_STATES.get(str(status.get("status", "")))
    if state is None:
        return MetaSkipped(account, f"WhatsApp status '{status.get('status')}' not handled")
    return MetaStatus(
        account=account,
        recipient_id=str(status.get("recipient_id", "")),
        state=state,
        message_ids=(str(status.get("id", "")),),
        reason="; ".join(_error_text(e) for e in map(as_dict, as_list(status.get("errors")))),
    )
