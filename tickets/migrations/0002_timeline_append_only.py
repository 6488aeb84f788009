"""The ticket timeline is append-only: PostgreSQL refuses to rewrite an event.

Only the nullable links (actor, message) may be cleared, so deleting a user or a message
still works (SET NULL); the event's kind, text, data and time never change.
"""

from django.db import migrations

FORWARD = """
CREATE FUNCTION tickets_event_append_only() RETURNS trigger AS $$
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

CREATE TRIGGER tickets_event_append_only
BEFORE UPDATE ON tickets_ticketevent
FOR EACH ROW EXECUTE FUNCTION tickets_event_append_only();
"""

REVERSE = """
DROP TRIGGER IF EXISTS tickets_event_append_only ON tickets_ticketevent;
DROP FUNCTION IF EXISTS tickets_event_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
