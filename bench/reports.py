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
from dataclasses import dataclass
from typing import Any

from bench import harness
from bench.harness import say as _say

# The bench's own cache keys, so "cold" can drop them without touching anyone else's.
harness.env_defaults(CACHE_KEY_PREFIX="bench-reports")


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

    def row(self) -> str:
        cells = [self.name, str(self.queries)]
        for values in (self.cold, self.warm, self.plain_cold, self.plain_warm):
            cells.append(f"{harness.ms(values, 0.5):.0f} / {harness.ms(values, 0.95):.0f}")
        verdict = "yes" if harness.ms(self.cold, 0.95) <= 500 else "no"
        return "| " + " | ".join([*cells, verdict]) + " |"


def _warm(client: Any, url: str, rounds: int) -> list[float]:
    harness.get(client, url)
    return harness.times(client, url, rounds)


def _run(name: str, url: str, client: Any, rounds: int) -> Result:
    queries, statements = harness.capture(client, url)
    plain = harness.register(statements)
    return Result(
        name,
        queries,
        cold=harness.times(client, url, rounds, before=make_cold),
        warm=_warm(client, url, rounds),
        plain_cold=harness.times(client, plain, rounds, before=make_cold),
        plain_warm=_warm(client, plain, rounds),
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    parser.add_argument("--skip", default="", help="leave out the scenarios containing these (a,b)")
    parser.add_argument("--days", default="30,90")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone

    from bench.reports_history import ensure_history

    ensure_history(_say)
    manager = _manager()
    client = Client(raise_request_exception=False)  # a broken scenario is reported, not fatal
    client.force_login(manager)
    today = timezone.localdate()
    _say(f"{harness.ticket_count():,} tickets; {args.rounds} rounds each; ms as p50 / p95")
    harness.table_header(
        "scenario", "queries", "cold", "warm", "plain cold", "plain warm", "cold p95 ≤ 500 ms"
    )
    with harness.serve():
        for days in (int(d) for d in args.days.split(",")):
            for name, url in _scenarios(client, days, today, args):
                _say(_run(name, url, client, args.rounds).row())


if __name__ == "__main__":
    main()
