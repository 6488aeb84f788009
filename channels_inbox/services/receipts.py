"""Inbound receipts, the pipeline every channel uses: store the delivery first (in the
webhook request), process it later in a task, re-drive what a lost task left behind.

- `receipt_store` keeps a delivery as it arrived (one receipt per provider and body) and
  enqueues `channels_inbox.process_receipt` after commit.
- `receipt_process` claims a receipt and hands it to the handler its channel registered
  (`receipt_handler_register`); email is the default. A handler returns one `Outcome` per
  event in the delivery; the receipt settles on the worst of them.
- `receipts_due` is the sweep: receipts whose task the broker lost.
- `stored_request_replay` rebuilds the HTTP request a receipt was stored from, so a
  provider's own parser (an anymail view) can read it in the worker.
"""

from __future__ import annotations

import hashlib
import io
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import unquote_to_bytes, urlsplit

from django.core.handlers.wsgi import WSGIRequest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from channels_inbox.models import InboundReceipt, ReceiptState
from tickets.text import text_clean

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# The channel whose handler processes receipts of a channel that registered none.
DEFAULT_CHANNEL = "email"

# Request headers kept with a receipt so the ESP's parser sees the request it expects;
# credentials and cookies are not kept.
_DROPPED_HEADERS = {"HTTP_AUTHORIZATION", "HTTP_COOKIE", "HTTP_X_CSRFTOKEN"}


@dataclass(frozen=True)
class Outcome:
    """What processing one event of a receipt came to.

    `state` is the `ReceiptState` the event earns (the receipt settles on the worst of its
    events: failed, rejected, done, ignored); `note` tells the admins why (blank when there
    is nothing to say); `message_id` is the Message the event stored, if any.
    """

    state: str
    note: str = ""
    message_id: int | None = None


ReceiptHandler = Callable[[InboundReceipt], list[Outcome]]
_receipt_handlers: dict[str, ReceiptHandler] = {}


def receipt_handler_register(*, channel: str, handler: ReceiptHandler) -> None:
    """Let a channel (email, phone, meta…) process its own receipts. A handler returns one
    outcome per event and raises nothing it expects: what it raises is kept on the receipt
    as a failure. Registering a channel again replaces its handler."""
    _receipt_handlers[channel] = handler


def request_headers(request: HttpRequest) -> dict[str, str]:
    """The request's HTTP headers (WSGI names) worth keeping with a receipt."""
    return {
        key: str(value)
        for key, value in request.META.items()
        if key.startswith("HTTP_") and key not in _DROPPED_HEADERS
    }


def stored_request_replay(*, receipt: InboundReceipt) -> HttpRequest:
    """The POST a receipt was stored from, rebuilt as a WSGI request: its path (and a query
    string, if the stored path has one), body, content type and kept headers.

    Built from a plain WSGI environ rather than `django.test`'s RequestFactory, which is
    test tooling. The host comes from the stored `Host` header, as in the original request;
    the scheme is not stored and is taken as http (a `X-Forwarded-Proto` header, when kept,
    still counts through SECURE_PROXY_SSL_HEADER).
    """
    parts = urlsplit(receipt.path)
    body = bytes(receipt.body)
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        # WSGI carries the path as bytes decoded as latin-1; Django decodes it again.
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("iso-8859-1"),
        "QUERY_STRING": parts.query.encode().decode("iso-8859-1"),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_TYPE": receipt.content_type,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multiprocess": True,
        "wsgi.multithread": False,
        "wsgi.run_once": False,
        **receipt.headers,
    }
    return WSGIRequest(environ)


@transaction.atomic
def receipt_store(
    *,
    provider: str,
    view: str,
    path: str,
    content_type: str,
    body: bytes,
    headers: dict[str, str],
    channel: str = "email",
) -> tuple[InboundReceipt, bool]:
    """Keep a webhook delivery as it arrived; the same payload twice is one receipt.

    Returns (receipt, created). Enqueues processing after commit. Raises DatabaseError when
    the database is down, which the webhook turns into a retryable 503.
    """
    digest = hashlib.sha256(body).hexdigest()
    existing = InboundReceipt.objects.filter(provider=provider, body_sha256=digest).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            receipt = InboundReceipt.objects.create(
                channel=channel,
                provider=provider,
                view=view,
                path=path,
                content_type=content_type,
                headers=headers,
                body=body,
                body_sha256=digest,
                size=len(body),
            )
    except IntegrityError:
        # The same payload on a parallel connection won the race.
        return InboundReceipt.objects.get(provider=provider, body_sha256=digest), False
    _enqueue(receipt.pk)
    return receipt, True


