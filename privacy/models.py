"""A customer's privacy requests: erasure (approved by a manager) and data exports, and the
record of which tickets were anonymised (so the retention sweep never repeats one)."""

from __future__ import annotations

import os
import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.db.models import Q

from customers.models import Customer
from tickets.models import Ticket


class ExportStorage(FileSystemStorage):
    """Files under `PRIVACY_EXPORT_ROOT`, read at each use (not frozen at import), so a
    changed setting (tests, a moved volume) takes effect."""

    @property
    def base_location(self) -> str:
        return str(settings.PRIVACY_EXPORT_ROOT)

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)


def export_storage() -> Storage:
    """Private storage for export ZIPs: outside MEDIA_ROOT and without a URL, so only the
    portal's owner check (`portal.views.privacy`) can hand a file out."""
    return ExportStorage(base_url=None)


def _export_id() -> str:
    return secrets.token_urlsafe(24)


class ErasureStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    DONE = "done", "Done"


class ErasureRequest(models.Model):
    """A customer's "erase me". A manager approves (then the erasure runs and it is `done`)
    or rejects it; at most one is pending per customer."""

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="erasure_requests"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(
        max_length=16, choices=ErasureStatus.choices, default=ErasureStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    # The manager's reason (a rejection's especially); never the customer's data.
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=Q(status="pending"),
                name="erasure_one_pending_per_customer",
            )
        ]

    def __str__(self) -> str:
        return f"Erasure request {self.pk} ({self.status})"


class ExportStatus(models.TextChoices):
    PENDING = "pending", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"
    EXPIRED = "expired", "Expired"


class DataExport(models.Model):
    """One "download my data" ZIP. `id` is random (not a counter), and the download checks
    the signed-in customer anyway: a guessed or forwarded link opens nothing."""

    id = models.CharField(primary_key=True, max_length=64, default=_export_id, editable=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(
        max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    file = models.FileField(storage=export_storage, upload_to="exports/", blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["customer", "-created_at"], name="export_customer_idx")]

    def __str__(self) -> str:
        return f"Export for customer {self.customer_id} ({self.status})"


class AnonymisedTicket(models.Model):
    """A ticket whose personal data is gone, and why: the retention sweep skips these, so
    it runs again harmlessly and moves on in batches."""

    class Reason(models.TextChoices):
        ERASURE = "erasure", "Customer's erasure"
        RETENTION = "retention", "Retention period"

    ticket = models.OneToOneField(
        Ticket, primary_key=True, on_delete=models.CASCADE, related_name="anonymised"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    anonymised_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.ticket_id} anonymised ({self.reason})"
