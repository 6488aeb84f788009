"""The Celery app and the one place where beat schedules are written."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Re-drive outbound messages whose send task was lost (Redis flush, worker crash):
    # the message row is the outbox, so the broker is never the only copy.
    "tickets.outbox_sweep": {
        "task": "tickets.outbox_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # Re-drive inbound deliveries whose parse task was lost; the receipt row is the truth.
    "channels_inbox.receipt_sweep": {
        "task": "channels_inbox.receipt_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # Solved tickets age into closed (read-only; later contacts open a follow-up).
    "tickets.close_solved": {
        "task": "tickets.close_solved",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
}
