"""CSAT surveys after a ticket is solved, their answers, and NPS answers.

A survey is a row with its send time, written by the schedule sweep and sent by the send
sweep (both Celery beat, `helpdesk/celery.py`): no countdown task, so a Redis flush or a
worker crash loses nothing.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from customers.models import Customer
from tickets.models import Channel, Team, Ticket

DEFAULT_DELAY_MINUTES = 24 * 60
# Chat customers have just left the conversation: ask while they remember it.
DEFAULT_DELAY_MINUTES_BY_CHANNEL: dict[str, int] = {Channel.CHAT: 60}


class SurveySettings(models.Model):
    """One row (pk 1): the limits that hold on every channel. Managers edit it in the admin
    and at `/api/v1/surveys/settings/`."""

    throttle_days = models.PositiveSmallIntegerField(
        default=7, help_text="Survey a customer at most once in this many days"
    )
    nps_interval_days = models.PositiveSmallIntegerField(
        default=90, help_text="Ask a customer the NPS question at most once in this many days"
    )
    change_window_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="How long after the first answer the customer may change it"
    )
    link_valid_days = models.PositiveSmallIntegerField(
        default=30, help_text="Rating links expire this many days after sending"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "survey settings"
        verbose_name_plural = "survey settings"

    def __str__(self) -> str:
        return "Survey settings"


class SurveyChannelSetting(models.Model):
    """Per channel: surveys on or off, and how long after solving they go out."""

    config = models.ForeignKey(
        SurveySettings, on_delete=models.CASCADE, related_name="channel_settings"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, unique=True)
    enabled = models.BooleanField(default=True)
    delay_minutes = models.PositiveIntegerField(default=DEFAULT_DELAY_MINUTES)

    class Meta:
        ordering = ["channel"]

    def __str__(self) -> str:
        return f"{self.channel}: {'on' if self.enabled else 'off'}, {self.delay_minutes} min"


class SurveyWording(models.Model):
    """A manager's own wording in one language; blank fields keep the translated default."""

    config = models.ForeignKey(SurveySettings, on_delete=models.CASCADE, related_name="wordings")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, unique=True)
    question = models.CharField(max_length=300, blank=True)
    intro = models.TextField(blank=True, help_text="Opening paragraph of the survey email")
    thanks = models.CharField(max_length=300, blank=True)
    nps_question = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["language"]

    def __str__(self) -> str:
        return self.language


class SurveyState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    ANSWERED = "answered", "Answered"
    CANCELLED = "cancelled", "Cancelled"
    FAILED = "failed", "Failed"


class CancelReason(models.TextChoices):
    NONE = "", "—"
    REOPENED = "reopened", "Ticket reopened before sending"
    THROTTLED = "throttled", "Customer surveyed recently"
    DISABLED = "disabled", "Surveys off for the channel"
    UNREACHABLE = "unreachable", "No way to reach the customer"


class Delivery(models.TextChoices):
    EMAIL = "email", "Email with rating links"
    BUTTONS = "buttons", "Quick-reply buttons"
    LINK = "link", "Message with a link"


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class Survey(models.Model):
    """The one CSAT survey of a ticket. `nonce` is part of every signed link, so links of a
    deleted-and-recreated row never work on the new one."""

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    language = models.CharField(max_length=8, default="en")
    state = models.CharField(max_length=16, choices=SurveyState.choices)
    cancel_reason = models.CharField(max_length=16, choices=CancelReason.choices, blank=True)
    # The solve this survey asks about; a later solve (after a reopen) moves the send time.
    solved_at = models.DateTimeField()
    send_at = models.DateTimeField()
    delivery = models.CharField(max_length=16, choices=Delivery.choices, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # The outbound message that carried it (buttons / link on a messaging channel).
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who handled the ticket when it was solved: the answer is theirs.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    nonce = models.CharField(max_length=32, default=_nonce)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            # The send sweep reads due scheduled rows and nothing else.
            models.Index(fields=["send_at"], name="survey_due_idx", condition=Q(state="scheduled")),
            models.Index(
                fields=["send_at"], name="survey_sending_idx", condition=Q(state="sending")
            ),
            models.Index(fields=["customer", "sent_at"], name="survey_customer_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"Survey for #{self.ticket_id} ({self.state})"


class SurveyAnswer(models.Model):
    """The customer's rating of one solved ticket. Changeable until `final_at`."""

    survey = models.OneToOneField(Survey, on_delete=models.CASCADE, related_name="answer")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="survey_answers")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="survey_answers")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(blank=True)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # How the answer came back: the web page or a channel's button.
    via = models.CharField(max_length=16, default="web")
    answered_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    final_at = models.DateTimeField()
    # Recovery for a 1-2 rating: open until someone acknowledges it.
    needs_recovery = models.BooleanField(default=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"
            )
        ]
        indexes = [
            models.Index(fields=["answered_at"], name="survey_answer_time_idx"),
            models.Index(
                fields=["answered_at"],
                name="survey_recovery_open_idx",
                condition=Q(needs_recovery=True, acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.rating}/5"


class NpsAnswer(models.Model):
    """How likely the customer is to recommend us (0-10), asked after a CSAT answer."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="nps_answers")
    survey = models.OneToOneField(
        Survey, null=True, blank=True, on_delete=models.SET_NULL, related_name="nps"
    )
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    comment = models.TextField(blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10), name="nps_score_0_to_10"
            )
        ]
        indexes = [models.Index(fields=["customer", "-answered_at"], name="nps_customer_time_idx")]

    def __str__(self) -> str:
        return f"{self.customer_id}: NPS {self.score}"
