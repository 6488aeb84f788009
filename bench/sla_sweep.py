"""Benchmark: the SLA sweep on a `seed_scale` database, in transactions it rolls back.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_desk1m \\
        .venv/bin/python -m bench.sla_sweep [--due 10000] [--at-risk 2000] [--rounds 3]

Each round, inside one transaction: `--due` running timers are made due during the last
`--window` seconds (the burst that lands between two beat runs) and `--at-risk` others
past their at-risk time but not due; then one real `sla_sweep` runs and the realtime
publishes and task sends it left for after commit are run (a rolled-back transaction
never commits); then everything is rolled back, so the database is as before and a shared
one (1 M) may be used. Timers the seed left due or at risk are swept too and counted.

Reported: the sweep's seconds (its statements' own time beside it, the same-run baseline:
the rest is Python and Redis; and this process's CPU seconds, which a loaded machine
inflates far less than wall time), the statements, and the worst breach lag: a timer that fell
due at the start of the window is on record `window + sweep` seconds later (with beat
every 20 s, the window is at most 20 s). The idle sweep is timed apart, for real (it
changes nothing): `--idle` sweeps at a moment just before the earliest due or at-risk time,
each in its own transactions as beat runs it. Not a test; its table goes into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_desk1m")
os.environ.setdefault("HELPDESK_DEV", "1")
os.environ.setdefault("DATABASE_POOL", "0")


class _Rollback(Exception):
    """Raised at the end of a round to roll its transaction back."""


@dataclass
class Round:
    running: int
    breached: int
    at_risk: int
    seconds: float
    sql_seconds: float
    publish_seconds: float
    statements: int
    cpu_seconds: float


def _say(text: str) -> None:
    print(text, flush=True)  # noqa: T201


@contextmanager
def _timed_statements() -> Iterator[list[float]]:
    """Each statement's own duration, whatever DEBUG says."""
    from django.db import connection

    spent: list[float] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, ctx)
        finally:
            spent.append(time.perf_counter() - started)

    with connection.execute_wrapper(record):
        yield spent


def _make_burst(now: datetime, *, due: int, at_risk: int, window: float) -> int:
    """Move `due` running timers' due times into the last `window` seconds and `at_risk`
    others past their at-risk time (due in an hour); returns the running timers' count."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH picked AS (
                SELECT id, row_number() OVER (ORDER BY id) AS n FROM tickets_slatimer
                WHERE state = 'running' AND breached_at IS NULL AND due_at > %(now)s
                ORDER BY id LIMIT %(total)s
            )
            UPDATE tickets_slatimer t SET
                due_at = CASE WHEN p.n <= %(due)s
                    THEN %(now)s - make_interval(secs => %(window)s * p.n / %(due)s)
                    ELSE %(now)s + interval '1 hour' END,
                at_risk_at = %(now)s - interval '1 minute',
                at_risk_notified_at = CASE WHEN p.n <= %(due)s THEN t.at_risk_notified_at END
            FROM picked p WHERE t.id = p.id
            """,
            {"now": now, "due": max(due, 1), "total": due + at_risk, "window": window},
        )
        cursor.execute("SELECT count(*) FROM tickets_slatimer WHERE state = 'running'")
        return int(cursor.fetchone()[0])


