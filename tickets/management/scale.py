"""The SQL behind `manage.py seed_scale`: a large, realistic data set written straight into
the tables with `INSERT … SELECT generate_series(…)`, never through the services (a million
tickets through the ORM would take hours).

Every value is derived from the row's id (modular arithmetic, `hashint8extended`), so a
run is reproducible and the steps agree with each other without passing rows around: the
customer's language, which identities it has and so which channels its tickets arrive on
are all functions of the customer id. Ids continue from the current maximum, so a second
run adds on top of the first; generated identity values and provider message ids embed
those ids, so they never collide with the previous run's (the identity insert still says
`ON CONFLICT DO NOTHING`, for a demo customer who happens to own the same number).

Shortcuts a reader should know: timers are timed around the clock (the default policies
have no calendar); only new and open tickets get a timer (a running first response, no
human reply yet); the ticket's chasing counters stay at zero; no inbound receipts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from helpdesk.roles import AGENT_GROUPS

FIRST = {
    "nl": ["Daan", "Sanne", "Lars", "Emma", "Bram", "Fleur", "Joost", "Lotte"],
    "en": ["James", "Olivia", "Harry", "Amelia", "Jack", "Isla", "George", "Grace"],
    "pl": ["Jakub", "Zofia", "Kacper", "Maja", "Piotr", "Zuzanna", "Michał", "Łucja"],
}
LAST = {
    "nl": ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"],
    "en": ["Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Thomas", "Roberts"],
    "pl": ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński",
           "Szymański"],
}  # fmt: skip
SUBJECT = {
    "nl": ["Waar blijft mijn bestelling?", "Pakket beschadigd", "Vraag over mijn factuur",
           "Retour aanmelden", "Verkeerde maat ontvangen", "Adres wijzigen"],
    "en": ["Where is my order?", "Parcel arrived damaged", "Question about my invoice",
           "How do I return this?", "Wrong size delivered", "Change of address"],
    "pl": ["Gdzie jest moje zamówienie?", "Uszkodzona paczka", "Pytanie o fakturę",
           "Jak zwrócić towar?", "Otrzymałem zły rozmiar", "Zmiana adresu"],
}  # fmt: skip
CUSTOMER_SAYS = {
    "nl": ["Hallo, ik heb mijn bestelling nog steeds niet ontvangen.",
           "De doos was helemaal kapot toen hij aankwam.",
           "Kunnen jullie de factuur opnieuw sturen?", "Bedankt, dat is opgelost!",
           "Ik wil dit graag retourneren, hoe werkt dat?", "Wanneer wordt het bezorgd?"],
    "en": ["Hi, my order still hasn't arrived.", "The box was completely crushed on arrival.",
           "Could you send the invoice again?", "Thanks, that sorted it!",
           "I'd like to return this, how does that work?", "When will it be delivered?"],
    "pl": ["Dzień dobry, nadal nie otrzymałem zamówienia.",
           "Paczka dotarła całkowicie zniszczona.", "Czy mogą Państwo ponownie wysłać fakturę?",
           "Dziękuję, wszystko działa!", "Chciałbym to zwrócić, jak to zrobić?",
           "Kiedy będzie dostawa?"],
}  # fmt: skip
AGENT_SAYS = {
    "nl": ["Sorry voor het ongemak, ik zoek het voor je uit.",
           "Je pakket is onderweg en komt morgen aan.", "Ik heb de factuur opnieuw verstuurd.",
           "Je ontvangt een retourlabel per e-mail.", "We sturen een nieuw exemplaar op.",
           "Fijn om te horen, een prettige dag!"],
    "en": ["Sorry for the trouble, I'm looking into it.",
           "Your parcel is on its way and arrives tomorrow.", "I've sent the invoice again.",
           "You'll get a return label by email.", "We're sending a replacement.",
           "Glad to hear it, have a nice day!"],
    "pl": ["Przepraszamy za kłopot, sprawdzam to.", "Paczka jest w drodze i dotrze jutro.",
           "Wysłałam fakturę ponownie.", "Etykietę zwrotną otrzyma Pan e-mailem.",
           "Wysyłamy nowy egzemplarz.", "Cieszę się, miłego dnia!"],
}  # fmt: skip
NOTES = ["Checked with the carrier: stuck at the depot.", "Refund approved by finance.",
         "Customer called earlier about this too.", "Waiting for the warehouse photo.",
         "Escalated to the courier's account manager.", "Same address as order 4411."]  # fmt: skip
TAGS = ["delivery", "damaged", "invoice", "return", "size", "address", "complaint", "vip"]

# The customer's language from its id: half Dutch, 30 % English, 20 % Polish.
LANG_SQL = "(CASE WHEN mod({id}, 10) < 5 THEN 'nl' WHEN mod({id}, 10) < 8 THEN 'en' ELSE 'pl' END)"


# Query parameters: psycopg adapts the ints, strings and lists in them.
Params = dict[str, Any]


@dataclass(frozen=True)
class Setup:
    """What the SQL needs from the existing rows: where ids continue and whom to use."""

    ticket_base: int
    customer_base: int
    customers: int
    teams: list[int]
    agents: list[int]


def _fill(template: str, **fragments: str) -> str:
    """Put SQL fragments built from this module's constants (never from input) into a
    template's `{name}` markers; values still travel as query parameters."""
    for name, fragment in fragments.items():
        template = template.replace("{" + name + "}", fragment)
    return template


