"""Meta: Facebook Messenger, Instagram direct messages and the WhatsApp Cloud API.

Inbound: `signature_valid` checks `X-Hub-Signature-256`; `account_refs` names the accounts a
webhook delivery is for (the webhook refuses unknown ones); `parse_payload` turns a delivery
into inbound messages and delivery reports. Outbound: one sender per platform posting to the
Graph API with httpx. Like every adapter this one never touches the ORM itself: the sender
asks `channels_inbox.selectors` which account (page / phone number, token) to send from.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx
from django.conf import settings

from channels_inbox import selectors
from channels_inbox.adapters.base import register
from customers.language import language_from_phone
from customers.models import LanguageSource
from tickets.models import DeliveryState, Message
from tickets.senders import PermanentSendError, Sender, SendResult, TransientSendError
from tickets.services import InboundMessage

logger = logging.getLogger(__name__)

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


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
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
    for entry in map(_dict, _list(payload.get("entry"))):
        if kind in _OBJECT_PLATFORM and entry.get("id"):
            refs.append(AccountRef(_OBJECT_PLATFORM[str(kind)], str(entry["id"])))
        elif kind == WHATSAPP_OBJECT:
            for change in map(_dict, _list(entry.get("changes"))):
                metadata = _dict(_dict(change.get("value")).get("metadata"))
                if metadata.get("phone_number_id"):
                    refs.append(AccountRef("whatsapp", str(metadata["phone_number_id"])))
    return list(dict.fromkeys(refs))


def parse_payload(payload: dict[str, Any]) -> list[MetaEvent]:
    """All events of one webhook delivery, in the order Meta sent them."""
    kind = payload.get("object")
    events: list[MetaEvent] = []
    for entry in map(_dict, _list(payload.get("entry"))):
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
    for item in map(_dict, _list(entry.get("messaging"))):
        sender = str(_dict(item.get("sender")).get("id", ""))
        sent_at = _time(item.get("timestamp"), millis=True)
        if "message" in item:
            events.append(_messaging_message(account, sender, sent_at, _dict(item["message"])))
        elif "postback" in item:
            events.append(_messaging_postback(account, sender, sent_at, item))
        elif "delivery" in item:
            delivery = _dict(item["delivery"])
            events.append(
                MetaStatus(
                    account=account,
                    recipient_id=sender,
                    state=DeliveryState.DELIVERED,
                    message_ids=tuple(str(mid) for mid in _list(delivery.get("mids"))),
                    watermark=_time(delivery.get("watermark"), millis=True),
                )
            )
        elif "read" in item:
            read = _dict(item["read"])
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
        {"type": str(a.get("type", "file")), "url": str(_dict(a.get("payload")).get("url", ""))}
        for a in map(_dict, _list(message.get("attachments")))
    ]
    meta: dict[str, Any] = {}
    if attachments:
        # Meta's CDN links expire; the URL is kept, the file is not downloaded (yet).
        meta["attachments"] = attachments
    if payload := _dict(message.get("quick_reply")).get("payload"):
        meta["quick_reply"] = str(payload)
    if reply_to := _dict(message.get("reply_to")).get("mid"):
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
    postback = _dict(item.get("postback"))
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
    for change in map(_dict, _list(entry.get("changes"))):
        value = _dict(change.get("value"))
        number_id = _dict(value.get("metadata")).get("phone_number_id")
        if change.get("field") != "messages" or not number_id:
            continue
        account = AccountRef("whatsapp", str(number_id))
        names = {
            str(c.get("wa_id", "")): str(_dict(c.get("profile")).get("name", ""))
            for c in map(_dict, _list(value.get("contacts")))
        }
        for message in map(_dict, _list(value.get("messages"))):
            events.append(_whatsapp_message(account, message, names))
        for status in map(_dict, _list(value.get("statuses"))):
            events.append(_whatsapp_status(account, status))
        for error in map(_dict, _list(value.get("errors"))):
            events.append(MetaSkipped(account, f"WhatsApp error: {_error_text(error)}"))
    return events


def _whatsapp_content(kind: str, message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The text an agent reads for each message type, and what to keep in meta."""
    body = _dict(message.get(kind))
    if kind == "text":
        return str(body.get("body", "")), {}
    if kind in _WHATSAPP_MEDIA:
        media = {k: str(body[k]) for k in ("id", "mime_type", "sha256", "filename") if k in body}
        label = f"[{kind}: {media['filename']}]" if "filename" in media else f"[{kind}]"
        caption = str(body.get("caption", ""))
        return (f"{caption}\n{label}" if caption else label), {"media": media}
    if kind == "interactive":
        reply_type = str(body.get("type", ""))
        reply = _dict(body.get(reply_type))
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
    if replied := _dict(message.get("context")).get("id"):
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
    details = _dict(error.get("error_data")).get("details") or error.get("message") or ""
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
        reason="; ".join(_error_text(e) for e in map(_dict, _list(status.get("errors")))),
    )


# --- outbound ------------------------------------------------------------------------------

# Graph error codes that mean "later, not never": throttling (4, 17, 32, 613, WhatsApp's
# 80007, 130429, 131048, 131056) and temporary outages (1, 2).
TRANSIENT_GRAPH_CODES = frozenset({1, 2, 4, 17, 32, 613, 80007, 130429, 131048, 131056})
GRAPH_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


