"""Inbound email webhooks at anymail's own URLs (`/anymail/<esp>/inbound/`).

Each ESP's anymail view checks the request (basic auth, signatures) exactly as anymail does;
then, instead of parsing in the request, the raw delivery is stored and answered at once. A
task runs the same view's parser later (`services.receipt_process`), so a hostile or huge
message costs a worker's time limit, never the web server's.
"""

from __future__ import annotations

import contextlib
import logging
import time
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from anymail import urls as anymail_urls
from anymail.exceptions import AnymailError, AnymailWebhookValidationFailure
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from channels_inbox import selectors, services
from tickets.choices import Channel
from tickets.promise import promise_format, promise_if_contacted_now, zone_named
from tickets.response_times import typical_amount, typical_first_response_cached

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


# --- Live chat -----------------------------------------------------------------------------


def _online_text() -> str:
    """ "We are online and usually answer within …": the typical first reply on chat over
    the last 30 days, the figure the portal shows (cached ten minutes)."""
    figure = typical_first_response_cached().get(Channel.CHAT)
    if figure is None or not figure.answered or figure.median_seconds is None:
        return _("We are online.")
    n, unit = typical_amount(figure.median_seconds)
    if unit == "minutes":
        text = ngettext(
            "We are online and usually answer within %(n)s minute.",
            "We are online and usually answer within %(n)s minutes.",
            n,
        )
    elif unit == "hours":
        text = ngettext(
            "We are online and usually answer within %(n)s hour.",
            "We are online and usually answer within %(n)s hours.",
            n,
        )
    else:
        text = ngettext(
            "We are online and usually answer within %(n)s day.",
            "We are online and usually answer within %(n)s days.",
            n,
        )
    return text % {"n": n}


def _chat_promise_now() -> datetime | None:
    """When a person would answer a chat message sent now: the same for every visitor in a
    minute (the text shows minutes), so kept in the cache for one, and a page view with the
    widget costs no policy query."""
    minute = int(time.time() // 60)
    key = f"chat:promise-now:{minute}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    due = promise_if_contacted_now(channel=Channel.CHAT)
    cache.set(key, due or "", 90)
    return due


def _offline_text(zone: ZoneInfo | None) -> str:
    """What a visitor reads when no agent is online: when a person would answer a message
    sent now, by the chat policy's clock (never "as soon as we can")."""
    due = _chat_promise_now()
    if due is None:
        return _("No one is online right now. Leave a message and a person will answer it here.")
    when = promise_format(due, language=translation.get_language(), zone=zone)
    return _(
        "No one is online right now. Leave a message and a person will answer by %(time)s."
    ) % {"time": when}


def chat_texts(zone: ZoneInfo | None = None) -> dict[str, str]:
    """Every text the widget shows, in the active language (Django i18n, locale/*); the
    offline promise in the visitor's time zone when the widget told us it."""
    return {
        "title": _("Chat with us"),
        "open": _("Chat"),
        "close": _("Close chat"),
        "online": _online_text(),
        "offline": _offline_text(zone),
        "offline_email": _("Leave your email and we will answer you there too."),
        "name": _("Your name"),
        "email": _("Your email (optional)"),
        "start": _("Start chat"),
        "placeholder": _("Type a message…"),
        "send": _("Send"),
        "typing": _("%(name)s is typing…"),
        "agent": _("Support"),
        "you": _("You"),
        "sending": _("Sending…"),
        "reconnecting": _("Connection lost. Reconnecting…"),
        "rate_limited": _("You are sending messages quickly. We will send this one in a moment."),
        "invalid_email": _("Please enter a valid email address, or leave it empty."),
    }


def _visitor_language(request: HttpRequest) -> str:
    """`?lang=` (the widget passes the browser's language), else Accept-Language."""
    wanted = request.GET.get("lang", "").strip()
    if wanted:
        with contextlib.suppress(LookupError):
            return translation.get_supported_language_variant(wanted.lower()[:2])
    return translation.get_language_from_request(request)


@require_GET
def chat_config(request: HttpRequest, key: str) -> HttpResponse:
    """The widget's settings and texts, readable (CORS) only by its allowed origins."""
    widget = selectors.chat_widget_active(key=key)
    if widget is None:
        raise Http404("no such chat widget")
    origin = request.headers.get("Origin", "")
    if origin and not selectors.chat_widget_allows(widget=widget, origin=origin):
        return JsonResponse({"detail": "this website may not use the widget"}, status=403)
    language = _visitor_language(request)
    with translation.override(language):
        texts = chat_texts(zone_named(request.GET.get("tz", "")[:64]))
    response = JsonResponse(
        {
            "widget": widget.key,
            "name": widget.name,
            "language": language,
            "prechat_form": widget.prechat_form,
            "agents_online": selectors.chat_agents_online(),
            "websocket": f"/ws/chat/{widget.key}/",
            "texts": texts,
        }
    )
    if origin:
        response["Access-Control-Allow-Origin"] = origin
    patch_vary_headers(response, ["Origin", "Accept-Language"])
    # Presence changes from minute to minute: never cached.
    response["Cache-Control"] = "no-store"
    return response


def chat_demo(request: HttpRequest) -> HttpResponse:
    """A page that embeds the demo widget with the one script tag a customer would use."""
    return render(request, "chat/demo.html", {"widget": selectors.chat_widget_active(key="demo")})
