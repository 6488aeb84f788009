"""Signing in to the API, and the glue that throttles every sign-in.

- `TokenObtainView` (`POST /api/v1/auth/token/`): form or JSON `username`/`password` →
  `{"token": "..."}`, like DRF's `obtain_auth_token`, but through
  `django.contrib.auth.authenticate(request=...)` so django-axes counts the failures, with a
  429 + `Retry-After` when the account+address (or the address alone) is locked out.
- `client_ip`: the address axes counts (`AXES_CLIENT_IP_CALLABLE`), `REMOTE_ADDR` unless the
  trusted-proxy switch is on.
- `lockout_response`: axes' lockout answer (`AXES_LOCKOUT_CALLABLE`) for every sign-in page.
- `PasswordCheckBackend`: `ModelBackend` with at most `HELPDESK_SIGNIN_CONCURRENCY` password
  checks at a time per process, so a burst of sign-ins cannot hold every pooled database
  connection (and every core) while it hashes passwords.

Any sign-in page we add (the agents' desk, the customer portal) must call
`django.contrib.auth.authenticate(request=request, ...)`: axes and the gate then cover it.
"""

from __future__ import annotations

import math
import threading
from datetime import timedelta
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.cache import AxesCacheHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_client_cache_keys, get_cool_off, get_credentials
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, ScopedRateThrottle
from rest_framework.views import APIView

from helpdesk.accounts import token_get_or_create

# --- Where a request comes from ------------------------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: `REMOTE_ADDR`, or, behind our own reverse proxy
    (`SECURE_TRUSTED_PROXY`), the right-most `X-Forwarded-For` entry — the one that proxy
    appended. Entries left of it are whatever the client sent and are never trusted."""
    if settings.SECURE_TRUSTED_PROXY:
        forwarded: list[str] = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            return forwarded[-1]
    return request.META.get("REMOTE_ADDR")


# --- Lockout ----------------------------------------------------------------------------------


def _retry_after_seconds(request: HttpRequest) -> int:
    cool_off = get_cool_off(request) or timedelta(minutes=15)
    return max(1, math.ceil(cool_off.total_seconds()))


def lockout_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return _(
        "Too many failed sign-in attempts. Try again in %(minutes)d minutes, "
        "or ask an administrator to unlock the account."
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """Axes' answer once an account+address (or an address) is locked out: 429 with
    `Retry-After` (the cool-off); JSON under /api/, a small page elsewhere (the admin login
    and later sign-in pages)."""
    seconds = _retry_after_seconds(request)
    message = lockout_message(seconds)
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = TemplateResponse(
            request, "auth/locked_out.html", {"message": message}, status=429
        ).render()
    response["Retry-After"] = str(seconds)
    return response


# --- Counting failures ------------------------------------------------------------------------


class SigninFailureHandler(AxesCacheHandler):
    """Axes' cache handler (counts in Redis, never a database write) with two limits instead
    of one: `AXES_FAILURE_LIMIT` failures per account+address, and the looser
    `AXES_IP_FAILURE_LIMIT` per address alone (many accounts tried from one address).
    Axes itself compares the largest count with a single limit; here each count has its own.
    The keys follow `AXES_LOCKOUT_PARAMETERS`: `[["username", "ip_address"], "ip_address"]`."""

    def _counts(self, request: Any, credentials: dict[str, Any] | None) -> tuple[int, int]:
        keys = get_client_cache_keys(request, credentials)
        values = self.cache.get_many(keys)
        account_ip, address = (int(values.get(key, 0)) for key in keys)
        return account_ip, address

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The account+address count, or the account limit once the address alone is over
        its own limit: axes locks out when this reaches `AXES_FAILURE_LIMIT`."""
        account_ip, address = self._counts(request, credentials)
        if address >= settings.AXES_IP_FAILURE_LIMIT:
            return max(account_ip, settings.AXES_FAILURE_LIMIT)
        return account_ip

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or not getattr(request, "axes_locked_out", False):
            return
        # The parent locked out on the largest raw count; keep that only if one of the two
        # counts is over its own limit.
        request.axes_locked_out = self.get_failures(request, credentials) >= (
            settings.AXES_FAILURE_LIMIT
        )


# --- The lock-out check -----------------------------------------------------------------------


class SigninLockoutBackend(AxesStandaloneBackend):
    """Axes' lock-out check, first in AUTHENTICATION_BACKENDS. Without a request there is no
    address to count (Django's test `Client.login()`, a script): axes would raise; we let the
    password backends decide. Every HTTP sign-in passes its request (the admin login form,
    TokenObtainView, and the desk and portal pages must too)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        # Axes only checks (it raises on a lock-out) and never returns a user.
        super().authenticate(request, username=username, password=password, **kwargs)
        return None


# --- Bounded password checking ------------------------------------------------------------------

_password_checks = threading.BoundedSemaphore(settings.HELPDESK_SIGNIN_CONCURRENCY)


class SigninBusy(AxesBackendPermissionDenied):
    """Too many sign-ins are checking passwords in this process right now."""


class PasswordCheckBackend(ModelBackend):
    """`ModelBackend` that checks at most `HELPDESK_SIGNIN_CONCURRENCY` passwords at a time in
    this process. A password hash takes ~0.8 s of CPU and the user lookup before it takes a
    pooled database connection, held until the request ends: fifty sign-ins at once took all
    ten connections of the pool and agents' requests failed with PoolTimeout (500). A waiting
    sign-in holds no connection. After the wait axes is asked again, so the requests of a
    burst queued behind its first failures are refused without hashing. A wait longer than
    `HELPDESK_SIGNIN_WAIT_SECONDS` refuses the attempt (it counts as a failure for axes)."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if not _password_checks.acquire(timeout=settings.HELPDESK_SIGNIN_WAIT_SECONDS):
            if request is not None:
                request.signin_busy = True  # type: ignore[attr-defined]
            raise SigninBusy("too many sign-ins at once")
        try:
            if request is not None and getattr(settings, "AXES_ENABLED", True):
                credentials = get_credentials(username=username, password=password, **kwargs)
                if not AxesProxyHandler.is_allowed(request, credentials):
                    raise AxesBackendPermissionDenied("locked out while waiting")
            return super().authenticate(request, username=username, password=password, **kwargs)
        finally:
            _password_checks.release()


# --- Tokens -------------------------------------------------------------------------------------


class TokenObtainView(APIView):
    """`POST username, password` (form or JSON) → `{"token": "..."}`; 400 with
    `non_field_errors` for wrong credentials; 429 with `Retry-After` when axes locked the
    account+address out or too many sign-ins arrive at once. Throttled per address too."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle, ScopedRateThrottle]
    throttle_scope = "auth_token"
    serializer_class = AuthTokenSerializer

    def post(self, request: Request) -> Response | HttpResponse:
        # The serializer calls authenticate(request=<this DRF request>): axes and the gate
        # mark this same object when they refuse.
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = serializer.is_valid()
        if getattr(request, "axes_locked_out", False):
            return lockout_response(request._request)
        if getattr(request, "signin_busy", False):
            busy = Response(
                {"detail": _("Too many sign-ins at once. Try again in a few seconds.")},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            busy["Retry-After"] = "5"
            return busy
        if not valid:
            return Response(serializer.errors, status=status.HTTP_400_BAD_REQUEST)
        token = token_get_or_create(user=serializer.validated_data["user"], now=timezone.now())
        return Response({"token": token.key})


token_obtain = TokenObtainView.as_view()