def _clear(now: datetime) -> None:
    """Move what the seed left due or at risk out of the sweep's way (`--exact`)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_slatimer SET at_risk_notified_at = %(now)s, due_at = CASE"
            " WHEN due_at <= %(now)s THEN %(now)s + interval '2 days' ELSE due_at END"
            " WHERE state = 'running' AND breached_at IS NULL"
            " AND (due_at <= %(now)s OR (at_risk_at <= %(now)s AND at_risk_notified_at IS NULL))",
            {"now": now},
        )


def _run_after_commit() -> float:
    """Run what the sweep left for after commit (publishes, task sends); their seconds."""
    from django.db import connection

    callbacks = list(connection.run_on_commit)
    connection.run_on_commit.clear()
    started = time.perf_counter()
    for entry in callbacks:  # (savepoint ids, callback, robust)
        entry[1]()
    return time.perf_counter() - started


def _idle(sweeps: int) -> tuple[list[float], int]:
    """`sweeps` real sweeps that find nothing: their seconds, and one's statements."""
    from datetime import timedelta

    from django.db.models import Min

    from tickets.models import SlaTimer, TimerState
    from tickets.services.sla_sweep import sla_sweep

    running = SlaTimer.objects.filter(state=TimerState.RUNNING)
    due = running.filter(breached_at__isnull=True).aggregate(at=Min("due_at"))["at"]
    risk = running.filter(at_risk_notified_at__isnull=True).aggregate(at=Min("at_risk_at"))
    moments = [m for m in (due, risk["at"]) if m is not None]
    if not moments:
        return [], 0
    before = min(moments) - timedelta(seconds=1)
    out = []
    for _ in range(sweeps):
        with _timed_statements() as spent:
            started = time.perf_counter()
            result = sla_sweep(now=before)
            out.append(time.perf_counter() - started)
        assert (result.breached, result.at_risk) == (0, 0)  # noqa: S101
    return out, len(spent)


def _round(args: argparse.Namespace) -> Round:
    from django.db import transaction
    from django.utils import timezone

    from tickets.services.sla_sweep import sla_sweep

    out: Round | None = None
    try:
        with transaction.atomic():
            now = timezone.now()
            if args.exact:
                _clear(now)
            running = _make_burst(now, due=args.due, at_risk=args.at_risk, window=args.window)
            with _timed_statements() as spent:
                started, cpu = time.perf_counter(), time.process_time()
                result = sla_sweep(now=now, batch=args.batch)
                publish = _run_after_commit()
                seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            out = Round(
                running, result.breached, result.at_risk, seconds, sum(spent), publish,
                len(spent), cpu,
            )  # fmt: skip
            raise _Rollback
    except _Rollback:
        pass
    assert out is not None  # noqa: S101
    return out


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


HEADER = (
    "| scenario | running timers | breached | at risk | sweep s (p50 / max) | of which SQL s"
    " | publish s | this process's CPU s | statements | worst breach lag s"
    " | idle sweep ms (p50 / p95) |\n"
    "|---|---|---|---|---|---|---|---|---|---|---|"
)


def row(name: str, rounds: list[Round], window: float, idle: tuple[list[float], int]) -> str:
    first = rounds[0]
    seconds = [r.seconds for r in rounds]
    cells = [
        name,
        f"{first.running:,}",
        f"{first.breached:,}",
        f"{first.at_risk:,}",
        f"{_median(seconds):.2f} / {max(seconds):.2f}",
        f"{_median([r.sql_seconds for r in rounds]):.2f}",
        f"{_median([r.publish_seconds for r in rounds]):.2f}",
        f"{_median([r.cpu_seconds for r in rounds]):.2f}",
        str(first.statements),
        f"{window + max(seconds):.0f}",
        _idle_cell(*idle),
    ]
    return "| " + " | ".join(cells) + " |"


def _idle_cell(times: list[float], statements: int) -> str:
    if not times:
        return "- (no running timer)"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{_median(times) * 1000:.1f} / {p95 * 1000:.1f} ({statements} statements)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument("--at-risk", type=int, default=2_000)
    parser.add_argument("--window", type=float, default=20.0, help="the burst's seconds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--idle", type=int, default=20, help="idle sweeps to time")
    parser.add_argument("--batch", type=int, default=500, help="the sweep's batch size")
    parser.add_argument(
        "--exact", action="store_true", help="sweep only the burst: the seed's due timers moved"
    )
    args = parser.parse_args(argv)

    import django

    django.setup()
    rounds = []
    for n in range(args.rounds):
        rounds.append(_round(args))
        _say(f"round {n + 1}: {rounds[-1]}")
    idle = _idle(args.idle)
    _say(HEADER)
    name = f"sweep: {args.due:,} due within {args.window:.0f} s + {args.at_risk:,} at risk"
    name += " (only these)" if args.exact else " (and what the seed left due)"
    _say(row(name, rounds, args.window, idle))


if __name__ == "__main__":
    main()