def _one(sql: str, params: Params | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or {})
        row = cursor.fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def run(sql: str, params: Params) -> int:
    """Execute one statement; return the number of rows it wrote."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.rowcount)


def setup_load(*, tickets: int) -> Setup:
    """Read the id bases, reuse the teams (creating three when there are none) and the
    active agents (members of Agents/Managers and superusers; none means unassigned)."""
    from tickets.models import Team

    if not Team.objects.exists():
        for name in ("Support", "Billing", "Social"):
            Team.objects.create(name=name)
    agents_sql = (
        "SELECT coalesce(array_agg(DISTINCT u.id ORDER BY u.id), '{}') FROM auth_user u"
        " LEFT JOIN auth_user_groups ug ON ug.user_id = u.id"
        " LEFT JOIN auth_group g ON g.id = ug.group_id"
        " WHERE u.is_active AND (u.is_superuser OR g.name = ANY(%(groups)s))"
    )
    with connection.cursor() as cursor:
        cursor.execute(agents_sql, {"groups": list(AGENT_GROUPS)})
        agents = list(cursor.fetchone()[0])
    return Setup(
        ticket_base=_one("SELECT max(id) FROM tickets_ticket"),
        customer_base=_one("SELECT max(id) FROM customers_customer"),
        customers=max(1, tickets // 5),
        teams=list(Team.objects.order_by("id").values_list("id", flat=True)),
        agents=agents,
    )


def _lang_params(prefix: str, table: dict[str, list[str]]) -> Params:
    return {f"{prefix}_{lang}": words for lang, words in table.items()}


CUSTOMERS_SQL = """
INSERT INTO customers_customer
    (id, name, language, language_source, notes, created_at, updated_at)
