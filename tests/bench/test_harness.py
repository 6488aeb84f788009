"""The benchmark harness, on the test database: a page's statements are captured and a
plain view replays them (the baseline every in-process scenario is timed beside), and the
suite rewrites only its own section of the benchmarks document."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from bench import harness, suite
from tests.factories import inbound
from tickets.services import message_ingest


@pytest.mark.django_db
def test_the_plain_view_replays_what_the_page_ran(django_user_model) -> None:
    agent = django_user_model.objects.create_user("bench-smoke", password="pw-bench-smoke")
    agent.groups.add(Group.objects.get_or_create(name="Agents")[0])
    ticket = message_ingest(data=inbound("email", value="bench@example.com")).ticket
    client = Client()
    client.force_login(agent)

    with harness.serve():
        queries, statements = harness.capture(client, f"/desk/tickets/{ticket.pk}/")
        plain = harness.register(statements)
        rows = client.get(plain).json()["rows"]
        times = harness.times(client, plain, 2)

    # The session and user reads are left to the middleware both sides share.
    assert 0 < len(statements) < queries
    assert not any(harness.is_session(sql) for sql, _ in statements)
    assert any(str(ticket.pk) in row for result in rows for line in result for row in line)
    assert len(times) == 2
    assert harness.ms([0.010, 0.020, 0.030], 0.5) == pytest.approx(20.0)


def test_the_suite_replaces_only_its_own_section(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\nWritten by hand.\n")
    first = suite.Outcome(suite.Scenario("Desk", "bench.desk", []), ["| a | 1 |"], 1.0)
    suite.write(doc, 2000, suite.section(2000, 2000, 2, [first]))
    suite.write(doc, 9000, suite.section(9000, 9000, 2, [first]))
    again = suite.Outcome(suite.Scenario("Desk", "bench.desk", []), ["| b | 2 |"], 1.0, "boom")
    suite.write(doc, 2000, suite.section(2000, 2000, 2, [again]))

    text = doc.read_text()
    assert text.startswith("# Benchmarks\n\nWritten by hand.\n")
    other = text.split("SIZE=9000: generated")[1].split("SIZE=9000: end")[0]
    assert "| a | 1 |" in other  # the other size's section is untouched
    assert text.count("make bench SIZE=2000: generated") == 1
    assert "| b | 2 |" in text
    assert "**Failed**: boom" in text
