"""The Celery app and the one place where beat schedules are written."""

from __future__ import annotations

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk.settings")

app = Celery("helpdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# How often beat sweeps the SLA timers (seconds); tests shorten it.
SLA_SWEEP_SECONDS = float(os.environ.get("HELPDESK_SLA_SWEEP_SECONDS", "20"))

app.conf.beat_schedule = {
    # Re-drive outbound messages whose send task was lost (Redis flush, worker crash):
    # the message row is the outbox, so the broker is never the only copy.
    "tickets.outbox_sweep": {
        "task": "tickets.outbox_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # Re-drive notification emails whose task was lost, whose SMTP backoff ended or whose
    # sender died mid-send: the notification row is the email's outbox.
    "tickets.notifications_email_sweep": {
        "task": "tickets.notifications_email_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # Re-drive inbound deliveries whose parse task was lost; the receipt row is the truth.
    "channels_inbox.receipt_sweep": {
        "task": "channels_inbox.receipt_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # Fetch IMAP mailboxes configured in the admin (teams without an ESP webhook).
    "channels_inbox.imap_poll_all": {
        "task": "channels_inbox.imap_poll_all",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # SLA: record breaches and at-risk warnings from the timer rows in PostgreSQL. Every
    # 20 s, so a breach is on record well within 90 s of its due time; never one countdown
    # task per ticket (those vanish on a Redis flush).
    "tickets.sla_sweep": {
        "task": "tickets.sla_sweep",
        "schedule": SLA_SWEEP_SECONDS,
        "options": {"expires": SLA_SWEEP_SECONDS * 0.9},
    },
    # CSAT: write a survey row (with its send time) for each newly solved ticket.
    "surveys.schedule_sweep": {
        "task": "surveys.schedule_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # CSAT: send due surveys exactly once (SKIP LOCKED claim with a lease), cancelling those
    # whose ticket reopened; the rows are the truth, so a lost run loses nothing.
    "surveys.send_sweep": {
        "task": "surveys.send_sweep",
        "schedule": crontab(),
        "options": {"expires": 55},
    },
    # Privacy: remove expired data exports, re-drive lost builds and failed emails; anonymise
    # closed tickets past the retention months (PRIVACY_RETENTION_MONTHS; 0 = off), in
    # batches, where not done yet.
    "privacy.exports_sweep": {
        "task": "privacy.exports_sweep",
        "schedule": crontab(minute=7),
        "options": {"expires": 3000},
    },
    "privacy.retention_sweep": {
        "task": "privacy.retention_sweep",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 3000},
    },
    # Managers' weekly summary: Monday 08:00 in the organisation's time zone. Hourly because
    # crontab here reads CELERY_TIMEZONE (UTC), and 08:00 Amsterdam is 07:00 or 06:00 UTC by
    # season; the task itself waits for Monday 08:00 local and sends each manager one a week.
    "reports.weekly_summary": {
        "task": "reports.weekly_summary",
        "schedule": crontab(minute=0),
        "options": {"expires": 3000},
    },
    # Solved tickets age into closed (read-only; later contacts open a follow-up).
    "tickets.close_solved": {
        "task": "tickets.close_solved",
        "schedule": crontab(minute="*/15"),
        "options": {"expires": 600},
    },
}
