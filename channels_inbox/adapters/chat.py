"""Live chat: the outbound side. Visitor messages arrive over the websocket
(`channels_inbox.consumers`) and are stored by `services.chat`; nothing to parse here.

An agent's chat reply is an ordinary outbox row (`reply_create` → `message_deliver`); this
sender pushes it to the conversation's channel group, so a connected widget shows it at
once. When the visitor is not connected and left an email in the pre-chat form, the reply
is also mailed to them (subject with the ticket token, Reply-To the ticket's plus-address,
so an answer by email lands on the same ticket): the conversation continues by email. A
reply to a visitor who is gone without an email waits in the conversation's history and
is shown when they come back.
"""

from __future__ import annotations

import smtplib
from email.utils import make_msgid, parseaddr
from typing import TYPE_CHECKING, Any

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.utils import translation
from django.utils.translation import gettext as _

from channels_inbox import selectors
from channels_inbox.adapters.base import register
from channels_inbox.adapters.email import html_from_text, reply_to_address, subject_with_token
from tickets.senders import PermanentSendError, Sender, SendResult, TransientSendError

if TYPE_CHECKING:
    from tickets.models import Message


def _push(group: str, event: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        raise TransientSendError("no channel layer is configured")
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception as exc:  # Redis down or full: the outbox retries later.
        raise TransientSendError(f"could not push the reply to the chat: {exc}") from exc


def _mail_copy(message: Message, target: selectors.ChatReplyTarget) -> str:
    """Mail the reply to the visitor's pre-chat address; returns its Message-ID."""
    from_email = settings.DEFAULT_FROM_EMAIL
    domain = parseaddr(from_email)[1].rsplit("@", 1)[-1]
    message_id = make_msgid(idstring=f"hd{message.pk}", domain=domain)
    with translation.override(target.language or settings.LANGUAGE_CODE):
        footer = _("You can answer this email, or continue in the chat on our website.")
        # Buttons do not travel by email: their links (a survey's ratings) do.
        links = [
            f"{reply.get('title', '')}: {reply['url']}"
            for reply in (message.meta or {}).get("quick_replies", [])
            if reply.get("url")
        ]
        text = "\n".join([message.body_text, "", *links]) if links else message.body_text
        body = f"{text}\n\n-- \n{footer}"
        mail = EmailMultiAlternatives(
            subject=subject_with_token(message.ticket.subject or _("Your chat"), message.ticket_id),
            body=body,
            from_email=from_email,
            to=[target.visitor_email],
            headers={
                "Message-ID": message_id,
                "Reply-To": reply_to_address(from_email, message.ticket_id),
            },
        )
    mail.attach_alternative(html_from_text(body), "text/html")
    try:
        mail.send()
    except (smtplib.SMTPRecipientsRefused, AnymailRecipientsRefused) as exc:
        raise PermanentSendError(f"the visitor's email address was refused: {exc}") from exc
    except (OSError, smtplib.SMTPException, AnymailAPIError) as exc:
        raise TransientSendError(f"could not mail the chat reply: {exc}") from exc
    return message_id


class ChatSender:
    channel = "chat"

    def send(self, message: Message) -> SendResult:
        target = selectors.chat_reply_target(message=message)
        if target is None:
            raise PermanentSendError("no chat conversation belongs to this visitor")
        frame = selectors.chat_message_frame(message=message, author=target.author)
        _push(
            f"chat.conversation.{target.conversation_id}",
            {"type": "chat.message", "message": frame},
        )
        provider_id = f"chat-out:{message.pk}"
        connected = selectors.chat_visitor_connected(conversation_id=target.conversation_id)
        if not connected and target.visitor_email:
            # The provider id then names the email, so the timeline shows how it went out.
            provider_id = _mail_copy(message, target)
        return SendResult(provider_message_id=provider_id, thread_key=target.thread_key)


class ChatAdapter:
    channel = "chat"

    def sender(self) -> Sender:
        return ChatSender()


register(ChatAdapter())
