"""What the in-process benchmarks share: a plain baseline view, statement capture, timing.

A scenario is a real request through Django's whole stack in this process (middleware,
session, auth, the view, the template). Its baseline is `plain_view`: behind the same
middleware and session it runs the very statements the request ran (captured on a warm-up
request by `capture`) and returns the rows as JSON, so the ratio of the two is what the
code costs on top of its database. `serve()` puts both behind one URL conf for a run.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

Statement = tuple[str, Any]

# The plain views' statements, by key (filled by `register`).
PLAIN_SQL: dict[str, list[Statement]] = {}
urlpatterns: list[Any] = []


def env_defaults(**extra: str) -> None:
    """The settings every bench runs with (each may be overridden from the environment)."""
    defaults = {
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/helpdesk_desk1m",
        "HELPDESK_DEV": "1",
        "DATABASE_POOL": "0",
        "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        **extra,
    }
    for name, value in defaults.items():
        os.environ.setdefault(name, value)


def say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


def plain_view(request: Any, name: str) -> Any:
    """The baseline: the same statements the request ran, rows returned as JSON."""
    from django.db import connection
    from django.http import JsonResponse

    rows: list[Any] = []
    with connection.cursor() as cursor:
        for sql, params in PLAIN_SQL[name]:
            cursor.execute(sql, params)
            if cursor.description:
                rows.append([list(map(str, row)) for row in cursor.fetchall()])
    return JsonResponse({"rows": rows})


@contextmanager
def serve() -> Iterator[None]:
    """The site's URLs plus `/bench/plain/<key>/`, DEBUG off, for the `with` block."""
    from django.test.utils import override_settings, setup_test_environment
    from django.urls import path

    from helpdesk.urls import urlpatterns as site

    urlpatterns[:] = [path("bench/plain/<str:name>/", plain_view), *site]
    with suppress(RuntimeError):  # already set up, as under pytest
        setup_test_environment()
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        yield


def is_session(sql: str) -> bool:
    """The session and user reads happen on both sides (same middleware): not replayed."""
    return '"django_session"' in sql or 'FROM "auth_user"' in sql


def get(client: Any, url: str) -> float:
    """One GET's seconds; anything but a 200 stops the bench."""
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)  # noqa: S101
    return elapsed


def times(
    client: Any, url: str, rounds: int, *, before: Callable[[], None] | None = None
) -> list[float]:
    """`rounds` GETs' seconds, `before()` run ahead of each one (e.g. making it cold)."""
    out = []
    for _ in range(rounds):
        if before is not None:
            before()
        out.append(get(client, url))
    return out


def capture(client: Any, url: str) -> tuple[int, list[Statement]]:
    """One GET: how many statements it ran, and those a plain view should replay."""
    from django.db import connection

    statements: list[Statement] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    # A wrapper sees every statement with its parameters, whatever DEBUG says.
    with connection.execute_wrapper(record):
        get(client, url)
    return len(statements), [(sql, p) for sql, p in statements if not is_session(sql)]


def register(statements: list[Statement]) -> str:
    """The URL of a plain view replaying `statements`."""
    key = f"s{len(PLAIN_SQL)}"
    PLAIN_SQL[key] = statements
    return f"/bench/plain/{key}/"


def ms(values: list[float], q: float) -> float:
    """The `q` quantile of `values` (seconds), in milliseconds (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def table_header(*columns: str) -> None:
    say("| " + " | ".join(columns) + " |")
    say("|" + "---|" * len(columns))


def ticket_count() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        return int(cursor.fetchone()[0])