def _enqueue(receipt_id: int) -> None:
    from channels_inbox.tasks import process_receipt

    transaction.on_commit(lambda: process_receipt.delay(receipt_id))


def _claim(receipt_id: int) -> InboundReceipt | None:
    claimed = InboundReceipt.objects.filter(
        pk=receipt_id, state__in=[ReceiptState.PENDING, ReceiptState.PROCESSING]
    ).update(state=ReceiptState.PROCESSING, attempts=F("attempts") + 1)
    return InboundReceipt.objects.get(pk=receipt_id) if claimed else None


def _finish(
    receipt: InboundReceipt, state: str, error: str = "", messages: list[int] | None = None
) -> None:
    receipt.state = state
    # Notes quote what the sender wrote (ids, headers): a NUL in them must not leave the
    # receipt unsettled, to be re-driven forever.
    receipt.error = text_clean(error)[0][:5000]
    receipt.message_ids = messages or []
    receipt.processed_at = timezone.now()
    receipt.save(update_fields=["state", "error", "message_ids", "processed_at"])
    if state in (ReceiptState.FAILED, ReceiptState.REJECTED):
        logger.warning("receipt %s %s: %s", receipt.pk, state, error)


def _outcomes(receipt: InboundReceipt) -> list[Outcome]:
    handler = _receipt_handlers.get(receipt.channel) or _receipt_handlers.get(DEFAULT_CHANNEL)
    if handler is None:
        return [Outcome(ReceiptState.FAILED, f"no handler for {receipt.channel} receipts")]
    try:
        return handler(receipt)
    except Exception as exc:
        logger.exception("receipt %s: unexpected error", receipt.pk)
        return [Outcome(ReceiptState.FAILED, f"unexpected error: {exc!r}")]


# Worst first: the receipt's state is the first of these any of its events earned.
_SEVERITY = (ReceiptState.FAILED, ReceiptState.REJECTED, ReceiptState.DONE, ReceiptState.IGNORED)


def receipt_process(*, receipt_id: int) -> InboundReceipt | None:
    """Parse a stored delivery with its channel's handler, which ingests each event in it.

    Claimed with a conditional UPDATE so parallel runs do not double the work; message-level
    idempotency (unique provider id per channel) covers a crash half-way. Whatever fails is
    kept on the receipt with its error for the admins. Returns None when the receipt was
    not there to claim (settled already, or unknown).
    """
    receipt = _claim(receipt_id)
    if receipt is None:
        return None
    if receipt.attempts > MAX_ATTEMPTS:
        _finish(receipt, ReceiptState.FAILED, f"gave up after {MAX_ATTEMPTS} attempts")
        return receipt
    outcomes = _outcomes(receipt)
    states = {outcome.state for outcome in outcomes}
    notes = [outcome.note for outcome in outcomes if outcome.note]
    messages = [outcome.message_id for outcome in outcomes if outcome.message_id]
    final = next((state for state in _SEVERITY if state in states), ReceiptState.IGNORED)
    _finish(receipt, final, "; ".join(notes), messages)
    return receipt


def receipt_timed_out(*, receipt_id: int, seconds: int) -> None:
    """Processing hit the task's time limit: the receipt is kept, rejected and shown to the
    admins with the reason, and is not re-driven (it would only time out again)."""
    receipt = InboundReceipt.objects.filter(pk=receipt_id).first()
    if receipt is not None:
        _finish(receipt, ReceiptState.REJECTED, f"parsing took longer than {seconds} s")


def receipts_due(*, limit: int = 200) -> list[int]:
    """Receipts whose task was lost (Redis flushed, worker killed): re-drive them."""
    now = timezone.now()
    pending = InboundReceipt.objects.filter(
        state=ReceiptState.PENDING, received_at__lt=now - timedelta(minutes=1)
    )
    stuck = InboundReceipt.objects.filter(
        state=ReceiptState.PROCESSING, received_at__lt=now - timedelta(minutes=10)
    )
    return list((pending | stuck).order_by("received_at").values_list("pk", flat=True)[:limit])
