# The typical first-response time per channel (tickets/response_times.py): a partial index
# over answered, unmerged tickets by creation time, with the channel and reply time included
# so the 30-day median is an index-only scan, not a pass over the whole table.
# Built CONCURRENTLY (outside a transaction) so a large live table keeps taking writes.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0012_search"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(
                    ("first_human_reply_at__isnull", False), ("merged_into__isnull", True)
                ),
                fields=["created_at"],
                include=("channel", "first_human_reply_at"),
                name="ticket_first_reply_idx",
            ),
        ),
    ]