SELECT c.id, c.first || ' ' || c.last, c.lang, 'text', '', c.at, c.at
FROM (
    SELECT id, lang, at,
        CASE lang {first} END AS first,
        CASE lang {last} END AS last
    FROM (
        SELECT %(base)s + g AS id, {lang_of_new_id} AS lang,
            now() - make_interval(days => mod(g * 7919, 730)::int) AS at
        FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
    ) AS raw
) AS c
"""


def _name_cases(key: str, table: dict[str, list[str]], salt: int) -> str:
    return " ".join(
        f"WHEN '{lang}' THEN (%({key}_{lang})s::text[])[1 + mod(id * {salt}, {len(words)})]"
        for lang, words in table.items()
    )


def customers_insert(setup: Setup, lo: int, hi: int) -> int:
    """Customers `lo`..`hi` (1-based within this run) with names in their language."""
    sql = _fill(
        CUSTOMERS_SQL,
        first=_name_cases("first", FIRST, 7),
        last=_name_cases("last", LAST, 13),
        lang_of_new_id=LANG_SQL.format(id="(%(base)s + g)"),
    )
    params: Params = {"base": setup.customer_base, "lo": lo, "hi": hi}
    params |= _lang_params("first", FIRST) | _lang_params("last", LAST)
    return run(sql, params)


# Identities by customer id: everyone has an email except the phone-only eighth; a third
# and the phone-only have a phone (NL +316 2…, PL +48 50…); a sixth reach us on WhatsApp on
# that same number; a tenth on Facebook, another tenth on Instagram. At most three each, never none.
IDENTITIES_SQL = """
WITH c AS (
    SELECT id, name, language,
        CASE language WHEN 'pl' THEN '+4850' ELSE '+3162' END
            || lpad(mod(id, 10000000)::text, 7, '0') AS phone
    FROM customers_customer WHERE id > %(base)s AND id <= %(top)s
)
INSERT INTO customers_identity (customer_id, kind, value, display, created_at)
SELECT id, 'email', lower(v), v, now() FROM (
    SELECT id, translate(name, ' ąćęłńóśźżĄĆĘŁŃÓŚŹŻ', '.acelnoszzACELNOSZZ') || '.' || id
        || '@' || (ARRAY['gmail.com', 'outlook.com', 'ziggo.nl', 'wp.pl', 'example.org'])
        [1 + mod(id, 5)] AS v
    FROM c WHERE mod(id, 8) <> 7
) AS e
UNION ALL
SELECT id, 'phone', phone, phone, now() FROM c WHERE mod(id, 3) = 0 OR mod(id, 8) = 7
UNION ALL
SELECT id, 'whatsapp', phone, phone, now() FROM c WHERE mod(id, 6) = 0
UNION ALL
SELECT id, 'facebook', (100000000000000 + id * 7919)::text, '', now() FROM c
WHERE mod(id, 10) = 1
UNION ALL
SELECT id, 'instagram', (17800000000000000 + id * 7919)::text, '', now() FROM c
WHERE mod(id, 10) = 3
ON CONFLICT (kind, value) DO NOTHING
"""


def identities_insert(setup: Setup) -> int:
    top = setup.customer_base + setup.customers
    return run(IDENTITIES_SQL, {"base": setup.customer_base, "top": top})


# Statuses: mostly closed or solved; the active ones are recent (the last 36 h) so their
# timers are mostly still running rather than all breached. Channels follow the customer's
# identities: the phone-only call, WhatsApp and Facebook users write there half the time,
# everyone else mostly emails.
TICKETS_SQL = """
INSERT INTO tickets_ticket (id, subject, customer_id, status, priority, channel, assignee_id,
    team_id, tags, unanswered_contacts, repeat_contacts, chase_priority_raised,
    latest_inbound_channel, last_inbound_at, first_ack_at, first_human_reply_at,
    first_response_business_seconds, last_human_reply_at, solved_at, closed_at, created_at,
    updated_at)
SELECT id, subject, cid, status, priority, channel, assignee, team, tags, 0, 0, false,
    channel, created, created + interval '1 minute',
    CASE WHEN status IN ('new', 'open') THEN NULL ELSE created + replied END,
    -- The seed's policies have no calendar: business time is calendar time.
    CASE WHEN status IN ('new', 'open') THEN NULL ELSE extract(epoch FROM replied)::int END,
    CASE WHEN status IN ('new', 'open') THEN NULL ELSE coalesce(solved, created + replied) END,
    solved, CASE WHEN status = 'closed' THEN solved + interval '4 days' END,
    created, coalesce(solved, created + interval '1 minute')
