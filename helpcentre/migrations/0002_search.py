"""Full-text search over article versions, in each version's own language.

The approach of tickets/0012: a stored generated `search_vector` column the ORM does not map,
and a GIN index on it. Unlike messages, an article version knows its language, so its
document is built in that language only: Dutch and English with their stemmers, Polish with
`helpdesk_simple` (`simple` plus `unaccent`, from tickets/0012: PostgreSQL ships no Polish
stemmer). The title is weighted A and the body B, so a match in the title ranks higher.
The table is small (a help centre has hundreds of articles, not millions), so the index is
built in the migration's transaction.
"""

from django.db import migrations

DOCUMENT = """
CREATE OR REPLACE FUNCTION helpcentre_search_config(language text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT CASE language
        WHEN 'nl' THEN 'pg_catalog.dutch'::regconfig
        WHEN 'en' THEN 'pg_catalog.english'::regconfig
        ELSE 'public.helpdesk_simple'::regconfig
    END
$$;
CREATE OR REPLACE FUNCTION helpcentre_search_document(language text, title text, body text)
RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$
    SELECT setweight(to_tsvector(helpcentre_search_config(language), title), 'A')
        || setweight(to_tsvector(helpcentre_search_config(language), body), 'B')
$$
"""

COLUMN = """
ALTER TABLE helpcentre_articletranslation ADD COLUMN IF NOT EXISTS search_vector tsvector
GENERATED ALWAYS AS (helpcentre_search_document(language, title, body_markdown)) STORED
"""

INDEX = """
CREATE INDEX IF NOT EXISTS helpcentre_article_search_idx
ON helpcentre_articletranslation USING gin (search_vector)
"""


class Migration(migrations.Migration):
    dependencies = [
        ("helpcentre", "0001_initial"),
        ("tickets", "0012_search"),
    ]

    operations = [
        migrations.RunSQL(
            DOCUMENT,
            reverse_sql=(
                "DROP FUNCTION IF EXISTS helpcentre_search_document(text, text, text);"
                "DROP FUNCTION IF EXISTS helpcentre_search_config(text)"
            ),
        ),
        migrations.RunSQL(
            COLUMN,
            reverse_sql=(
                "ALTER TABLE helpcentre_articletranslation DROP COLUMN IF EXISTS search_vector"
            ),
        ),
        migrations.RunSQL(INDEX, reverse_sql="DROP INDEX IF EXISTS helpcentre_article_search_idx"),
    ]
