"""Meta: sending a reply on Messenger, Instagram or WhatsApp from the account the customer
wrote to, through the Graph API (`meta_graph`). One sender per platform, registered here.
The sender asks `channels_inbox.selectors` which account (page / phone number, token) to
send from; it never touches the ORM itself.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from channels_inbox import selectors
from channels_inbox.adapters.base import register
from channels_inbox.adapters.meta import PLATFORMS, as_dict, as_list
from channels_inbox.adapters.meta_graph import graph_post
from tickets.senders import PermanentSendError, Sender, SendResult

if TYPE_CHECKING:
    from tickets.models import Message

logger = logging.getLogger(__name__)


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
        for choice in map(as_dict, choices[:13])
    ]


def whatsapp_list(message: Message, choices: list[Any]) -> dict[str, Any]:
    rows = []
    for choice in map(as_dict, choices[:10]):
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
            provider_id = str(as_dict((as_list(data.get("messages")) or [{}])[0]).get("id", ""))
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
            template = as_dict(message.meta.get("template"))
            choices = as_list(message.meta.get("quick_replies"))
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
        if choices := as_list(message.meta.get("quick_replies")):
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