FROM (
    SELECT *, CASE WHEN status IN ('solved', 'closed')
        THEN created + make_interval(hours => 8 + mod(id, 64)::int) END AS solved
    FROM (
        SELECT *, CASE WHEN status IN ('new', 'open', 'pending', 'on_hold')
            THEN now() - make_interval(secs => mod(id * 7919, 36 * 3600))
            ELSE now() - make_interval(secs => 9 * 86400 + mod(id * 104729, 720 * 86400))
            END AS created,
            make_interval(hours => 1 + mod(id, 7)::int) AS replied,
            CASE lang {subject} END AS subject,
            CASE WHEN status = 'new' OR mod(id, 7) = 0 OR %(nagents)s = 0 THEN NULL
                ELSE (%(agents)s::int[])[1 + mod(id, greatest(%(nagents)s, 1))] END AS assignee
        FROM (
            SELECT *, {lang_of_cid} AS lang,
                CASE WHEN mod(h1, 100) < 45 THEN 'closed'
                    WHEN mod(h1, 100) < 75 THEN 'solved'
                    WHEN mod(h1, 100) < 83 THEN 'new'
                    WHEN mod(h1, 100) < 91 THEN 'open'
                    WHEN mod(h1, 100) < 96 THEN 'pending' ELSE 'on_hold' END AS status,
                CASE mod(h2, 10) WHEN 0 THEN 1 WHEN 7 THEN 3 WHEN 8 THEN 3 WHEN 9 THEN 4
                    ELSE 2 END AS priority,
                CASE WHEN mod(cid, 8) = 7 THEN 'phone'
                    WHEN mod(cid, 6) = 0 AND mod(h3, 2) = 0 THEN 'whatsapp'
                    WHEN mod(cid, 10) = 1 AND mod(h3, 2) = 0 THEN 'facebook'
                    WHEN mod(cid, 10) = 3 AND mod(h3, 2) = 0 THEN 'instagram'
                    WHEN mod(cid, 3) = 0 AND mod(h3 / 2, 20) = 17 THEN 'phone'
                    ELSE (ARRAY['email', 'email', 'email', 'email', 'email', 'email', 'email',
                        'email', 'email', 'email', 'email', 'email', 'web', 'web', 'chat',
                        'chat', 'chat', 'email', 'email', 'email'])[1 + mod(h3 / 2, 20)]
                    END AS channel,
                CASE WHEN mod(h4, 5) = 0 THEN NULL
                    ELSE (%(teams)s::bigint[])[1 + mod(h4 / 5, %(nteams)s)] END AS team,
                CASE WHEN mod(h2 / 10, 3) = 0 THEN '{}'::varchar[]
                    ELSE ARRAY[(%(tags)s::varchar[])[1 + mod(h2 / 30, 8)]] END AS tags
            FROM (
                SELECT *, %(cbase)s + 1 + mod(h0, %(ncust)s) AS cid
                FROM (
                    SELECT g, %(base)s + g AS id,
                        abs(hashint8extended(%(base)s + g, 0)) AS h0,
                        abs(hashint8extended(%(base)s + g, 1)) AS h1,
                        abs(hashint8extended(%(base)s + g, 2)) AS h2,
                        abs(hashint8extended(%(base)s + g, 3)) AS h3,
                        abs(hashint8extended(%(base)s + g, 4)) AS h4
                    FROM generate_series(%(lo)s::bigint, %(hi)s::bigint) AS g
                ) AS hashes
            ) AS ids
        ) AS shaped
    ) AS timed
) AS t
"""


def tickets_insert(setup: Setup, lo: int, hi: int) -> int:
    """Tickets `lo`..`hi` of this run, ids `ticket_base + lo`…, spread over the customers."""
    subject = " ".join(
        f"WHEN '{lang}' THEN (%(subject_{lang})s::text[])[1 + mod(id, {len(words)})]"
        for lang, words in SUBJECT.items()
    )
    sql = _fill(TICKETS_SQL, subject=subject, lang_of_cid=LANG_SQL.format(id="cid"))
    params: Params = {
        "base": setup.ticket_base,
        "cbase": setup.customer_base,
        "ncust": setup.customers,
        "lo": lo,
        "hi": hi,
        "agents": setup.agents,
        "nagents": len(setup.agents),
        "teams": setup.teams,
        "nteams": len(setup.teams),
        "tags": TAGS,
    }
    return run(sql, params | _lang_params("subject", SUBJECT))


# Messages: new and open tickets have the customer's contact, an automatic
# acknowledgement, a note and maybe a second contact — no human reply, so their first
# response is still due. The others alternate inbound / outbound / note, 3 to 7 of them, and
# one ticket in 10,007 is a saga of 300. Provider ids embed the ticket id: unique per
# channel across runs. Phone messages are calls.
MESSAGES_SQL = """
INSERT INTO tickets_message (ticket_id, direction, channel, author_user_id, author_customer_id,
    identity_id, subject, body_text, body_html, provider_message_id, thread_key, is_automatic,
    delivery_state, delivery_error, send_attempts, sent_at, delivered_at, call_direction,
    call_answered, call_duration_seconds, meta, sent_by_customer_at, created_at)
