"""In-app notifications for agents, each also the outbox row of its email."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tickets.choices import EmailState, NotificationKind
from tickets.models.core import Ticket


class Notification(models.Model):
    """An in-app notification for one user, and the outbox row of its email: state, attempts,
    next attempt (while sending: when the lease ends) and last error live here, so a lost
    task or an SMTP error loses no email (`tickets.services.notifications`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="helpdesk_notifications"
    )
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    # Users without an email address are never pending: their rows are `skipped`.
    email_state = models.CharField(
        max_length=16, choices=EmailState.choices, default=EmailState.SKIPPED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_attempt_at = models.DateTimeField(null=True, blank=True)
    email_last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["user", "-created_at"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            ),
            # The sweep's due rows: pending, or sending past their lease.
            models.Index(
                fields=["email_next_attempt_at"],
                name="notification_email_due_idx",
                condition=Q(email_state__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.text}"
