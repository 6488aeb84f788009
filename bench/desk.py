"""Benchmark: the desk's pages at scale, each beside a plain view running the same SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/helpdesk_desk1m \\
        .venv/bin/python -m bench.desk [--rounds 40]

Runs against a database filled by `manage.py seed_scale --tickets N` (1,000,000 for the
issue's figures). Each scenario is a real request through Django's full stack (middleware,
session, auth, the view, the template) in this process, so "server time" excludes only the
network. Its baseline is a plain view behind the same middleware and session that runs the
very SQL the page ran (captured on a warm-up request) and returns the rows as JSON: the
ratio is what the desk's own Python and templates cost on top of the database. Not a test;
its table goes into the closing note and docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from bench import harness
from bench.harness import say as _say

harness.env_defaults()

BENCH_AGENTS = 20


def _ensure_agents() -> Any:
    """seed_scale assigns tickets to the agents that exist; a fresh database has none. Make
    `BENCH_AGENTS` agents and spread the open tickets over them, once."""
    from django.contrib.auth.models import Group, User
    from django.db import connection

    agent = User.objects.filter(username="bench-agent-1").first()
    if agent is not None:
        return agent
    group = Group.objects.get_or_create(name="Agents")[0]
    users = []
    for n in range(BENCH_AGENTS):
        user = User.objects.create_user(f"bench-agent-{n}", password="bench-agent-pw")  # noqa: S106
        user.groups.add(group)
        users.append(user.pk)
    _say("assigning tickets to the bench agents …")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET assignee_id = (%s::int[])[1 + mod(id, %s)] "
            "WHERE status <> 'new' AND mod(id, 5) <> 0",
            [users, BENCH_AGENTS],
        )
        cursor.execute("ANALYZE tickets_ticket")
    return User.objects.get(pk=users[1])


@dataclass
class Result:
    name: str
    queries: int
    page: list[float]
    plain: list[float]

    def row(self) -> str:
        p50, p95 = harness.ms(self.page, 0.5), harness.ms(self.page, 0.95)
        b50, b95 = harness.ms(self.plain, 0.5), harness.ms(self.plain, 0.95)
        ratio = p50 / b50 if b50 else 0
        return (
            f"| {self.name} | {self.queries} | {p50:.1f} | {p95:.1f} | {b50:.1f} | {b95:.1f}"
            f" | {ratio:.2f}x |"
        )


def _deep_cursor(agent: Any) -> str:
    """A keyset cursor 200,000 rows into "All open" (or half-way on a smaller set)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM tickets_ticket WHERE status IN ('new','open','pending','on_hold')"
        )
        total = cursor.fetchone()[0]
        cursor.execute(
            "SELECT sla_due_at, id FROM tickets_ticket "
            "WHERE status IN ('new','open','pending','on_hold') AND merged_into_id IS NULL "
            "ORDER BY sla_due_at ASC NULLS LAST, id OFFSET %s LIMIT 1",
            [min(200_000, total // 2)],
        )
        due, ticket_id = cursor.fetchone()
    return f"{due.isoformat() if due else '-'}_{ticket_id}"


def _pick(sql: str, offset: int) -> Any:
    """The row `offset` rows into `sql`'s, or its first on a smaller data set (the suite's
    smoke run seeds a few thousand tickets)."""
    from django.db import connection

    with connection.cursor() as cursor:
        for skip in (offset, 0):
            cursor.execute(f"{sql} LIMIT 1 OFFSET %s", [skip])
            if row := cursor.fetchone():
                return row[0]
    raise SystemExit(f"no row for {sql}")


def _scenarios(agent: Any) -> list[tuple[str, str]]:
    from urllib.parse import quote

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT ticket_id FROM tickets_message GROUP BY ticket_id "
            "ORDER BY count(*) DESC LIMIT 1"
        )
        busiest = cursor.fetchone()[0]
    typical = _pick("SELECT id FROM tickets_ticket ORDER BY id DESC", 5000)
    email = _pick("SELECT value FROM customers_identity WHERE kind = 'email' ORDER BY id", 777)
    phone = _pick("SELECT value FROM customers_identity WHERE kind = 'phone' ORDER BY id", 555)
    return [
        ("list: mine", "/desk/"),
        ("list: unassigned", "/desk/?view=unassigned"),
        ("list: all open", "/desk/?view=all"),
        ("list: at risk", "/desk/?view=at_risk"),
        ("list: email channel", "/desk/?view=all&channel=email"),
        ("rows: deep keyset page", f"/desk/rows/?view=all&after={quote(_deep_cursor(agent))}"),
        ("views column (counts)", "/desk/nav/"),
        (f"ticket page (#{typical})", f"/desk/tickets/{typical}/"),
        (f"ticket page, longest (#{busiest})", f"/desk/tickets/{busiest}/"),
        ("search: words", "/desk/search/?q=order+delivery"),
        ("search: email", f"/desk/search/?q={quote(email)}"),
        ("search: phone", f"/desk/search/?q={quote(phone)}"),
    ]


def _run(name: str, url: str, client: Any, rounds: int) -> Result:
    client.get(url)  # warm caches (templates, plans) before capturing
    queries, statements = harness.capture(client, url)
    plain = harness.register(statements)
    return Result(
        name, queries, harness.times(client, url, rounds), harness.times(client, plain, rounds)
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--only", default="", help="run the scenarios whose name contains this")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    agent = _ensure_agents()
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'tickets_message'")
        messages = cursor.fetchone()[0]
    client = Client()
    client.force_login(agent)
    _say(f"{harness.ticket_count():,} tickets, ~{messages:,} messages; {args.rounds} rounds each")
    harness.table_header(
        "scenario", "queries", "page p50 ms", "page p95 ms", "plain p50 ms", "plain p95 ms",
        "ratio",
    )  # fmt: skip
    with harness.serve():
        for name, url in _scenarios(agent):
            if args.only not in name:
                continue
            _say(_run(name, url, client, args.rounds).row())


if __name__ == "__main__":
    main()
