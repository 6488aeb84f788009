"""Raw inbound deliveries, stored before anything parses them."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
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
    # Blank: the promise acknowledgement in the customer's language (`tickets.promise`), or
    # the manager's wording per language under "Automatic texts". Text here is an older,
    # single-language wording, sent as written.
    acknowledgement_text = models.TextField(blank=True, default="")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["address"]

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"


class ImapAccount(models.Model):
    """A mailbox fetched over IMAP for teams without an ESP webhook. Each message is taken
    exactly once: UIDs above `last_uid` under the folder's current UIDVALIDITY."""

    name = models.CharField(max_length=100)
    host = models.CharField(max_length=255)
    port = models.PositiveIntegerField(default=993)
    use_ssl = models.BooleanField(default=True)
    username = models.CharField(max_length=255)
    # Stored for the poller; shown only in the admin, never by the API.
    password = models.CharField(max_length=255)
    folder = models.CharField(max_length=255, default="INBOX")
    active = models.BooleanField(default=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.username}@{self.host})"


class ChatWidget(models.Model):
    """One embeddable chat widget (`<script src=".../chat/widget.js" data-widget="KEY">`).
    Only pages on `allowed_origins` may open its websocket."""

    name = models.CharField(max_length=100)
    key = models.SlugField(max_length=64, unique=True, help_text="Public id used in the script tag")
    allowed_origins = ArrayField(
        models.CharField(max_length=255),
        default=list,
        blank=True,
        help_text="e.g. https://www.shop.nl (scheme, host and port; no path)",
    )
    team = models.ForeignKey(
        "tickets.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="widgets"
    )
    prechat_form = models.BooleanField(default=True, help_text="Ask name and email first")
    auto_acknowledge = models.BooleanField(
        default=False,
        help_text="When no agent is online, answer a new conversation at once with an automatic "
        "message that names when a person will answer (does not meet the SLA)",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChatConversation(models.Model):
    """A visitor's conversation in one widget. The visitor resumes it with `token` (kept in
    the browser); its messages live on `ticket` as ordinary chat messages."""

    widget = models.ForeignKey(ChatWidget, on_delete=models.CASCADE, related_name="conversations")
    visitor_id = models.CharField(max_length=64, help_text="The chat identity's value")
    token = models.CharField(max_length=64, unique=True)
    ticket = models.ForeignKey(
        "tickets.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_conversations",
    )
    visitor_name = models.CharField(max_length=200, blank=True)
    visitor_email = models.EmailField(blank=True)
    language = models.CharField(max_length=8, blank=True)
    # The visitor's browser time zone (IANA name), so a promise reads in their own time.
    time_zone = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["visitor_id"], name="chat_conversation_visitor_idx")]

    def __str__(self) -> str:
        return f"chat {self.pk} ({self.widget_id})"


class SocialPlatform(models.TextChoices):
    FACEBOOK = "facebook", "Facebook Messenger"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"


class SocialAccount(models.Model):
    """A Messenger page, Instagram account or WhatsApp phone number we answer for. Events for
    an account that is not here are refused. The access token is shown only in the admin and
    never by the API."""

    platform = models.CharField(max_length=16, choices=SocialPlatform.choices)
    external_id = models.CharField(
        max_length=64, help_text="Page id, Instagram account id or WhatsApp phone-number id"
    )
    name = models.CharField(max_length=100)
    access_token = models.TextField(help_text="Graph API access token (secret)")
    team = models.ForeignKey(
        "tickets.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="social_accounts",
    )
    auto_acknowledge = models.BooleanField(
        default=False,
        help_text="Answer a new conversation at once with an automatic message that names "
        "when a person will answer (inside the messaging window; does not meet the SLA)",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="social_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.name}"


class PhoneNumber(models.Model):
    """A number customers call us on (the `To` of an inbound Twilio call), and the team that
    takes new tickets from its calls, as a mailbox routes its mail. Calls to a number that is
    not here (or not active) open tickets without a team."""

    number = models.CharField(
        max_length=20, unique=True, help_text="E.164, e.g. +31201234567 (other spellings are fixed)"
    )
    label = models.CharField(max_length=100, help_text='e.g. "Support line NL"')
    team = models.ForeignKey(
        "tickets.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="phone_numbers",
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"{self.label} ({self.number})"
