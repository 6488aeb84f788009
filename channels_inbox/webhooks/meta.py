"""`/webhooks/meta/`: Messenger, Instagram and WhatsApp Cloud API webhooks.

GET is Meta's verify-token handshake. POST is checked (`X-Hub-Signature-256`), refused when it
is for no configured account, stored as a receipt and answered at once (a signed body that
cannot be read, e.g. not JSON or nested too deep, is kept as a failed receipt and answered
400); the
`channels_inbox.process_receipt` task does the work (`services.meta_receipt_outcomes`).
"""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.decorators.csrf import csrf_exempt

from channels_inbox import services
from channels_inbox.adapters.meta import signature_valid
from helpdesk.parsers import JSONTooDeep, json_loads_bounded

logger = logging.getLogger(__name__)


def _text(body: str, status: int = 200) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


def _verify(request: HttpRequest) -> HttpResponse:
    """Meta subscribes the URL by sending our verify token; we echo its challenge."""
    token = request.GET.get("hub.verify_token", "")
    expected = settings.META_VERIFY_TOKEN
    if (
        request.GET.get("hub.mode") == "subscribe"
        and expected
        and hmac.compare_digest(token.encode(), expected.encode())
    ):
        return _text(request.GET.get("hub.challenge", ""))
    logger.warning("meta webhook: verification refused (mode %r)", request.GET.get("hub.mode"))
    return _text("verification refused", 403)


def _receive(request: HttpRequest) -> HttpResponse:
    body = request.body
    header = request.headers.get("X-Hub-Signature-256", "")
    if not signature_valid(body=body, header=header, secret=settings.META_APP_SECRET):
        logger.warning("meta webhook: bad or missing X-Hub-Signature-256, refused")
        return _text("bad signature", 403)
    path, content_type = request.path, request.META.get("CONTENT_TYPE", "")
    headers = services.request_headers(request)
    try:
        payload = json_loads_bounded(body)
    except JSONTooDeep as exc:
        payload, reason = None, str(exc)
    except ValueError as exc:
        payload, reason = None, f"not JSON: {exc}"
    else:
        reason = "" if isinstance(payload, dict) else "not a JSON object"
    try:
        if not isinstance(payload, dict):
            # Signed, so it is Meta's: keep it for the admins with the reason. Whom it is for
            # cannot be told; the 400 says it will never be readable.
            receipt, _ = services.meta_webhook_store_unreadable(
                body=body, reason=reason, path=path, content_type=content_type, headers=headers
            )
            return _text(f"{reason} (kept as failed receipt {receipt.pk})", 400)
        receipt, created = services.meta_webhook_store(
            body=body, payload=payload, path=path, content_type=content_type, headers=headers
        )
    except services.MetaRefused as exc:
        logger.warning("meta webhook refused: %s", exc)
        return _text(f"refused: {exc}", 403)
    except DatabaseError:
        logger.exception("meta webhook: could not store the delivery")
        # 5xx: Meta retries, so nothing is lost while the database is down.
        return HttpResponse("temporarily unavailable", status=503, headers={"Retry-After": "60"})
    return _text(f"stored as receipt {receipt.pk}" if created else f"have receipt {receipt.pk}")


@csrf_exempt
def meta_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _verify(request)
    if request.method == "POST":
        return _receive(request)
    return HttpResponseNotAllowed(["GET", "POST"])
