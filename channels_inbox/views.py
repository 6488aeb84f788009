"""Inbound email webhooks at anymail's own URLs (`/anymail/<esp>/inbound/`).

Each ESP's anymail view checks the request (basic auth, signatures) exactly as anymail does;
then, instead of parsing in the request, the raw delivery is stored and answered at once. A
task runs the same view's parser later (`services.receipt_process`), so a hostile or huge
message costs a worker's time limit, never the web server's.
"""

from __future__ import annotations

import logging
from typing import Any

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern

from channels_inbox import services

logger = logging.getLogger(__name__)

# What each ESP takes as "stop retrying" for a refused delivery (their docs): Postmark
# stops on 403, Mailgun on 406; the others treat any 4xx but 429 as final.
REFUSAL_STATUS = {"Postmark": 403, "Mailgun": 406}


class StoreFirstMixin:
    """Validate with anymail, store the raw delivery, answer; parse later in a task."""

    provider = ""
    esp_name: str
    basic_auth: Any

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Read the body before anything touches request.POST (Django refuses it after).
        body = request.body
        if (
            self.esp_name == "Amazon SES"
            and self.basic_auth
            and not request.headers.get("Authorization")
        ):
            # SNS sends credentials only after a 401 challenge.
            response = HttpResponse(status=401)
            response["WWW-Authenticate"] = 'Basic realm="Anymail WEBHOOK_SECRET"'
            return response
        try:
            self.run_validators(request)  # type: ignore[attr-defined]
        except (AnymailWebhookValidationFailure, AnymailError) as exc:
            logger.warning("%s inbound webhook refused: %s", self.provider, exc)
            status = REFUSAL_STATUS.get(self.esp_name, 403)
            return HttpResponse(f"refused: {exc}", status=status, content_type="text/plain")
        try:
            receipt, created = services.receipt_store(
                provider=self.provider,
                view=f"{type(self).__mro__[2].__module__}.{type(self).__mro__[2].__qualname__}",
                path=request.path,
                content_type=request.META.get("CONTENT_TYPE", ""),
                body=body,
                headers=services.request_headers(request),
            )
        except DatabaseError:
            logger.exception("%s inbound webhook: could not store the delivery", self.provider)
            # 5xx: every ESP retries these later, so nothing is lost while the database is down.
            return HttpResponse(
                "temporarily unavailable", status=503, headers={"Retry-After": "60"}
            )
        return HttpResponse(
            f"stored as receipt {receipt.pk}" if created else f"already have receipt {receipt.pk}",
            content_type="text/plain",
        )


def _provider_of(pattern: URLPattern) -> str:
    return str(pattern.pattern).lstrip("^").split("/", 1)[0]


def inbound_urlpatterns() -> list[URLPattern]:
    """Our store-first versions of every inbound URL anymail defines, same routes."""
    patterns = []
    for pattern in anymail_urls.urlpatterns:
        if not isinstance(pattern, URLPattern) or not (pattern.name or "").endswith(
            "_inbound_webhook"
        ):
            continue
        view_class = pattern.callback.view_class  # type: ignore[attr-defined]
        provider = _provider_of(pattern)
        store_first: Any = type(
            f"StoreFirst{view_class.__name__}",
            (StoreFirstMixin, view_class),
            {"provider": provider},
        )
        patterns.append(
            URLPattern(pattern.pattern, store_first.as_view(), name=f"inbound_{provider}")
        )
    return patterns
