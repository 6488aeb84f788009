"""Benchmark: the managers' reports page and each metrics endpoint at scale, cold and warm,
each beside a plain view running the same SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_desk1m \\
        .venv/bin/python -m bench.reports [--rounds 5]

Runs against the `seed_scale` data set (see docs/benchmarks.md). seed_scale writes running
timers for open tickets only, and no surveys; so that the figures read realistic history,
the first run adds, once (`bench.reports_history`), kept or missed first-response timers for
solved and closed tickets and a CSAT answer (some with NPS) for one in four of them.

Cold: before each cold request the database connection is closed (a new PostgreSQL backend:
no cached plans, catalogue or prepared state — what `DISCARD ALL` leaves) and the bench's own
Django cache keys are deleted (it runs with its own CACHE_KEY_PREFIX). PostgreSQL's shared
buffers and the OS page cache stay warm: a machine-wide cold start is not measured. Warm: the
same request repeated. "Plain" replays the statements the request ran (captured on a
warm-up request) behind the same middleware and session and returns the rows as JSON.
Not a test; its table goes into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_desk1m")
os.environ.setdefault("HELPDESK_DEV", "1")
os.environ.setdefault("DATABASE_POOL", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# The bench's own cache keys, so "cold" can drop them without touching anyone else's.
os.environ.setdefault("CACHE_KEY_PREFIX", "bench-reports")

PLAIN_SQL: dict[str, list[tuple[str, Any]]] = {}
urlpatterns: list[Any] = []


def _say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


def _urls() -> list[Any]:
    from django.urls import path

    from bench.desk import plain_view
    from helpdesk.urls import urlpatterns as site

    return [path("bench/plain/<str:name>/", plain_view), *site]


def _plain_sql(name: str) -> list[tuple[str, Any]]:
    return PLAIN_SQL[name]


def _manager() -> Any:
    from django.contrib.auth.models import Group, User

    user, created = User.objects.get_or_create(username="bench-manager")
    if created:
        user.set_password("bench-manager-pw")
        user.save()
        user.groups.add(Group.objects.get_or_create(name="Managers")[0])
    return user


def make_cold() -> None:
    """A new database backend and none of the bench's cached keys (see the module doc)."""
    import redis
    from django.conf import settings
    from django.db import connection

    connection.close()
    config = settings.CACHES["default"]
    client = redis.Redis.from_url(config["LOCATION"])
    keys = list(client.scan_iter(match=f"{config.get('KEY_PREFIX', '')}:*", count=1000))
    if keys:
        client.delete(*keys)


@dataclass
class Result:
    name: str
    queries: int
    cold: list[float]
    warm: list[float]
    plain_cold: list[float]
    plain_warm: list[float]

    @staticmethod
    def _p(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000

    def row(self) -> str:
        cells = [self.name, str(self.queries)]
        for values in (self.cold, self.warm, self.plain_cold, self.plain_warm):
            cells.append(f"{self._p(values, 0.5):.0f} / {self._p(values, 0.95):.0f}")
        verdict = "yes" if self._p(self.cold, 0.95) <= 500 else "no"
        return "| " + " | ".join([*cells, verdict]) + " |"


def _get(client: Any, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, (url, response.status_code)  # noqa: S101
    return elapsed


def _times(client: Any, url: str, rounds: int, *, cold: bool) -> list[float]:
    if not cold:
        _get(client, url)
    out = []
    for _ in range(rounds):
        if cold:
            make_cold()
        out.append(_get(client, url))
    return out


def _capture(client: Any, url: str) -> tuple[int, list[tuple[str, Any]]]:
    from django.db import connection

    from bench.desk import _is_session

    statements: list[tuple[str, Any]] = []

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        _get(client, url)
    return len(statements), [(sql, p) for sql, p in statements if not _is_session(sql)]


def _run(name: str, url: str, client: Any, rounds: int) -> Result:
    import bench.desk

    queries, statements = _capture(client, url)
    key = f"r{len(PLAIN_SQL)}"
    PLAIN_SQL[key] = statements
    bench.desk.PLAIN_SQL[key] = statements  # the plain view reads bench.desk's table
    plain = f"/bench/plain/{key}/"
    return Result(
        name,
        queries,
        cold=_times(client, url, rounds, cold=True),
        warm=_times(client, url, rounds, cold=False),
        plain_cold=_times(client, plain, rounds, cold=True),
        plain_warm=_times(client, plain, rounds, cold=False),
    )


def _scenarios(client: Any, days: int, today: dt.date, args: Any) -> list[tuple[str, str]]:
    """The page and each endpoint that exists (a 404 is reported, not timed), as chosen by
    --only and --skip."""
    from reports.api import GROUPS

    start = today - dt.timedelta(days=days - 1)
    query = f"?from={start.isoformat()}&to={today.isoformat()}"
    candidates = [("reports page", f"/desk/reports/{query}")] + [
        (f"api {group}", f"/api/v1/metrics/{group}/{query}") for group in GROUPS
    ]
    found = []
    for name, url in candidates:
        skipped = any(part and part in name for part in args.skip.split(","))
        if args.only not in name or skipped:
            continue
        status = client.get(url).status_code
        if status == 200:
            found.append((f"{name}, {days} d", url))
        else:
            _say(f"| {name}, {days} d | - | answered {status}: not timed | | | | |")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    parser.add_argument("--skip", default="", help="leave out the scenarios containing these (a,b)")
    parser.add_argument("--days", default="30,90")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings, setup_test_environment
    from django.utils import timezone

    from bench.reports_history import ensure_history

    globals()["urlpatterns"] = _urls()
    setup_test_environment()
    ensure_history(_say)
    manager = _manager()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        tickets = cursor.fetchone()[0]
    client = Client(raise_request_exception=False)  # a broken scenario is reported, not fatal
    client.force_login(manager)
    today = timezone.localdate()
    _say(f"{tickets:,} tickets; {args.rounds} rounds each; ms as p50 / p95")
    _say("| scenario | queries | cold | warm | plain cold | plain warm | cold p95 ≤ 500 ms |")
    _say("|---|---|---|---|---|---|---|")
    with override_settings(ROOT_URLCONF=__name__, DEBUG=False):
        for days in (int(d) for d in args.days.split(",")):
            for name, url in _scenarios(client, days, today, args):
                _say(_run(name, url, client, args.rounds).row())


if __name__ == "__main__":
    main()
