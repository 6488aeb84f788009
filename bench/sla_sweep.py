"""Benchmark: one SLA sweep over 1,000,000 open tickets' timers of which 10,000 are due.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_bench \
        .venv/bin/python -m bench.sla_sweep [--timers 1000000] [--due 10000]

Creates (or reuses) the database named in DATABASE_URL, migrates it, fills it with SQL
`generate_series` (the ORM would take an hour), then prints what the sweep's claim query
reads (`EXPLAIN (ANALYZE, BUFFERS)`) and how long one real `sla_sweep` takes to record
every due breach. Not a test: its numbers go into the closing note.
"""

from __future__ import annotations

import argparse
import os
import time
import urllib.parse
from datetime import timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/helpdesk_bench")
os.environ.setdefault("HELPDESK_DEV", "1")
os.environ.setdefault("DATABASE_POOL", "0")


def _create_database(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    name = parsed.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _fill(timers: int, due: int) -> None:
    """`timers` open tickets, each with a running first-response timer; `due` of them are
    past their due time, the rest due over the next 48 h. Reuses an earlier fill of the same
    size (breaches reset) rather than filling again."""
    from django.db import connection

    from tickets.models import SlaPolicy

    policy = SlaPolicy.objects.get(name="Standard")
    with connection.cursor() as cursor:
        if _reuse_fill(cursor, timers):
            return
        print(f"creating {timers:,} tickets and timers …")  # noqa: T201
        started = time.perf_counter()
        cursor.execute(
            "TRUNCATE tickets_slabreach, tickets_slatimer, tickets_ticketevent, "
            "tickets_notification, tickets_message, tickets_ticket CASCADE"
        )
        _insert_tickets(cursor, timers)
        _insert_timers(cursor, policy_id=policy.pk, timers=timers, due=due)
        cursor.execute("ANALYZE tickets_slatimer")
        cursor.execute("ANALYZE tickets_ticket")
        print(f"filled in {time.perf_counter() - started:.1f} s")  # noqa: T201


def _reuse_fill(cursor: CursorWrapper, timers: int) -> bool:
    """True if the database already holds `timers` timers: their breaches are undone so the
    next sweep records them again, and nothing is refilled."""
    cursor.execute("SELECT count(*) FROM tickets_slatimer")
    if cursor.fetchone()[0] != timers:
        return False
    print(f"reusing {timers:,} timers")  # noqa: T201
    cursor.execute(
        "UPDATE tickets_slatimer SET breached_at = NULL, at_risk_notified_at = now() "
        "WHERE breached_at IS NOT NULL"
    )
    cursor.execute("DELETE FROM tickets_slabreach")
    return True


def _insert_tickets(cursor: CursorWrapper, timers: int) -> None:
    """`timers` open email tickets of one customer (created if the table is empty)."""
    cursor.execute(
        "INSERT INTO customers_customer (name, language, notes, created_at, updated_at) "
        "SELECT 'Bench customer', 'en', '', now(), now() "
        "WHERE NOT EXISTS (SELECT 1 FROM customers_customer) RETURNING id"
    )
    cursor.execute("SELECT min(id) FROM customers_customer")
    customer_id = cursor.fetchone()[0]
    cursor.execute(
        """
        INSERT INTO tickets_ticket (subject, customer_id, status, priority, channel, tags,
            unanswered_contacts, repeat_contacts, chase_priority_raised,
            latest_inbound_channel, created_at, updated_at)
        SELECT 'bench ' || n, %s, 'open', 2, 'email', '{}', 1, 0, false, 'email',
            now(), now()
        FROM generate_series(1, %s) AS n
        """,
        [customer_id, timers],
    )


def _insert_timers(cursor: CursorWrapper, *, policy_id: int, timers: int, due: int) -> None:
    """One running first-response timer per ticket: the first `due` tickets an hour past
    their due time, the rest spread over the next 48 h."""
    cursor.execute(
        """
        INSERT INTO tickets_slatimer (ticket_id, metric, policy_id, policy_version,
            target_minutes, state, started_at, due_at, at_risk_at, reason,
            paused_seconds, at_risk_notified_at)
        SELECT t.id, 'first_response', %s, 1, 2880, 'running',
            now() - interval '49 hours',
            CASE WHEN t.rn <= %s THEN now() - interval '1 hour'
                 ELSE now() + (t.rn * interval '48 hours') / %s END,
            now() - interval '13 hours', 'bench', 0, now()
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS rn FROM tickets_ticket) AS t
        """,
        [policy_id, due, timers],
    )


def _explain() -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from tickets.models import SlaTimer, TimerState

    query = (
        SlaTimer.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(state=TimerState.RUNNING, breached_at__isnull=True, due_at__lte=timezone.now())
        .order_by("due_at")[:500]
    )
    with transaction.atomic(), connection.cursor() as cursor:
        sql, params = query.query.sql_with_params()
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\nEXPLAIN of one claim batch (500 rows):")  # noqa: T201
        for (line,) in cursor.fetchall():
            print("  " + line)  # noqa: T201


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timers", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    _create_database(os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from tickets.models import SlaBreach
    from tickets.services.sla_sweep import sla_sweep

    call_command("migrate", verbosity=0)
    _fill(args.timers, args.due)
    _explain()
    started = time.perf_counter()
    result = sla_sweep(now=timezone.now() + timedelta(seconds=1))
    elapsed = time.perf_counter() - started
    recorded = SlaBreach.objects.count()
    print(  # noqa: T201
        f"\none sweep: {result.breached:,} breaches recorded ({recorded:,} breach rows) "
        f"among {args.timers:,} running timers in {elapsed:.2f} s "
        f"({elapsed / max(result.breached, 1) * 1000:.2f} ms per breach)"
    )
    started = time.perf_counter()
    again = sla_sweep(now=timezone.now() + timedelta(seconds=1))
    print(  # noqa: T201
        f"a second sweep with nothing due: {again.breached} breaches "
        f"in {(time.perf_counter() - started) * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
