"""Customer search (the desk's `/` search, issue 12): name and identity fragments on trigram
GIN indexes. Names are compared unaccented ("wisniewski" finds "Wiśniewski"), through an
immutable wrapper of `unaccent` (the extension's own function is only stable, so it cannot
be indexed).

Not atomic: the indexes are built CONCURRENTLY, so customers stay writable meanwhile. Every
statement can run again after an interruption (an index left invalid by a failed build is
dropped first).
"""

from django.db import migrations

# The extensions stay on the way back: other code may use them.
EXTENSIONS = ["CREATE EXTENSION IF NOT EXISTS unaccent", "CREATE EXTENSION IF NOT EXISTS pg_trgm"]
UNACCENT = """
CREATE OR REPLACE FUNCTION helpdesk_unaccent(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, value) $$
"""

INDEXES = {
    "customer_name_trgm_idx": (
        "customers_customer USING gin (helpdesk_unaccent(name) gin_trgm_ops)"
    ),
    "identity_value_trgm_idx": "customers_identity USING gin (value gin_trgm_ops)",
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
    return [drop_invalid, f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition}"]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("customers", "0002_customer_language_source"),
    ]

    operations = [
        migrations.RunSQL(EXTENSIONS, reverse_sql=migrations.RunSQL.noop),
        migrations.RunSQL(UNACCENT, reverse_sql="DROP FUNCTION IF EXISTS helpdesk_unaccent(text)"),
        *[
            migrations.RunSQL(
                _index_sql(name, definition),
                reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
            )
            for name, definition in INDEXES.items()
        ],
    ]
