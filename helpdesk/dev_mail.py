"""Development only: the demo's outgoing mail as files in a local mailbox (`var/mail/`), and
the page `/dev/mail/` that lists them, newest first, with their links clickable, so that a
portal sign-in link sent during `make run` can be followed from the browser, and the
terminal keeps one line per event instead of pages of MIME.

`make run` sets MAILER_BACKEND to `MailboxBackend`. The page answers 404 unless the site
runs with HELPDESK_DEV or DEBUG *and* sends its mail to this mailbox: it shows every mail
the site sent, sign-in links included, so it must never exist in production.
"""

from __future__ import annotations

import email
import email.policy
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage as ParsedMessage
from pathlib import Path
from typing import cast

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

BACKEND = "helpdesk.dev_mail.MailboxBackend"
SHOWN = 100


class MailboxBackend(BaseEmailBackend):
    """Writes each message to its own `.eml` file, named so that names sort by time."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        folder = Path(settings.HELPDESK_DEV_MAILBOX)
        folder.mkdir(parents=True, exist_ok=True)
        for message in email_messages:
            name = f"{timezone.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
            (folder / name).write_bytes(message.message().as_bytes())
            logger.info("mail to %s in the dev mailbox: /dev/mail/", ", ".join(message.to))
        return len(email_messages)


@dataclass(frozen=True)
class Mail:
    name: str
    sender: str
    to: str
    subject: str
    date: str
    body: str


def _read(path: Path) -> Mail:
    # The default policy parses into EmailMessage (typeshed names the base class).
    parsed = cast(
        ParsedMessage, email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    )
    part = parsed.get_body(preferencelist=("plain", "html"))
    body = part.get_content() if isinstance(part, ParsedMessage) else ""
    return Mail(
        name=path.name,
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        subject=str(parsed.get("Subject", "")),
        date=str(parsed.get("Date", "")),
        body=str(body),
    )


def mailbox_enabled() -> bool:
    dev = bool(settings.HELPDESK_DEV or settings.DEBUG)
    return dev and settings.MAILERS["default"]["BACKEND"] == BACKEND


def mails() -> list[Mail]:
    """The newest `SHOWN` mails, newest first."""
    folder = Path(settings.HELPDESK_DEV_MAILBOX)
    if not folder.is_dir():
        return []
    paths = sorted(folder.glob("*.eml"), key=lambda p: p.name, reverse=True)[:SHOWN]
    return [_read(path) for path in paths]


@never_cache
def mailbox(request: HttpRequest) -> HttpResponse:
    if not mailbox_enabled():
        raise Http404
    return render(request, "dev/mailbox.html", {"mails": mails()})
