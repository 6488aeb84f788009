"""`/webhooks/twilio/voice/`: Twilio voice status callbacks.

The request is checked (`X-Twilio-Signature`), stored as a receipt and answered at once with
empty TwiML; the `channels_inbox.process_receipt` task records the call
(`services.phone_receipt_outcomes`). Nothing is written for a request that fails the check.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from channels_inbox import services

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
_DEFAULT_PORTS = {"https": 443, "http": 80}


def twilio_signature(*, token: str, url: str, params: Iterable[tuple[str, list[str]]]) -> str:
    """Twilio's request signature: HMAC-SHA1 (key: the auth token) over the full URL followed
    by every POST parameter name and value, names sorted (a repeated name's values sorted
    too), base64-encoded."""
    payload = url + "".join(
        name + value for name, values in sorted(params) for value in sorted(values)
    )
    digest = hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _url_variants(url: str) -> list[str]:
    """The URL as we see it, without and with the scheme's default port: Twilio signs the URL
    as configured, and a proxy may add or drop an explicit port on the way to us."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"  # an IPv6 literal keeps its brackets
    bare = urlunsplit(parts._replace(netloc=host))
    port = _DEFAULT_PORTS.get(parts.scheme)
    with_port = urlunsplit(parts._replace(netloc=f"{host}:{port}")) if port else bare
    return list(dict.fromkeys([url, bare, with_port]))


def signature_valid(*, token: str, url: str, params: QueryDict, signature: str) -> bool:
    if not token or not signature:
        return False
    items = list(params.lists())
    return any(
        hmac.compare_digest(
            twilio_signature(token=token, url=variant, params=items).encode(), signature.encode()
        )
        for variant in _url_variants(url)
    )


def _text(body: str, status: int) -> HttpResponse:
    return HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_POST
def twilio_voice(request: HttpRequest) -> HttpResponse:
    """Check, store, answer. A bad or missing signature, or no TWILIO_AUTH_TOKEN to check it
    with, is refused with 403 and nothing is written; a database outage answers 503 with
    Retry-After so the delivery is not taken as done."""
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        logger.error("twilio webhook: TWILIO_AUTH_TOKEN is not set, every callback is refused")
        return _text("not configured", 403)
    # Read the body before request.POST parses it: the raw form is what Twilio signed.
    body = request.body
    params = QueryDict(body.decode("utf-8", errors="replace"))
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature_valid(
        token=token, url=request.build_absolute_uri(), params=params, signature=signature
    ):
        logger.warning("twilio webhook: bad or missing X-Twilio-Signature, refused")
        return _text("bad signature", 403)
    try:
        services.phone_webhook_store(request=request)
    except DatabaseError:
        logger.exception("twilio webhook: could not store the callback")
        return HttpResponse("temporarily unavailable", status=503, headers={"Retry-After": "60"})
    return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")