def _graph_error(response: httpx.Response) -> tuple[int | None, str]:
    try:
        error = _dict(_dict(response.json()).get("error"))
    except ValueError:
        return None, response.text[:300]
    message = str(error.get("message") or response.reason_phrase)
    if details := _dict(error.get("error_data")).get("details"):
        message = f"{message} ({details})"
    code = error.get("code")
    return (code if isinstance(code, int) else None), message


def graph_post(*, path: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the Graph API; Transient- or PermanentSendError by Meta's error semantics.
    The token travels in the Authorization header, never in a URL that may be logged."""
    url = f"{settings.META_GRAPH_URL.rstrip('/')}/{path}"
    try:
        response = httpx.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=GRAPH_TIMEOUT
        )
    except httpx.TimeoutException as exc:
        raise TransientSendError(f"the Graph API did not answer in time: {exc!r}") from exc
    except httpx.HTTPError as exc:
        raise TransientSendError(f"could not reach the Graph API: {exc!r}") from exc
    if response.is_success:
        try:
            return _dict(response.json())
        except ValueError:
            return {}
    code, message = _graph_error(response)
    summary = f"Graph API {response.status_code}" + (f" (code {code})" if code else "")
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientSendError(f"{summary}: {message}")
    if code in TRANSIENT_GRAPH_CODES:
        raise TransientSendError(f"{summary}, rate limited: {message}")
    raise PermanentSendError(f"{summary}: {message}")


def whatsapp_number(value: str) -> str:
    """WhatsApp's `to` is the international number in digits, as its `wa_id`s are."""
    return "".join(ch for ch in value if ch.isdigit())


LABELS = {"facebook": "Messenger", "instagram": "Instagram", "whatsapp": "WhatsApp"}


# Answer buttons (a survey's ratings): `message.meta["quick_replies"]` is a list of
# {"title", "payload", "description"?}. Messenger and Instagram show quick replies (max 13,
# titles up to 20 characters); WhatsApp allows only 3 reply buttons, so more choices go out
# as an interactive list (rows: id up to 200, title 24, description 72 characters). The
# customer's choice comes back as `quick_reply.payload` / `list_reply.id`.
def messenger_quick_replies(choices: list[Any]) -> list[dict[str, str]]:
    return [
        {
            "content_type": "text",
            "title": str(choice.get("title", ""))[:20],
            "payload": str(choice.get("payload", ""))[:1000],
        }
        for choice in map(_dict, choices[:13])
    ]


def whatsapp_list(message: Message, choices: list[Any]) -> dict[str, Any]:
    rows = []
    for choice in map(_dict, choices[:10]):
        row = {
            "id": str(choice.get("payload", ""))[:200],
            "title": str(choice.get("title", ""))[:24],
        }
        if choice.get("description"):
            row["description"] = str(choice["description"])[:72]
        rows.append(row)
    button = str(message.meta.get("list_button") or "Choose")[:20]
    return {
        "type": "list",
        "body": {"text": message.body_text[:1024]},
        "action": {"button": button, "sections": [{"title": button[:24], "rows": rows}]},
    }


class MetaSender:
    """Sends one outbound Message on `channel` from the account the customer wrote to."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, message: Message) -> SendResult:
        label = LABELS[self.channel]
        if message.identity is None:
            raise PermanentSendError(f"the reply has no {label} recipient")
        account = selectors.social_account_for_reply(message=message)
        if account is None:
            raise PermanentSendError(f"no active {label} account is configured to send from")
        path, body = self._request(message, message.identity.value, account.external_id)
        data = graph_post(path=path, token=account.access_token, body=body)
        if self.channel == "whatsapp":
            provider_id = str(_dict((_list(data.get("messages")) or [{}])[0]).get("id", ""))
        else:
            provider_id = str(data.get("message_id", ""))
        if not provider_id:
            logger.warning("message %s: the Graph API returned no message id", message.pk)
        return SendResult(provider_message_id=provider_id, extra={"account": str(account.pk)})

    def _request(
        self, message: Message, recipient: str, external_id: str
    ) -> tuple[str, dict[str, Any]]:
        if self.channel == "whatsapp":
            body: dict[str, Any] = {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": whatsapp_number(recipient),
            }
            template = _dict(message.meta.get("template"))
            choices = _list(message.meta.get("quick_replies"))
            if choices and not template:
                body["type"] = "interactive"
                body["interactive"] = whatsapp_list(message, choices)
            elif template:
                body["type"] = "template"
                body["template"] = {
                    "name": template.get("name", ""),
                    "language": {"code": template.get("language", "")},
                }
            else:
                body["type"] = "text"
                body["text"] = {"preview_url": False, "body": message.body_text}
            return f"{external_id}/messages", body
        body = {
            "recipient": {"id": recipient},
            "messaging_type": "RESPONSE",
            "message": {"text": message.body_text},
        }
        if choices := _list(message.meta.get("quick_replies")):
            body["message"]["quick_replies"] = messenger_quick_replies(choices)
        # Messenger: the page's own endpoint. Instagram: `me` is the page or Instagram
        # account the token belongs to, which is what the send API wants whichever login
        # (Facebook or Instagram) issued it; the stored id is the Instagram account's.
        return (f"{external_id}/messages" if self.channel == "facebook" else "me/messages"), body


class MetaAdapter:
    def __init__(self, channel: str) -> None:
        self.channel = channel

    def sender(self) -> Sender:
        return MetaSender(self.channel)


for _platform in PLATFORMS:
    register(MetaAdapter(_platform))
