"""SLA settings managers edit: policies and business calendars. A change bumps the policy's
version and re-times the running clocks it timed, each with an event saying so."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from tickets.models import (
    BusinessCalendar,
    BusinessHoliday,
    EventKind,
    SlaMetric,
    SlaPolicy,
    SlaTimer,
    TimerState,
)
from tickets.services.events import event_record
from tickets.services.sla import timer_reason, timer_times

logger = logging.getLogger(__name__)

# PRODUCT.md's defaults (also created by migration 0006 on a new database).
DEFAULT_POLICIES = (
    ("Standard", ["email", "web", "phone", "chat"], 48 * 60),
    ("Social", ["facebook", "instagram", "whatsapp", "x"], 24 * 60),
)

if TYPE_CHECKING:
    from helpdesk.roles import User


def sla_policies_default() -> list[SlaPolicy]:
    """Create the default policies where missing (idempotent); existing ones are untouched."""
    return [
        SlaPolicy.objects.get_or_create(
            name=name,
            defaults={
                "channels": channels,
                "first_response_minutes": minutes,
                "next_response_minutes": minutes,
            },
        )[0]
        for name, channels, minutes in DEFAULT_POLICIES
    ]


@transaction.atomic
def sla_policy_save(*, policy: SlaPolicy, by: User | None = None) -> SlaPolicy:
    """Create or change a policy. A change bumps its version and re-times the running clocks
    it timed (from their own start, with the new target); their events say so."""
    if policy.pk is None:
        policy.save()
        return policy
    policy.version = SlaPolicy.objects.get(pk=policy.pk).version + 1
    policy.save()
    retimed = 0
    timers = (
        SlaTimer.objects.select_for_update()
        .filter(policy=policy, state=TimerState.RUNNING, breached_at__isnull=True)
        .select_related("ticket")
    )
    for timer in timers:
        minutes = policy.target_minutes(timer.metric)
        if minutes is None:
            timer.state = TimerState.CANCELLED
            timer.save(update_fields=["state"])
            continue
        due, at_risk = timer_times(policy, timer.started_at, minutes)
        shift = timedelta(seconds=timer.paused_seconds)
        timer.due_at, timer.at_risk_at = due + shift, at_risk + shift
        timer.target_minutes, timer.policy_version = minutes, policy.version
        timer.reason = timer_reason(policy, minutes, None, timer.started_at)
        timer.save(
            update_fields=["due_at", "at_risk_at", "target_minutes", "policy_version", "reason"]
        )
        event_record(
            timer.ticket,
            EventKind.SLA,
            f"SLA: {SlaMetric(timer.metric).label.lower()} re-timed to "
            f"{timezone.localtime(timer.due_at):%Y-%m-%d %H:%M} ({policy.name} v{policy.version})",
            actor=by,
            metric=timer.metric,
        )
        retimed += 1
    logger.info("SLA policy %s v%s: %s running timers re-timed", policy.pk, policy.version, retimed)
    return policy


@transaction.atomic
def business_calendar_save(
    *,
    calendar: BusinessCalendar,
    holidays: list[tuple[date, str]] | None = None,
    by: User | None = None,
) -> BusinessCalendar:
    """Create or change a calendar (and, when given, replace its holidays); the policies that
    use it are re-timed like any policy change."""
    calendar.save()
    if holidays is not None:
        calendar.holidays.all().delete()
        BusinessHoliday.objects.bulk_create(
            [BusinessHoliday(calendar=calendar, date=day, name=name) for day, name in holidays]
        )
    for policy in SlaPolicy.objects.filter(calendar=calendar):
        sla_policy_save(policy=policy, by=by)
    return calendar
