"""The wording of the automatic messages that carry the promise ("a person will answer by
…"), edited by managers per channel (and, for email, per mailbox) in three languages."""

from __future__ import annotations

from django.db import models

from tickets.choices import Channel


class AutomaticPurpose(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement of a new request"
    DELAY_NOTICE = "delay_notice", "Delay notice (the promise is at risk)"


class AutomaticText(models.Model):
    """One automatic message's wording on one channel. A blank language falls back to the
    built-in wording, translated; `mailbox` narrows an email text to one address."""

    purpose = models.CharField(max_length=24, choices=AutomaticPurpose.choices)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    mailbox = models.CharField(
        max_length=254,
        blank=True,
        help_text="Email only: the mailbox address this text is for; blank = every mailbox",
    )
    text_en = models.TextField("English", blank=True)
    text_nl = models.TextField("Dutch", blank=True)
    text_pl = models.TextField("Polish", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["purpose", "channel", "mailbox"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "channel", "mailbox"], name="automatic_text_unique"
            )
        ]

    def __str__(self) -> str:
        where = f" ({self.mailbox})" if self.mailbox else ""
        return f"{self.get_purpose_display()} on {self.get_channel_display()}{where}"

    def text_for(self, language: str) -> str:
        return str(getattr(self, f"text_{language}", "") or "")
