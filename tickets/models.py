"""Tickets, their messages and the append-only timeline of what happened to them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from customers.models import Customer, Identity


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    CHAT = "chat", "Live chat"
    PHONE = "phone", "Phone"
    FACEBOOK = "facebook", "Facebook Messenger"
    INSTAGRAM = "instagram", "Instagram"
    WHATSAPP = "whatsapp", "WhatsApp"
    X = "x", "X"


SOCIAL_CHANNELS = frozenset({Channel.FACEBOOK, Channel.INSTAGRAM, Channel.WHATSAPP, Channel.X})

# The identity kind a reply on each channel is addressed to.
CHANNEL_IDENTITY_KIND: dict[str, str] = {
    Channel.EMAIL: "email",
    Channel.WEB: "email",
    Channel.CHAT: "chat",
    Channel.PHONE: "phone",
    Channel.FACEBOOK: "facebook",
    Channel.INSTAGRAM: "instagram",
    Channel.WHATSAPP: "whatsapp",
    Channel.X: "x",
}


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Priority(models.IntegerChoices):
    LOW = 1, "Low"
    NORMAL = 2, "Normal"
    HIGH = 3, "High"
    URGENT = 4, "Urgent"


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="teams_led",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="helpdesk_teams"
    )
    # The team whose lead hears of SLA warnings on tickets nobody owns (no assignee, no team)
    # before the managers do; at most one.
    is_default = models.BooleanField(
        "default team",
        default=False,
        help_text="Its lead is warned about SLA risks on tickets with no assignee and no team",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="team_one_default",
                violation_error_message="Another team is already the default team.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    subject = models.CharField(max_length=300, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="tickets")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(
        max_length=16, choices=Channel.choices, help_text="Channel of origin"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_tickets"
    )
    # Chasing: inbound contacts since the last human public reply, the repeat contacts
    # counted over the ticket's life, and whether chasing already raised the priority.
    unanswered_contacts = models.PositiveIntegerField(default=0)
    repeat_contacts = models.PositiveIntegerField(default=0)
    chase_priority_raised = models.BooleanField(default=False)
    latest_inbound_channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    # First acknowledgement (any outbound, automatic too) and first human reply are kept
    # apart so reports can show both.
    first_ack_at = models.DateTimeField(null=True, blank=True)
    first_human_reply_at = models.DateTimeField(null=True, blank=True)
    last_human_reply_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["customer", "status"], name="ticket_customer_status_idx"),
            models.Index(fields=["status", "-id"], name="ticket_status_id_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["team", "status"], name="ticket_team_status_idx"),
            models.Index(
                fields=["solved_at"], name="ticket_solved_at_idx", condition=Q(status="solved")
            ),
            GinIndex(fields=["tags"], name="ticket_tags_gin"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int:
        """The human-readable ticket number, as in `[#1234]` subject tokens."""
        return self.pk

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    NOTE = "note", "Internal note"


class DeliveryState(models.TextChoices):
    NONE = "", "—"
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    READ = "read", "Read"
    FAILED = "failed", "Failed"


class CallDirection(models.TextChoices):
    INBOUND = "inbound", "Inbound call"
    OUTBOUND = "outbound", "Outbound call"


class Message(models.Model):
    """One entry on a ticket's timeline. Outbound rows are also the outbox: delivery state,
    attempts and the next attempt live here, so no send depends on the broker alone."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=16, choices=Direction.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    identity = models.ForeignKey(
        Identity,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
        help_text="Sender of an inbound message, recipient of an outbound one",
    )
    subject = models.CharField(max_length=300, blank=True)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True, help_text="Sanitised HTML")
    # The provider's id for this message: a webhook delivered twice stores one message.
    provider_message_id = models.CharField(max_length=255, blank=True)
    # The channel's conversation key (email Message-ID, chat conversation, social thread)
    # by which later messages thread onto this ticket.
    thread_key = models.CharField(max_length=998, blank=True)
    is_automatic = models.BooleanField(default=False)
    delivery_state = models.CharField(max_length=16, choices=DeliveryState.choices, blank=True)
    delivery_error = models.TextField(blank=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # Phone calls are messages too.
    call_direction = models.CharField(max_length=16, choices=CallDirection.choices, blank=True)
    call_answered = models.BooleanField(null=True, blank=True)
    call_duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    meta = models.JSONField(default=dict, blank=True)
    # When the customer sent it (provider's timestamp); created_at is when we stored it.
    sent_by_customer_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="message_provider_id_unique_per_channel",
            ),
        ]
        indexes = [
            models.Index(fields=["ticket", "created_at"], name="message_ticket_created_idx"),
            models.Index(
                fields=["channel", "thread_key"],
                name="message_thread_key_idx",
                condition=~Q(thread_key=""),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="message_outbox_due_idx",
                condition=Q(delivery_state="queued"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} on #{self.ticket_id}"

    @property
    def is_call(self) -> bool:
        return bool(self.call_direction)

    @property
    def is_human_public_reply(self) -> bool:
        """Meets a first-response promise: a public reply by an agent (macros included) or
        an answered outbound call; never a note, an automatic message or a survey."""
        if self.direction != Direction.OUTBOUND or self.is_automatic or self.author_user_id is None:
            return False
        if self.is_call:
            return self.call_direction == CallDirection.OUTBOUND and bool(self.call_answered)
        return True


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.message.ticket_id}/{instance.message_id}/{filename}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=500)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    # `cid:` reference for inline images in HTML mail.
    content_id = models.CharField(max_length=255, blank=True)
    is_inline = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.filename


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    JOINED = "joined", "Joined by threading"
    REOPENED = "reopened", "Reopened"
    FOLLOW_UP = "follow_up", "Follow-up opened"
    STATUS = "status", "Status changed"
    ASSIGNMENT = "assignment", "Assignment changed"
    TEAM = "team", "Team changed"
    PRIORITY = "priority", "Priority changed"
    TAGS = "tags", "Tags changed"
    SUBJECT = "subject", "Subject changed"
    MERGE = "merge", "Merged"
    CUSTOMER_MERGE = "customer_merge", "Customer merged"
    CHASING = "chasing", "Customer chasing"
    MESSAGE_MOVED = "message_moved", "Message moved"
    CALL_MISSED = "call_missed", "Missed call"
    TODO = "todo", "To-do"
    SLA = "sla", "SLA"
    SURVEY = "survey", "Survey"


