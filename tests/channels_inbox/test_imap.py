"""IMAP polling against a real Dovecot: each message exactly once, through the same pipeline."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from imap_tools import MailBoxUnencrypted

from channels_inbox.models import ImapAccount, InboundReceipt
from channels_inbox.tasks import imap_poll_all
from tickets.models import Message, Ticket


def _append(
    server: dict, subject: str, message_id: str, sender: str = "Noor <noor@example.nl>"
) -> None:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = "support@shop.test"
    mail["Subject"] = subject
    mail["Message-ID"] = message_id
    mail.set_content(f"{subject}: graag hulp.")
    box = MailBoxUnencrypted(server["host"], server["port"]).login(
        server["username"], server["password"]
    )
    try:
        box.append(mail.as_bytes(), "INBOX")
    finally:
        box.logout()


@pytest.mark.django_db
def test_imap_messages_are_taken_exactly_once(
    imap_server, django_capture_on_commit_callbacks
) -> None:
    account = ImapAccount.objects.create(
        name="Shop",
        host=imap_server["host"],
        port=imap_server["port"],
        use_ssl=False,
        username=imap_server["username"],
        password=imap_server["password"],
    )
    _append(imap_server, "Bestelling 1", "<imap-1@example.nl>")
    _append(imap_server, "Bestelling 2", "<imap-2@example.nl>", sender="Ola <ola@example.pl>")
    with django_capture_on_commit_callbacks(execute=True):
        imap_poll_all.delay()
    account.refresh_from_db()
    assert account.last_error == ""
    assert account.last_uid == 2
    assert Ticket.objects.count() == 2
    assert set(Message.objects.values_list("provider_message_id", flat=True)) == {
        "<imap-1@example.nl>",
        "<imap-2@example.nl>",
    }
    # Polling again takes nothing twice; a new message is taken alone.
    _append(imap_server, "Re: Bestelling 1", "<imap-3@example.nl>")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            imap_poll_all.delay()
    assert InboundReceipt.objects.count() == 3
    assert Message.objects.count() == 3
    noor = Ticket.objects.get(customer__identities__value="noor@example.nl")
    assert noor.messages.count() == 2  # her second mail joined her open ticket


@pytest.mark.django_db
def test_imap_login_failure_is_recorded_not_raised(imap_server) -> None:
    account = ImapAccount.objects.create(
        name="Wrong",
        host=imap_server["host"],
        port=imap_server["port"],
        use_ssl=False,
        username=imap_server["username"],
        password="wrong",
    )
    from channels_inbox.services import imap_poll

    assert imap_poll(account_id=account.pk) == 0
    account.refresh_from_db()
    assert account.last_error
    assert account.last_polled_at is not None
    assert InboundReceipt.objects.count() == 0
