"""The weekly summary email to managers: last week's headline figures beside the week
before, the week's breaches and a link to the reports page, in each manager's language.

Beat runs `reports.weekly_summary` every hour (`helpdesk/celery.py`); it acts only from
Monday 08:00 in the organisation's time zone (settings.TIME_ZONE) to the end of that Monday,
so a lost 08:00 run is made up by the next one, and `WeeklySummarySent` keeps every manager
to one email per week however often it runs."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from helpdesk.roles import MANAGERS_GROUP
from reports.filters import ReportFilter, org_zone
from reports.models import WeeklySummarySent
from reports.weekly_figures import Headline, headlines, week_raw
from tickets.models import SlaBreach

logger = logging.getLogger(__name__)

SEND_WEEKDAY = 0  # Monday
SEND_HOUR = 8
MAX_BREACHES = 20
REPORTS_PATH = "/desk/reports/"


@dataclass(frozen=True)
class BreachLine:
    number: int
    subject: str
    url: str


@dataclass(frozen=True)
class Breaches:
    lines: list[BreachLine]
    more: int  # tickets beyond the listed ones

    @property
    def total(self) -> int:
        return len(self.lines) + self.more


def week_due(now: dt.datetime) -> dt.date | None:
    """The Monday of the week to report on, if `now` is Monday from 08:00 (organisation's
    time) until midnight; otherwise None (nothing to send at this hour)."""
    local = timezone.localtime(now, org_zone())
    if local.weekday() != SEND_WEEKDAY or local.hour < SEND_HOUR:
        return None
    return local.date() - dt.timedelta(days=7)


def week_filter(week_start: dt.date) -> ReportFilter:
    return ReportFilter(start=week_start, end=week_start + dt.timedelta(days=6))


def recipients() -> QuerySet[User]:
    """Active managers (Managers group or superuser, as helpdesk.roles decides) with an email
    address who have not turned the summary off."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(Q(is_superuser=True) | Q(groups__name=MANAGERS_GROUP))
        .exclude(report_preference__weekly_summary=False)
        .select_related("report_preference")
        .distinct()
        .order_by("pk")
    )


def language_of(user: User) -> str:
    preference = getattr(user, "report_preference", None)
    if preference is not None and preference.language:
        return str(preference.language)
    return str(settings.LANGUAGE_CODE)


def week_breaches(flt: ReportFilter) -> Breaches:
    """Tickets with a promise that fell due and was missed in the week (each ticket once,
    in the order they breached)."""
    lower, upper = flt.bounds()
    rows = (
        SlaBreach.objects.filter(due_at__gte=lower, due_at__lt=upper)
        .values_list("ticket_id", "ticket__subject")
        .order_by("due_at", "ticket_id")
    )
    seen: dict[int, str] = {}
    for ticket_id, subject in rows.iterator():
        seen.setdefault(ticket_id, subject)
    site = settings.SITE_URL.rstrip("/")
    lines = [
        BreachLine(number=pk, subject=subject, url=site + reverse("desk:ticket", args=[pk]))
        for pk, subject in list(seen.items())[:MAX_BREACHES]
    ]
    return Breaches(lines=lines, more=max(0, len(seen) - MAX_BREACHES))


def reports_url(flt: ReportFilter) -> str:
    return f"{settings.SITE_URL.rstrip('/')}{REPORTS_PATH}?{flt.to_query()}"


def weekly_summaries_send(*, now: dt.datetime | None = None) -> int:
    """Send last week's summary to each manager who has not had it; returns how many went.

    The figures are read once and formatted per language (number formats differ)."""
    now = now or timezone.now()
    week_start = week_due(now)
    if week_start is None:
        return 0
    pending = [
        user
        for user in recipients()
        if not WeeklySummarySent.objects.filter(user=user, week_start=week_start).exists()
    ]
    if not pending:
        return 0
    flt = week_filter(week_start)
    breaches = week_breaches(flt)
    week, before = week_raw(flt, now=now)
    by_language: dict[str, list[Headline]] = {}
    sent = 0
    for user in pending:
        language = language_of(user)
        if language not in by_language:
            with translation.override(language):
                by_language[language] = headlines(week, before)
        context = {
            "user": user,
            "week_start": flt.start,
            "week_end": flt.end,
            "headlines": by_language[language],
            "breaches": breaches,
            "url": reports_url(flt),
        }
        sent += _send_once(user, week_start, language, context)
    return sent


def _send_once(user: User, week_start: dt.date, language: str, context: dict[str, object]) -> int:
    """Record and send in one transaction: a failed send leaves no record (the next hourly
    run tries again); a concurrent run meets the unique row and sends nothing."""
    try:
        with transaction.atomic():
            WeeklySummarySent.objects.create(user=user, week_start=week_start, language=language)
            _mail(user, language, context)
    except IntegrityError:
        return 0
    except OSError:
        logger.exception("weekly summary to user %s not sent; the next run retries", user.pk)
        return 0
    return 1


def _mail(user: User, language: str, context: dict[str, object]) -> None:
    with translation.override(language):
        subject = render_to_string("emails/reports_weekly_subject.txt", context).strip()
        email = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("emails/reports_weekly.txt", context),
            to=[user.email],
        )
        email.attach_alternative(
            render_to_string("emails/reports_weekly.html", context), "text/html"
        )
    email.send()
