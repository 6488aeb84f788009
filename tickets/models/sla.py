"""SLA: business calendars, policies, the timers that hold each promise on a ticket, and
the breach records the sweep writes."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from tickets.choices import Channel, Priority, SlaMetric, TimerState
from tickets.models.core import Message, Ticket


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
    delay_notice = models.BooleanField(
        default=False,
        help_text="When a response clock becomes at risk and no person has replied, tell the "
        "customer a person will answer by the due time (once per promise, in business hours)",
    )
    delay_notice_template = models.CharField(
        max_length=512,
        blank=True,
        help_text="An approved WhatsApp template for the delay notice outside the 24-hour "
        "window; blank: no notice there",
    )
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
