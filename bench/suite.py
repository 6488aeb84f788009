"""`make bench SIZE=N`: every benchmark in bench/ on one database of N seeded tickets, each
beside its same-run baseline, and their tables written into docs/benchmarks.md.

    .venv/bin/python -m bench.suite --size 100000 [--rounds 5] [--out docs/benchmarks.md]

The database is `helpdesk_bench_<N>`: on DATABASE_URL's server when it is set (created if
missing), else in the embedded PostgreSQL under var/ that `make test` uses
(`helpdesk.dev.services`; Redis likewise). It is migrated on every run and filled by
`seed_scale --tickets N` (then VACUUM ANALYZE) when it has no tickets, so the first run at
a size pays for the seed (about 3 minutes a million here) and later ones reuse it. Each
scenario module runs in a process of its own (its own settings, cache prefix and URL conf);
the markdown table it prints is copied into a generated section of the output, one per
size, with the date, the commit, the size and the command. A module that is not there
(`bench.api`, `bench.inbound`) is skipped with a message; one that fails is reported there
and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass
class Scenario:
    title: str
    module: str
    args: list[str]


@dataclass
class Outcome:
    scenario: Scenario
    lines: list[str]
    seconds: float
    error: str = ""


def say(text: str) -> None:
    print(f"[bench] {text}", flush=True)  # noqa: T201


def scenarios(size: int, rounds: int) -> list[Scenario]:
    """What `make bench` runs, scaled to the size: the sweep's burst is a tenth of the
    tickets, at most the issue's 10,000 due timers."""
    due = min(10_000, max(size // 10, 10))
    return [
        Scenario("Desk pages (`bench/desk.py`)", "bench.desk", ["--rounds", str(rounds)]),
        Scenario(
            "REST API reads under gunicorn (`bench/api.py`)",
            "bench.api",
            ["--rounds", str(max(20, rounds * 10)), "--size", str(size)],
        ),
        Scenario(
            "Reports, 30 days (`bench/reports.py`)",
            "bench.reports",
            ["--rounds", str(rounds), "--days", "30"],
        ),
        Scenario(
            "SLA sweep (`bench/sla_sweep.py`)",
            "bench.sla_sweep",
            ["--due", str(due), "--at-risk", str(due // 5), "--rounds", str(min(rounds, 3))],
        ),
        Scenario(
            "Inbound end to end (`bench/inbound.py`)",
            "bench.inbound",
            ["--messages", str(min(1_000, max(size // 100, 40))), "--wait", "300"],
        ),
    ]


@contextmanager
def database(size: int) -> Iterator[dict[str, str]]:
    """The environment of a run against `helpdesk_bench_<size>` (see the module doc)."""
    from helpdesk.dev import services

    name = f"helpdesk_bench_{size}"
    url = os.environ.get("DATABASE_URL")
    if url:
        os.environ["DATABASE_URL"] = _create(url, name)
    with services(name) as env:
        env.setdefault("DATABASE_POOL", "0")
        yield env


def _create(url: str, name: str) -> str:
    """`url` with its database replaced by `name`, created on that server if missing."""
    import psycopg

    parsed = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            say(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parsed._replace(path=f"/{name}"))


def prepare(env: dict[str, str], size: int) -> int:
    """Migrate; seed `size` tickets into an empty database. Returns the tickets there."""
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
    count = _tickets(env)
    if count == 0:
        say(f"seeding {size:,} tickets (seed_scale) …")
        subprocess.run(
            [*manage, "seed_scale", "--tickets", str(size)], env=env, cwd=ROOT, check=True
        )
        _vacuum(env)
        count = _tickets(env)
    elif count != size:
        say(f"note: the database holds {count:,} tickets, not {size:,}")
    return count


def _vacuum(env: dict[str, str]) -> None:
    """What autovacuum would soon do to a live database: seed_scale only ANALYZEs, and
    without a visibility map PostgreSQL reads no index-only scans."""
    import psycopg

    say("VACUUM ANALYZE …")
    with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


def _tickets(env: dict[str, str]) -> int:
    import psycopg

    # libpq reads the URL itself, the embedded server's quoted socket directory included.
    with psycopg.connect(env["DATABASE_URL"]) as conn:
        row = conn.execute("SELECT count(*) FROM tickets_ticket").fetchone()
        return int(row[0]) if row else 0


def run(scenario: Scenario, env: dict[str, str]) -> Outcome | None:
    """One module in its own process: its table lines, or None when it is not there."""
    if importlib.util.find_spec(scenario.module) is None:
        say(f"{scenario.module}: not in this checkout, skipped")
        return None
    say(f"{scenario.module} {' '.join(scenario.args)}")
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", scenario.module, *scenario.args],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    for line in done.stdout.splitlines():
        print(f"    {line}", flush=True)  # noqa: T201
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    error = ""
    if done.returncode != 0:
        tail = [line for line in done.stderr.splitlines() if line.strip()][-3:]
        error = f"exit status {done.returncode}: " + " / ".join(tail)
        say(f"{scenario.module} FAILED: {error}")
    return Outcome(scenario, lines, seconds, error)


def _git(*args: str) -> str:
    git = shutil.which("git")
    if git is None:
        raise OSError("no git")
    return subprocess.run(
        [git, *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def _commit() -> str:
    try:
        sha = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown commit"
    return f"commit {sha}" + (" with uncommitted changes" if dirty else "")


def section(size: int, tickets: int, rounds: int, outcomes: list[Outcome]) -> str:
    """The generated section for this size, markers included."""
    now = dt.datetime.now(dt.UTC)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    head = [
        f"<!-- make bench SIZE={size}: generated by bench/suite.py, replaced on each run -->",
        f"## `make bench SIZE={size}`",
        "",
        f"{now:%Y-%m-%d %H:%M} UTC, {_commit()}, {tickets:,} tickets (`seed_scale --tickets"
        f" {size}`, plus what earlier inbound runs added),"
        f" {os.cpu_count()} cores, load average {load:.1f} at the end, {rounds} rounds:",
        "",
        f"    make bench SIZE={size} ROUNDS={rounds}",
    ]
    body: list[str] = []
    for outcome in outcomes:
        body += ["", f"### {outcome.scenario.title}, {outcome.seconds:.0f} s", ""]
        body += outcome.lines or ["(no table)"]
        if outcome.error:
            body += ["", f"**Failed**: {outcome.error}"]
    return "\n".join([*head, *body, f"<!-- make bench SIZE={size}: end -->"]) + "\n"


def write(path: Path, size: int, text: str) -> None:
    """Replace this size's section of `path` (or append it), leaving the rest alone."""
    start = f"<!-- make bench SIZE={size}: generated"
    end = f"<!-- make bench SIZE={size}: end -->"
    old = path.read_text() if path.exists() else "# Benchmarks\n"
    if start in old and end in old:
        before, rest = old.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        new = before + text + ("\n" + after if after else "")
    else:
        new = old.rstrip("\n") + "\n\n" + text
    path.write_text(new)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="tickets to seed")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--only", default="", help="the modules whose name contains this")
    args = parser.parse_args(argv)
    with database(args.size) as env:
        tickets = prepare(env, args.size)
        outcomes = [
            outcome
            for scenario in scenarios(args.size, args.rounds)
            if args.only in scenario.module and (outcome := run(scenario, env)) is not None
        ]
    write(Path(args.out), args.size, section(args.size, tickets, args.rounds, outcomes))
    say(f"tables written to {args.out}")
    return 1 if any(outcome.error for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
