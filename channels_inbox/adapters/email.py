"""Email: outbound replies through Django's mailer (`MAILERS["default"]`: the console in
development, any django-anymail ESP in production). Inbound parsing arrives with the email
channel issue."""

from __future__ import annotations

import re
import smtplib
from email import policy as email_policy
from email.headerregistry import UnstructuredHeader
from email.policy import Policy
from email.utils import make_msgid, parseaddr
from html import escape
from typing import TYPE_CHECKING, Any

from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives

from channels_inbox import selectors
from channels_inbox.adapters.base import register
from tickets.senders import PermanentSendError, Sender, SendResult, TransientSendError

if TYPE_CHECKING:
    from tickets.models import Message

_REPLY_PREFIXES = re.compile(r"^\s*((re|aw|antw|odp|sv|fw|fwd|wg|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)
_TOKENS = re.compile(r"\s*\[#\d{1,12}\]")


def subject_with_token(subject: str, ticket_number: int) -> str:
    """`Re: <subject> [#1234]`: the token threads the customer's answer even without headers.
    The customer's own reply prefixes (RE:, AW:, Odp:…) and stale tokens are dropped, so
    the subject does not grow with every round."""
    base = _TOKENS.sub("", _REPLY_PREFIXES.sub("", subject)).strip() or "Your request"
    return f"Re: {base} [#{ticket_number}]"


class MessageIdListHeader(UnstructuredHeader):
    """In-Reply-To / References folded only between message ids, never encoded.

    Python's default policy treats both as unstructured text and turns any id longer than a
    line (Outlook's often are) into an RFC 2047 encoded word, which no mail client matches
    against a Message-ID: the customer's reply would lose its thread."""

    max_count = 1

    def fold(self, *, policy: Policy) -> str:
        # The registry mixes in BaseHeader, which gives the header its name.
        prefix = f"{getattr(self, 'name', 'References')}:"
        lines, line = [], prefix
        for word in str(self).split():
            if line != prefix and len(line) + 1 + len(word) > (policy.max_line_length or 998):
                lines.append(line)
                line = ""
            line += f" {word}"
        lines.append(line)
        return policy.linesep.join(lines) + policy.linesep


def register_header_classes() -> None:
    """Installed once at app start: every message the mailer builds folds these right."""
    for name in ("in-reply-to", "references"):
        registry: Any = email_policy.default.header_factory
        registry.map_to_type(name, MessageIdListHeader)


def reply_to_address(from_address: str, ticket_number: int) -> str:
    """`support+t1234@example.com`: answers reach the ticket even if a client drops headers."""
    local, _, domain = parseaddr(from_address)[1].partition("@")
    return f"{local}+t{ticket_number}@{domain}"


def html_from_text(text: str) -> str:
    return "".join(
        f"<p>{escape(block).replace(chr(10), '<br>')}</p>" for block in text.split("\n\n")
    )


class EmailSender:
    channel = "email"

    def send(self, message: Message) -> SendResult:
        if message.identity is None:
            raise PermanentSendError("the reply has no email address to go to")
        mailbox = selectors.mailbox_for_ticket(ticket_id=message.ticket_id)
        from_email = (mailbox.from_address or mailbox.address) if mailbox else ""
        from_email = from_email or settings.DEFAULT_FROM_EMAIL
        domain = parseaddr(from_email)[1].rsplit("@", 1)[-1]
        message_id = make_msgid(idstring=f"hd{message.pk}", domain=domain)
        references = selectors.email_thread_keys(
            ticket_id=message.ticket_id, before_message_id=message.pk
        )
        headers = {
            "Message-ID": message_id,
            "Reply-To": reply_to_address(from_email, message.ticket_id),
        }
        if references:
            headers["In-Reply-To"] = references[-1]
            headers["References"] = " ".join(references[-20:])
        mail = EmailMultiAlternatives(
            subject=subject_with_token(message.ticket.subject, message.ticket_id),
            body=message.body_text,
            from_email=from_email,
            to=[message.identity.value],
            headers=headers,
        )
        mail.attach_alternative(message.body_html or html_from_text(message.body_text), "text/html")
        for attachment in message.attachments.all():
            with attachment.file.open("rb") as handle:
                mail.attach(attachment.filename, handle.read(), attachment.content_type or None)
        try:
            mail.send()
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused) as exc:
            raise PermanentSendError(f"the mail server refused the message: {exc}") from exc
        except AnymailRecipientsRefused as exc:
            raise PermanentSendError(f"the ESP refused the recipient: {exc}") from exc
        except (OSError, smtplib.SMTPException, AnymailAPIError) as exc:
            raise TransientSendError(f"could not hand the message to the mailer: {exc}") from exc
        # With an anymail ESP the provider's own id is what its tracking webhooks name.
        status = getattr(mail, "anymail_status", None)
        esp_id = getattr(status, "message_id", None) if status is not None else None
        return SendResult(provider_message_id=str(esp_id or message_id), thread_key=message_id)


class EmailAdapter:
    channel = "email"

    def sender(self) -> Sender:
        return EmailSender()


register(EmailAdapter())
