"""Raw inbound deliveries, stored before anything parses them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ReceiptState(models.TextChoices):
    PENDING = "pending", "Pending"
    PROCESSING = "processing", "Processing"
    DONE = "done", "Done"
    IGNORED = "ignored", "Ignored (auto-reply, list, bounce)"
    REJECTED = "rejected", "Rejected (over a safety limit)"
    FAILED = "failed", "Failed to parse"


class InboundReceipt(models.Model):
    """One webhook delivery exactly as it arrived. Written before the webhook answers 2xx,
    so nothing is lost when parsing fails later; a task parses it and ingests the messages.
    The same payload delivered twice is one receipt (unique body hash per provider)."""

    channel = models.CharField(max_length=16, default="email")
    provider = models.CharField(max_length=40, help_text="ESP or platform, e.g. postmark")
    view = models.CharField(max_length=200, help_text="The webhook view that can parse it")
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=255, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    body = models.BinaryField()
    body_sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)
    state = models.CharField(
        max_length=16, choices=ReceiptState.choices, default=ReceiptState.PENDING
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    message_ids = models.JSONField(default=list, blank=True, help_text="Messages it created")
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "body_sha256"], name="receipt_provider_body_unique"
            )
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                name="receipt_pending_idx",
                condition=Q(state__in=["pending", "processing"]),
            ),
            models.Index(fields=["state", "-received_at"], name="receipt_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} receipt {self.pk} ({self.state})"


class Mailbox(models.Model):
    """An address customers write to (support@, returns@, a second brand's address): where
    its mail goes, which address answers, and whether it acknowledges automatically."""

    name = models.CharField(max_length=100)
    address = models.EmailField(unique=True, help_text="Lower-case; plus-addresses match too")
    team = models.ForeignKey(
        "tickets.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="mailboxes"
    )
    from_address = models.CharField(
        max_length=320, blank=True, help_text='Replies come from this, e.g. "Brand <help@brand.nl>"'
    )
    auto_acknowledge = models.BooleanField(
        default=False,
        help_text="Send an automatic 'we got your message' to new tickets (does not meet the SLA)",
    )
    acknowledgement_text = models.TextField(
        blank=True,
        default="Thank you for your message. We have received it as ticket #{number} "
        "and will answer as soon as we can.\n\nThis is an automatic message.",
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"
