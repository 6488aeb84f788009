"""What the reports remember: each manager's choices for the weekly summary, and which
weekly summaries went out (so a second run in the same week sends nothing)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ManagerReportPreference(models.Model):
    """A staff member's language for report emails and whether they want the weekly summary.

    Staff have no stored language elsewhere: the desk's switch is a browser cookie, which a
    Monday-morning task cannot read. Without a row the summary goes out in LANGUAGE_CODE."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_preference"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    weekly_summary = models.BooleanField(_("weekly summary email"), default=True)

    class Meta:
        verbose_name = _("manager report preference")
        verbose_name_plural = _("manager report preferences")

    def __str__(self) -> str:
        return f"{self.user} ({self.language or settings.LANGUAGE_CODE})"


class WeeklySummarySent(models.Model):
    """One row per manager per reported week, written in the same transaction as the send:
    the unique pair is what keeps a repeated or concurrent run from mailing twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The Monday (organisation's calendar) of the week the summary is about.
    week_start = models.DateField()
    language = models.CharField(max_length=8)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="weekly_summary_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} week of {self.week_start}"
