"""The one exception to the append-only timeline (tickets migration 0002): erasure.

A customer's erasure and the retention sweep must remove personal data from ticket events
(subjects, phone numbers, to-do texts in `text`; details in `data`). The trigger still
refuses every other rewrite; it lets an UPDATE through only inside a transaction that set
`helpdesk.erasure` to `on` with `set_config(..., true)` (local to that transaction), which
only `privacy.services.scrub.erasure_mode` does. Kind, ticket and time stay unchangeable
even then, so the timeline's shape and every figure built on it are kept.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION tickets_event_append_only() RETURNS trigger AS $$
BEGIN
    IF NEW.ticket_id IS DISTINCT FROM OLD.ticket_id
       OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
       OR (NEW.message_id IS NOT NULL AND NEW.message_id IS DISTINCT FROM OLD.message_id) THEN
        RAISE EXCEPTION 'ticket events are append-only (event %)', OLD.id;
    END IF;
    IF (NEW.text IS DISTINCT FROM OLD.text OR NEW.data IS DISTINCT FROM OLD.data)
       AND coalesce(current_setting('helpdesk.erasure', true), '') <> 'on' THEN
        RAISE EXCEPTION 'ticket events are append-only (event %)', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""

REVERSE = """
CREATE OR REPLACE FUNCTION tickets_event_append_only() RETURNS trigger AS $$
BEGIN
    IF NEW.ticket_id IS DISTINCT FROM OLD.ticket_id
       OR NEW.kind IS DISTINCT FROM OLD.kind
       OR NEW.text IS DISTINCT FROM OLD.text
       OR NEW.data IS DISTINCT FROM OLD.data
       OR NEW.created_at IS DISTINCT FROM OLD.created_at
       OR (NEW.actor_id IS NOT NULL AND NEW.actor_id IS DISTINCT FROM OLD.actor_id)
       OR (NEW.message_id IS NOT NULL AND NEW.message_id IS DISTINCT FROM OLD.message_id) THEN
        RAISE EXCEPTION 'ticket events are append-only (event %)', OLD.id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial"), ("tickets", "0002_timeline_append_only")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
