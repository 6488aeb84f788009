"""The tickets app's enums and constants: pure data, no models, so channel adapters and
other low layers can use them without importing the ORM. `tickets.models` re-exports all
of them, so `from tickets.models import Channel` keeps working."""

from __future__ import annotations

from django.db import models


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


class TodoKind(models.TextChoices):
    CALL_BACK = "call_back", "Call back"
    OTHER = "other", "Other"


class SlaMetric(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_RESPONSE = "next_response", "Next response"
    RESOLUTION = "resolution", "Resolution"


class TimerState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    CANCELLED = "cancelled", "Cancelled"


LIVE_TIMER_STATES = (TimerState.RUNNING, TimerState.PAUSED)


class NotificationKind(models.TextChoices):
    SLA_AT_RISK = "sla_at_risk", "SLA at risk"
    SLA_BREACHED = "sla_breached", "SLA breached"
    ASSIGNED = "assigned", "Assigned to you"
    CSAT_LOW = "csat_low", "Low satisfaction rating"


class EmailState(models.TextChoices):
    """Where a notification's email stands (`Notification.email_state`)."""

    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not emailed"


__all__ = [
    "ACTIVE_STATUSES",
    "CHANNEL_IDENTITY_KIND",
    "LIVE_TIMER_STATES",
    "SOCIAL_CHANNELS",
    "CallDirection",
    "Channel",
    "DeliveryState",
    "Direction",
    "EmailState",
    "EventKind",
    "NotificationKind",
    "Priority",
    "SlaMetric",
    "Status",
    "TimerState",
    "TodoKind",
]
