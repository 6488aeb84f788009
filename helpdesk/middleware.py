"""A database that cannot hand out a connection in time answers 503, not 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from psycopg_pool import PoolTimeout

log = logging.getLogger(__name__)


class DatabaseBusyMiddleware:
    """Maps a view's `PoolTimeout` (every pooled connection busy for `DATABASE_POOL_TIMEOUT`
    seconds) to 503 with `Retry-After`: the request may be retried, nothing is broken.
    Exceptions raised outside the view (other middleware) are not seen here."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        pool_timeout = isinstance(exception, PoolTimeout) or (
            isinstance(exception, OperationalError) and isinstance(exception.__cause__, PoolTimeout)
        )
        if not pool_timeout:
            return None
        log.warning("database pool exhausted on %s: answering 503", request.path)
        response = JsonResponse(
            {"detail": "The service is busy. Try again in a few seconds."}, status=503
        )
        response["Retry-After"] = "5"
        return response