SELECT id, direction, channel,
    CASE WHEN direction = 'inbound' OR automatic THEN NULL ELSE agent END,
    CASE WHEN direction = 'inbound' THEN customer_id END,
    CASE WHEN direction <> 'note' THEN identity_id END,
    CASE WHEN s = 1 THEN subject ELSE '' END,
    CASE WHEN direction = 'inbound' THEN CASE lang {customer} END
        WHEN direction = 'note' THEN (%(notes)s::text[])[1 + mod(id + s, 6)]
        ELSE CASE lang {agent} END END,
    '',
    CASE WHEN direction = 'note' THEN ''
        ELSE 'scale-' || channel || '-' || id || '-' || s END,
    CASE WHEN channel IN ('email', 'web') THEN '<scale-' || id || '@mail.example>'
        ELSE 'scale-' || channel || '-' || id END,
    automatic,
    CASE WHEN direction <> 'outbound' THEN ''
        WHEN status IN ('solved', 'closed') THEN 'delivered' ELSE 'sent' END,
    '', CASE WHEN direction = 'outbound' THEN 1 ELSE 0 END,
    CASE WHEN direction = 'outbound' THEN at END,
    CASE WHEN direction = 'outbound' AND status IN ('solved', 'closed')
        THEN at + interval '5 seconds' END,
    CASE WHEN channel = 'phone' AND direction <> 'note' THEN direction ELSE '' END,
    CASE WHEN channel = 'phone' AND direction <> 'note' THEN true END,
    CASE WHEN channel = 'phone' AND direction <> 'note' THEN 30 + mod(id * s, 600) END,
    '{}'::jsonb, CASE WHEN direction = 'inbound' THEN at END, at
FROM (
    SELECT t.*, s.s, t.created_at + (s.s - 1) * t.step AS at,
        CASE WHEN t.active THEN (ARRAY['inbound', 'outbound', 'note', 'inbound'])[s.s]
            ELSE (ARRAY['note', 'inbound', 'outbound'])[1 + mod(s.s, 3)] END AS direction,
        t.active AND s.s = 2 AS automatic
    FROM (
        SELECT t.id, t.status, t.channel, t.subject, t.customer_id, t.created_at,
            t.status IN ('new', 'open') AS active,
            c.language AS lang, i.id AS identity_id,
            coalesce(t.assignee_id, (%(agents)s::int[])[1 + mod(t.id, %(nagents)s)]) AS agent,
            CASE WHEN t.status IN ('new', 'open') THEN 2 + mod(t.id, 3)
                WHEN mod(t.id, 10007) = 0 THEN 300 ELSE 3 + mod(t.id, 5) END AS n,
            CASE WHEN t.status IN ('new', 'open') THEN interval '2 minutes'
                ELSE interval '20 minutes' END AS step
        FROM tickets_ticket t
        JOIN customers_customer c ON c.id = t.customer_id
        LEFT JOIN customers_identity i ON i.customer_id = t.customer_id
            AND i.kind = CASE t.channel WHEN 'web' THEN 'email' ELSE t.channel END
        WHERE t.id BETWEEN %(lo)s AND %(hi)s
    ) AS t
    CROSS JOIN LATERAL generate_series(1, t.n) AS s(s)
) AS m
"""


def _says(key: str, table: dict[str, list[str]]) -> str:
    return " ".join(
        f"WHEN '{lang}' THEN (%({key}_{lang})s::text[])[1 + mod(id * s, {len(words)})]"
        for lang, words in table.items()
    )


def messages_insert(setup: Setup, lo: int, hi: int) -> int:
    """The messages of tickets with ids `lo`..`hi` (absolute ids)."""
    sql = _fill(
        MESSAGES_SQL, customer=_says("customer", CUSTOMER_SAYS), agent=_says("agent", AGENT_SAYS)
    )
    params: Params = {
        "lo": lo,
        "hi": hi,
        "notes": NOTES,
        "agents": setup.agents or [None],
        "nagents": max(1, len(setup.agents)),
    }
    params |= _lang_params("customer", CUSTOMER_SAYS) | _lang_params("agent", AGENT_SAYS)
    return run(sql, params)


# The timeline: created, then each status change the ticket went through. Insert only —
# the table refuses UPDATE.
EVENTS_SQL = """
INSERT INTO tickets_ticketevent (ticket_id, kind, text, data, created_at, actor_id, message_id)
SELECT t.id, e.kind, e.text, e.data, e.at, e.actor, NULL
FROM tickets_ticket t
CROSS JOIN LATERAL (VALUES
    ('created', 'created from ' || t.channel, '{}'::jsonb, t.created_at, NULL::int, true),
    ('status', 'status new → open', '{"old": "new", "new": "open"}'::jsonb,
        t.created_at + interval '30 seconds', t.assignee_id, t.status <> 'new'),
    ('status', 'status open → ' || CASE WHEN t.status = 'closed' THEN 'solved'
        ELSE t.status END,
        jsonb_build_object('old', 'open', 'new', CASE WHEN t.status = 'closed' THEN 'solved'
            ELSE t.status END),
        coalesce(t.solved_at, t.first_human_reply_at), t.assignee_id,
        t.status IN ('pending', 'on_hold', 'solved', 'closed')),
    ('status', 'status solved → closed', '{"old": "solved", "new": "closed"}'::jsonb,
        t.closed_at, NULL, t.status = 'closed')
) AS e(kind, text, data, at, actor, wanted)
WHERE t.id BETWEEN %(lo)s AND %(hi)s AND e.wanted
"""


def events_insert(lo: int, hi: int) -> int:
    return run(EVENTS_SQL, {"lo": lo, "hi": hi})


# Running first-response timers on new and open tickets, timed as `tickets.services.sla`
# times them around the clock: due = start + target, at risk at the policy's percentage,
# started by the first inbound message, the policy that covers the channel.
TIMERS_SQL = """
INSERT INTO tickets_slatimer (ticket_id, metric, policy_id, policy_version, target_minutes,
    state, started_at, due_at, at_risk_at, reason, started_by_id, paused_seconds)
