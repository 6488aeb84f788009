"""`manage.py seed_scale --tickets N`: add N realistic tickets (with ≈ N/5 customers, their
identities, ≈ 5 messages a ticket, timeline events and running SLA timers) straight into
the tables with set-based SQL, for benchmarks. Runs on top of whatever is there: ids
continue from the current maximum. The SQL and its shortcuts: `tickets.management.scale`."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tickets.management import scale

# Rows per statement: big enough to be set-based, small enough to show progress and keep
# each transaction's memory and WAL modest.
CHUNK = 25_000


class Command(BaseCommand):
    help = "Add N realistic tickets (customers, messages, events, SLA timers) via bulk SQL."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tickets", type=int, required=True, help="How many to add")

    def handle(self, *args: Any, **options: Any) -> None:
        tickets = int(options["tickets"])
        if tickets < 1:
            self.stderr.write("--tickets must be at least 1")
            return
        self.started = time.monotonic()
        setup = scale.setup_load(tickets=tickets)
        self._say(
            f"adding {tickets} tickets after #{setup.ticket_base}, {setup.customers} customers,"
            f" {len(setup.teams)} teams, {len(setup.agents)} agents"
        )
        self._chunks(
            "customers", setup.customers, lambda lo, hi: scale.customers_insert(setup, lo, hi)
        )
        self._say(f"identities: {scale.identities_insert(setup)} rows")
        self._chunks("tickets", tickets, lambda lo, hi: scale.tickets_insert(setup, lo, hi))
        base = setup.ticket_base
        steps: list[tuple[str, Callable[[int, int], int]]] = [
            ("messages", lambda lo, hi: scale.messages_insert(setup, base + lo, base + hi)),
            ("events", lambda lo, hi: scale.events_insert(base + lo, base + hi)),
            ("sla timers", lambda lo, hi: scale.timers_insert(base + lo, base + hi)),
        ]
        for label, step in steps:
            self._chunks(label, tickets, step)
        scale.finish()
        self._say("sequences moved, tables analysed; done")

    def _chunks(self, label: str, total: int, step: Callable[[int, int], int]) -> None:
        """Run `step(lo, hi)` over 1..total in chunks, printing a progress line for each."""
        rows = 0
        for lo in range(1, total + 1, CHUNK):
            hi = min(total, lo + CHUNK - 1)
            rows += step(lo, hi)
            self._say(f"{label}: {hi}/{total} done, {rows} rows")

    def _say(self, text: str) -> None:
        elapsed = time.monotonic() - self.started
        self.stdout.write(f"[{elapsed:7.1f} s] {text}")
