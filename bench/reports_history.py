"""History the reports read and `seed_scale` does not write: first-response timers that
ended (kept or missed) on tickets a person answered, and CSAT answers (some with an NPS
score) for one in four solved or closed tickets. Added once, in id chunks, set-based SQL.

Timers follow the ticket's own record: started at creation, due after the policy's target
(around the clock, as seed_scale times the running ones), met at `first_human_reply_at`;
seed_scale answers within 1-7 hours against 24 or 48 hour targets, so they are all kept.
Ratings lean positive (10 % each 1, 2 and 3; 30 % 4; 40 % 5), one in five with a comment."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection, transaction

CHUNK = 100_000

TIMERS_SQL = """
INSERT INTO tickets_slatimer (ticket_id, metric, policy_id, policy_version, target_minutes,
    state, started_at, due_at, at_risk_at, reason, paused_seconds, met_at, breached_at)
SELECT t.id, 'first_response', p.id, p.version, p.first_response_minutes, 'met',
    t.created_at, t.created_at + make_interval(mins => p.first_response_minutes),
    t.created_at + make_interval(secs => p.first_response_minutes * 60.0
        * p.at_risk_percent / 100),
    'bench history', 0, t.first_human_reply_at,
    CASE WHEN t.first_human_reply_at > t.created_at
        + make_interval(mins => p.first_response_minutes)
        THEN t.created_at + make_interval(mins => p.first_response_minutes) END
FROM tickets_ticket t
JOIN LATERAL (
    SELECT * FROM tickets_slapolicy p
    WHERE p.active AND t.channel = ANY(p.channels)
        AND (p.priorities = '{}' OR t.priority = ANY(p.priorities))
    ORDER BY p.position, p.name LIMIT 1
) AS p ON true
WHERE t.id BETWEEN %(lo)s AND %(hi)s AND t.first_human_reply_at IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM tickets_slatimer s
        WHERE s.ticket_id = t.id AND s.metric = 'first_response')
"""

SURVEYS_SQL = """
INSERT INTO surveys_survey (ticket_id, customer_id, channel, language, state, cancel_reason,
    solved_at, send_at, delivery, sent_at, attempts, last_error, nonce, created_at, agent_id,
    team_id)
SELECT t.id, t.customer_id, t.channel, 'en', 'answered', '', t.solved_at,
    t.solved_at + interval '1 hour', 'email', t.solved_at + interval '1 hour', 1, '',
    substr(md5(t.id::text), 1, 16), t.solved_at, t.assignee_id, t.team_id
FROM tickets_ticket t
WHERE t.id BETWEEN %(lo)s AND %(hi)s AND t.status IN ('solved', 'closed')
    AND mod(t.id, 4) = 0 AND t.solved_at IS NOT NULL
ON CONFLICT DO NOTHING
"""

ANSWERS_SQL = """
INSERT INTO surveys_surveyanswer (survey_id, ticket_id, customer_id, rating, comment, channel,
    via, answered_at, updated_at, final_at, needs_recovery, acknowledged_at, agent_id, team_id)
SELECT s.id, s.ticket_id, s.customer_id, r.rating,
    CASE WHEN mod(s.ticket_id, 5) = 0 THEN (ARRAY['Quick and kind, thank you.',
        'Took too long to hear back.', 'Solved on the first reply.',
        'I had to ask twice.'])[1 + mod(s.ticket_id / 5, 4)] ELSE '' END,
    s.channel, 'web', s.sent_at + r.after, s.sent_at + r.after,
    s.sent_at + r.after + interval '1 day', r.rating <= 2,
    CASE WHEN r.rating <= 2 THEN s.sent_at + r.after + interval '1 day' END,
    s.agent_id, s.team_id
FROM surveys_survey s
CROSS JOIN LATERAL (SELECT
    CASE WHEN mod(abs(hashint8extended(s.ticket_id, 9)), 10) < 1 THEN 1
        WHEN mod(abs(hashint8extended(s.ticket_id, 9)), 10) < 2 THEN 2
        WHEN mod(abs(hashint8extended(s.ticket_id, 9)), 10) < 3 THEN 3
        WHEN mod(abs(hashint8extended(s.ticket_id, 9)), 10) < 6 THEN 4 ELSE 5 END AS rating,
    make_interval(mins => 10 + mod(s.ticket_id, 600)::int) AS after) AS r
WHERE s.ticket_id BETWEEN %(lo)s AND %(hi)s AND s.state = 'answered'
    AND NOT EXISTS (SELECT 1 FROM surveys_surveyanswer a WHERE a.survey_id = s.id)
"""

NPS_SQL = """
INSERT INTO surveys_npsanswer (customer_id, survey_id, score, comment, channel, answered_at)
SELECT a.customer_id, a.survey_id, mod(abs(hashint8extended(a.ticket_id, 11)), 11), '',
    a.channel, a.answered_at + interval '2 minutes'
FROM surveys_surveyanswer a
WHERE a.ticket_id BETWEEN %(lo)s AND %(hi)s AND mod(a.ticket_id, 3) = 0
    AND NOT EXISTS (SELECT 1 FROM surveys_npsanswer n WHERE n.survey_id = a.survey_id)
"""

TABLES = (
    "tickets_ticket",
    "tickets_slatimer",
    "surveys_survey",
    "surveys_surveyanswer",
    "surveys_npsanswer",
)


def _done() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM tickets_slatimer WHERE reason = 'bench history')"
        )
        return bool(cursor.fetchone()[0])


def ensure_history(say: Callable[[str], None]) -> None:
    """Add the history once (a run that finds bench timers assumes it is there)."""
    if _done():
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(min(id), 0), coalesce(max(id), 0) FROM tickets_ticket")
        first, last = cursor.fetchone()
    for lo in range(first, last + 1, CHUNK):
        hi = lo + CHUNK - 1
        with transaction.atomic(), connection.cursor() as cursor:
            rows = []
            for sql in (TIMERS_SQL, SURVEYS_SQL, ANSWERS_SQL, NPS_SQL):
                cursor.execute(sql, {"lo": lo, "hi": hi})
                rows.append(cursor.rowcount)
        say(f"history for tickets {lo}-{min(hi, last)}: timers, surveys, answers, NPS {rows}")
    # VACUUM too: seed_scale only ANALYZEs, and without a visibility map no index-only scan
    # is possible; a live database has autovacuum to do this.
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")  # the module's own constants
