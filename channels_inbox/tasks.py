"""Celery tasks: thin interfaces that take ids and call one service."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from channels_inbox import services


@shared_task(
    name="channels_inbox.process_receipt",
    ignore_result=True,
    queue="inbound",
    soft_time_limit=20,
    time_limit=30,
    acks_late=True,
)
def process_receipt(receipt_id: int) -> None:
    """Parse in its own queue with a time limit: a hostile message stalls only itself."""
    try:
        services.receipt_process(receipt_id=receipt_id)
    except SoftTimeLimitExceeded:
        services.receipt_timed_out(receipt_id=receipt_id, seconds=20)


@shared_task(name="channels_inbox.receipt_sweep", ignore_result=True)
def receipt_sweep() -> None:
    """Re-drive receipts whose task the broker lost."""
    for receipt_id in services.receipts_due():
        process_receipt.delay(receipt_id)


@shared_task(name="channels_inbox.imap_poll", ignore_result=True, soft_time_limit=120)
def imap_poll(account_id: int) -> None:
    services.imap_poll(account_id=account_id)


@shared_task(name="channels_inbox.imap_poll_all", ignore_result=True)
def imap_poll_all() -> None:
    for account_id in services.imap_accounts_due():
        imap_poll.delay(account_id)


@shared_task(
    name="channels_inbox.fetch_media",
    bind=True,
    ignore_result=True,
    acks_late=True,
    max_retries=5,
    soft_time_limit=120,
)
def fetch_media(self: Any, message_id: int) -> None:
    """Files sent on Meta channels, fetched while their links still work. Retries back off
    from one minute to about half an hour; the last attempt names what it could not fetch."""
    final = self.request.retries >= self.max_retries
    try:
        left = services.meta_media_fetch(message_id=message_id, final=final)
    except SoftTimeLimitExceeded:
        # A file server dripping bytes: what is settled stays settled, the rest goes again.
        left = 0 if final else 1
    if left:
        raise self.retry(countdown=60 * 2**self.request.retries)