SELECT t.id, 'first_response', p.id, p.version, p.first_response_minutes, 'running',
    t.created_at, t.created_at + make_interval(mins => p.first_response_minutes),
    t.created_at + make_interval(secs => p.first_response_minutes * 60.0
        * p.at_risk_percent / 100),
    left((CASE WHEN mod(p.first_response_minutes, 60) = 0
            THEN (p.first_response_minutes / 60) || ' h'
            ELSE p.first_response_minutes || ' min' END)
        || ' (around the clock) under ' || p.name || ' v' || p.version || ', from the '
        || t.channel || ' contact at '
        || to_char(t.created_at AT TIME ZONE %(tz)s, 'YYYY-MM-DD HH24:MI'), 300),
    (SELECT min(m.id) FROM tickets_message m
        WHERE m.ticket_id = t.id AND m.direction = 'inbound'), 0
FROM tickets_ticket t
JOIN LATERAL (
    SELECT * FROM tickets_slapolicy p
    WHERE p.active AND t.channel = ANY(p.channels)
        AND (p.priorities = '{}' OR t.priority = ANY(p.priorities))
    ORDER BY p.position, p.name LIMIT 1
) AS p ON true
WHERE t.id BETWEEN %(lo)s AND %(hi)s AND t.status IN ('new', 'open')
"""


def timers_insert(lo: int, hi: int) -> int:
    from django.utils import timezone

    return run(TIMERS_SQL, {"lo": lo, "hi": hi, "tz": timezone.get_current_timezone_name()})


TABLES = [
    "customers_customer",
    "customers_identity",
    "tickets_ticket",
    "tickets_message",
    "tickets_ticketevent",
    "tickets_slatimer",
]


def finish() -> None:
    """Move every id sequence past the ids written explicitly, then ANALYZE the tables so
    the planner sees their new sizes."""
    with connection.cursor() as cursor:
        for table in TABLES:
            # The table names are this module's constants.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"  # noqa: S608
                f" (SELECT coalesce(max(id), 1) FROM {table}))"
            )
        for table in TABLES:
            cursor.execute(f"ANALYZE {table}")
