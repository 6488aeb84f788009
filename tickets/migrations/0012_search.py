"""Full-text search over messages and ticket subjects (the desk's `/` search, issue 12).

Every text is indexed as Dutch, English and `helpdesk_simple` lexemes at once
(`helpdesk_search_document`), and a query is parsed in all three and ORed: "facturen" finds
"factuur" (Dutch stems), "invoices" finds "invoice" (English), and a word in any language is
found as written. PostgreSQL has no Polish stemmer: `helpdesk_simple` is `simple` with
`unaccent` in front (Polish, and anything else), and the desk's query adds the common forms
of each Polish word (desk/search/terms.py). Indexing every language, instead of only the
customer's, keeps a message findable when the language guess was wrong or changed later,
and needs no language on the message row.

Messages (the body) and tickets (the subject) keep the document in a stored generated
column, `search_vector`, that the ORM does not map (no message or ticket read carries it): a
query that checks it ticket by ticket, or a bitmap page rechecked, reads a stored value
instead of parsing the text three times. Adding the columns rewrites both tables under an
exclusive lock (on 1,000,000 tickets / 4.7 million messages here: about 3 min for
messages, 30 s for tickets); the indexes are built CONCURRENTLY afterwards. Not atomic; every
statement can run again.
"""

from django.db import migrations

CONFIG = """
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'helpdesk_simple') THEN
        CREATE TEXT SEARCH CONFIGURATION public.helpdesk_simple (COPY = pg_catalog.simple);
        ALTER TEXT SEARCH CONFIGURATION public.helpdesk_simple
            ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
            WITH public.unaccent, pg_catalog.simple;
    END IF;
END $$
"""

DOCUMENT = """
CREATE OR REPLACE FUNCTION helpdesk_search_document(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT to_tsvector('pg_catalog.dutch'::regconfig, body)
        || to_tsvector('pg_catalog.english'::regconfig, body)
        || to_tsvector('public.helpdesk_simple'::regconfig, body)
$$
"""

COLUMNS = {
    "tickets_message": "body_text",
    "tickets_ticket": "subject",
}
COLUMN = """
ALTER TABLE TARGET ADD COLUMN IF NOT EXISTS search_vector tsvector
GENERATED ALWAYS AS (helpdesk_search_document(SOURCE)) STORED
"""

INDEXES = {
    "message_search_idx": "tickets_message USING gin (search_vector)",
    "ticket_search_idx": "tickets_ticket USING gin (search_vector)",
}


DROP_INVALID = """
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               WHERE c.relname = 'NAME' AND NOT i.indisvalid) THEN
        DROP INDEX NAME;
    END IF;
END $$
"""


def _index_sql(name: str, definition: str) -> list[str]:
    # An interrupted concurrent build leaves an invalid index that IF NOT EXISTS would keep.
    drop_invalid = DROP_INVALID.replace("NAME", name)
    return [
        "SET maintenance_work_mem = '256MB'",
        drop_invalid,
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}",
        "RESET maintenance_work_mem",
    ]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0011_notification_kind_assigned"),
        ("customers", "0003_search_trigram"),
    ]

    operations = [
        migrations.RunSQL(
            CONFIG, reverse_sql="DROP TEXT SEARCH CONFIGURATION IF EXISTS helpdesk_simple"
        ),
        migrations.RunSQL(
            DOCUMENT, reverse_sql="DROP FUNCTION IF EXISTS helpdesk_search_document(text)"
        ),
        *[
            migrations.RunSQL(
                COLUMN.replace("TARGET", table).replace("SOURCE", source),
                reverse_sql=f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector",
            )
            for table, source in COLUMNS.items()
        ],
        *[
            migrations.RunSQL(
                _index_sql(name, definition),
                reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, definition in INDEXES.items()
        ],
        migrations.RunSQL(
            ["ANALYZE tickets_message", "ANALYZE tickets_ticket"],
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]
