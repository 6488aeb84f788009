"""A ticket's messages and events by (ticket, id): the API's timelines read them in id order
a page at a time (keyset on id). With only the ticket index every page read and sorted all
of the ticket's rows; this one starts at the cursor and stops after the page.

Not atomic: built CONCURRENTLY, so messages stay writable meanwhile. Every statement can
run again after an interruption (an index left invalid by a failed build is dropped first).
Raw SQL like customers/0003's trigram indexes, so the model state is untouched.
"""

from django.db import migrations

INDEXES = {
    "message_ticket_id_idx": "tickets_message (ticket_id, id)",
    "event_ticket_id_idx": "tickets_ticketevent (ticket_id, id)",
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
        ("tickets", "0015_automatic_texts_and_delay_notice"),
    ]

    operations = [
        migrations.RunSQL(
            _index_sql(name, definition), reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {name}"
        )
        for name, definition in INDEXES.items()
    ]
