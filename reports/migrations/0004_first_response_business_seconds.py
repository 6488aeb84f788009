"""Fill `Ticket.first_response_business_seconds` for tickets answered before the column
existed (tickets 0014; from then on the reply service records it), with migration 0001's
function, on the calendar of the earliest first-response timer as the reports computed it
live. And widen the creation-time index with the times the response figures read, so they
are an index-only scan over the range instead of a visit to every ticket row in it.

Not atomic: the index is built CONCURRENTLY (a live helpdesk keeps writing); the fill is one
UPDATE of the answered tickets (about a minute at a million tickets on two cores)."""

from __future__ import annotations

from django.db import migrations

FILL = """
UPDATE tickets_ticket t
SET first_response_business_seconds = greatest(0, round(reports_business_seconds(
    t.created_at,
    t.first_human_reply_at,
    (SELECT p.calendar_id FROM tickets_slatimer s
     JOIN tickets_slapolicy p ON p.id = s.policy_id
     WHERE s.ticket_id = t.id AND s.metric = 'first_response'
     ORDER BY s.started_at, s.id LIMIT 1)
)))
WHERE t.first_human_reply_at IS NOT NULL AND t.first_response_business_seconds IS NULL
"""

TIMES_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_ticket_times_idx ON tickets_ticket"
    " (created_at) INCLUDE (channel, team_id, assignee_id, merged_into_id, repeat_contacts,"
    " first_ack_at, first_human_reply_at, first_response_business_seconds, solved_at)"
)
OLD_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS reports_ticket_created_idx ON tickets_ticket"
    " (created_at) INCLUDE (channel, team_id, assignee_id, merged_into_id, repeat_contacts)"
)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0003_report_indexes"),
        ("tickets", "0014_ticket_first_response_business_seconds"),
    ]

    operations = [
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
        migrations.RunSQL(
            TIMES_INDEX, "DROP INDEX CONCURRENTLY IF EXISTS reports_ticket_times_idx"
        ),
        # The wider index serves everything the creation-time one did.
        migrations.RunSQL(
            "DROP INDEX CONCURRENTLY IF EXISTS reports_ticket_created_idx", OLD_INDEX
        ),
    ]
