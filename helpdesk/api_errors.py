"""The one DRF exception handler (REST_FRAMEWORK["EXCEPTION_HANDLER"]).

Services raise `helpdesk.errors.DomainError` subclasses; views call them directly and let
the error through. This is the only place that turns one into an HTTP response."""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from helpdesk.errors import DomainError


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """A `DomainError` answers its `status` with its `payload()`; anything else goes to DRF's
    own handler (validation, 404, permissions…), and what neither knows stays a 500.

    Like DRF does for its own errors, the request's atomic block (ATOMIC_REQUESTS) is
    marked for rollback: a refusal half-way through a request writes nothing."""
    if isinstance(exc, DomainError):
        set_rollback()
        return Response(exc.payload(), status=exc.status)
    return drf_exception_handler(exc, context)
