"""Indexes the reports' range queries need at scale (measured at 1,000,000 tickets, see
docs/benchmarks.md "Reports"): timers by due time (compliance), tickets by creation time
(volume, chasing, response times), the live tickets by id with the filter columns (the
join every timer and answer figure makes to leave merged tickets out, which otherwise
reads the whole ticket table), NPS answers by time (satisfaction).

Built CONCURRENTLY so a live helpdesk keeps writing tickets meanwhile; IF NOT EXISTS so a
re-run after an interrupted build is harmless (an interrupted concurrent build leaves an
INVALID index: drop it and migrate again)."""

from __future__ import annotations

from django.db import migrations

INDEXES = {
    "reports_timer_due_idx": "tickets_slatimer (due_at) INCLUDE (metric, ticket_id, met_at, state)",
    "reports_ticket_created_idx": (
        "tickets_ticket (created_at)"
        " INCLUDE (channel, team_id, assignee_id, merged_into_id, repeat_contacts)"
    ),
    "reports_ticket_live_idx": (
        "tickets_ticket (id) INCLUDE (channel, team_id, assignee_id) WHERE merged_into_id IS NULL"
    ),
    "reports_nps_time_idx": "surveys_npsanswer (answered_at)",
}


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0002_weekly_summary"),
        ("tickets", "0013_ticket_first_reply_idx"),
        ("surveys", "0002_default_settings"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}",
            f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