class TicketEvent(models.Model):
    """Append-only: a database trigger refuses UPDATE on this table (see migration 0002)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    # Human-readable reason ("joined: replied to message …") plus structured details.
    text = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["ticket", "created_at"], name="event_ticket_created_idx")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind}: {self.text}"


class TodoKind(models.TextChoices):
    CALL_BACK = "call_back", "Call back"
    OTHER = "other", "Other"


class Todo(models.Model):
    """Something an agent must do on a ticket (call back after a missed call). Open until
    someone marks it done."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="todos")
    kind = models.CharField(max_length=16, choices=TodoKind.choices, default=TodoKind.OTHER)
    text = models.CharField(max_length=500)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="todos"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["ticket"], name="todo_open_idx", condition=Q(done_at__isnull=True))
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.text}"


# --- SLA -----------------------------------------------------------------------------------


class BusinessCalendar(models.Model):
    """Weekly opening hours, holidays and a time zone. A policy without a calendar runs
    around the clock."""

    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/Amsterdam")
    weekly_hours = models.JSONField(
        default=dict,
        blank=True,
        help_text='Monday = "0" … Sunday = "6", e.g. {"0": [["09:00", "17:00"]]}; '
        '"24:00" closes at midnight. Empty: around the clock.',
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHoliday(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="holidays"
    )
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="holiday_unique_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class SlaPolicy(models.Model):
    """Response promises for tickets on some channels (and optionally priorities). The
    lowest `position` among the active policies that match a contact applies."""

    name = models.CharField(max_length=100, unique=True)
    channels = ArrayField(models.CharField(max_length=16, choices=Channel.choices))
    priorities = ArrayField(
        models.PositiveSmallIntegerField(choices=Priority.choices),
        default=list,
        blank=True,
        help_text="Empty: every priority",
    )
    first_response_minutes = models.PositiveIntegerField(default=48 * 60)
    next_response_minutes = models.PositiveIntegerField(default=48 * 60)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    at_risk_percent = models.PositiveSmallIntegerField(default=75)
    calendar = models.ForeignKey(
        BusinessCalendar,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text="Empty: around the clock",
    )
    position = models.PositiveSmallIntegerField(default=100)
    active = models.BooleanField(default=True)
    # Bumped by every change; each timer keeps the version that timed it.
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return self.name

    def target_minutes(self, metric: str) -> int | None:
        return {
            SlaMetric.FIRST_RESPONSE: self.first_response_minutes,
            SlaMetric.NEXT_RESPONSE: self.next_response_minutes,
            SlaMetric.RESOLUTION: self.resolution_minutes,
        }[SlaMetric(metric)]


class TimerState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    CANCELLED = "cancelled", "Cancelled"


LIVE_TIMER_STATES = (TimerState.RUNNING, TimerState.PAUSED)


class SlaTimer(models.Model):
    """One promise on one ticket (first response, a next response, resolution). The beat
    sweep finds running timers past `at_risk_at` / `due_at` through partial indexes over
    running timers only, so its cost follows the due rows, not the table."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_timers")
    metric = models.CharField(max_length=16, choices=SlaMetric.choices)
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="timers")
    policy_version = models.PositiveIntegerField()
    target_minutes = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=TimerState.choices, default=TimerState.RUNNING)
    started_at = models.DateTimeField()
    due_at = models.DateTimeField()
    at_risk_at = models.DateTimeField()
    # Why the due time is what it is ("48 h Standard policy v1 from the email at …").
    reason = models.CharField(max_length=300, blank=True)
    started_by = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_seconds = models.PositiveIntegerField(default=0)
    at_risk_notified_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "metric"],
                condition=Q(state__in=["running", "paused"]),
                name="sla_one_live_timer_per_metric",
            )
        ]
        indexes = [
            models.Index(
                fields=["due_at"],
                name="sla_timer_due_idx",
                condition=Q(state="running", breached_at__isnull=True),
            ),
            models.Index(
                fields=["at_risk_at"],
                name="sla_timer_at_risk_idx",
                condition=Q(state="running", at_risk_notified_at__isnull=True),
            ),
            models.Index(fields=["ticket", "metric"], name="sla_timer_ticket_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.metric} due {self.due_at:%Y-%m-%d %H:%M}"


class SlaBreach(models.Model):
    """One row per breached timer, inserted before any side effect: however many sweepers
    race, the one whose insert wins records the event and sends the notifications."""

    timer = models.OneToOneField(SlaTimer, on_delete=models.CASCADE, related_name="breach")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="sla_breaches")
    metric = models.CharField(max_length=16, choices=SlaMetric.choices)
    due_at = models.DateTimeField()
    recorded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.metric} breached (due {self.due_at})"


class NotificationKind(models.TextChoices):
    SLA_AT_RISK = "sla_at_risk", "SLA at risk"
    SLA_BREACHED = "sla_breached", "SLA breached"
    CSAT_LOW = "csat_low", "Low satisfaction rating"


class EmailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not emailed"


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
