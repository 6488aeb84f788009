"""Tickets, their messages and the append-only timeline of what happened to them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import Q

from customers.models import Customer, Identity
from tickets.choices import (
    ACTIVE_STATUSES,
    CallDirection,
    Channel,
    DeliveryState,
    Direction,
    EventKind,
    Priority,
    Status,
    TodoKind,
)


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
    # Who sees its tickets is decided in one place: `tickets.selectors.ticket_list_for_user`.
    restricted = models.BooleanField(
        default=False, help_text="only members and managers see its tickets"
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


# The tickets a desk queue can hold (`desk.queues.queue_tickets` filters exactly so).
QUEUED = Q(status__in=[str(status) for status in ACTIVE_STATUSES], merged_into__isnull=True)


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
    # The open seconds of the first-response policy's calendar between creation and the first
    # human reply, recorded with that reply: the reports take medians of it at a million
    # tickets without recomputing business hours per row (reports migration 0004 filled it).
    first_response_business_seconds = models.PositiveIntegerField(
        null=True, blank=True, editable=False
    )
    last_human_reply_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The nearest promise: due and at-risk times of the live SLA timer due first, kept by a
    # PostgreSQL trigger on the timers table (migration 0010) whatever path writes a timer,
    # so the desk's queues sort by due time on an index. Null when no timer is live.
    sla_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    sla_at_risk_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The desk's queues: ORDER BY sla_due_at NULLS LAST, id within each view's filter.
            # Queues list unresolved tickets, a fraction of the table: partial indexes over
            # them stay small and never wade through years of closed tickets.
            models.Index(fields=["sla_due_at", "id"], name="ticket_due_idx", condition=QUEUED),
            models.Index(
                fields=["assignee", "sla_due_at", "id"],
                name="ticket_assignee_due_idx",
                condition=QUEUED,
            ),
            models.Index(
                fields=["team", "sla_due_at", "id"], name="ticket_team_due_idx", condition=QUEUED
            ),
            models.Index(
                fields=["channel", "sla_due_at", "id"],
                name="ticket_channel_due_idx",
                condition=QUEUED,
            ),
            # Any status, solved and closed included (a status filter in the desk).
            models.Index(fields=["status", "sla_due_at", "id"], name="ticket_status_due_idx"),
            models.Index(fields=["customer", "status"], name="ticket_customer_status_idx"),
            models.Index(fields=["status", "-id"], name="ticket_status_id_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["team", "status"], name="ticket_team_status_idx"),
            models.Index(
                fields=["solved_at"], name="ticket_solved_at_idx", condition=Q(status="solved")
            ),
            GinIndex(fields=["tags"], name="ticket_tags_gin"),
            # The typical first-response time per channel (tickets/response_times.py) reads
            # the last 30 days' answered tickets: over this index only (channel and reply time
            # included), not the whole table. Merged-away tickets never count, so they are
            # left out of it.
            models.Index(
                fields=["created_at"],
                include=["channel", "first_human_reply_at"],
                name="ticket_first_reply_idx",
                condition=Q(first_human_reply_at__isnull=False, merged_into__isnull=True),
            ),
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
