"""Celery tasks of the reports: thin interfaces over the services. Beat runs them
(`helpdesk/celery.py`)."""

from __future__ import annotations

from celery import shared_task

from reports import weekly


@shared_task(name="reports.weekly_summary", ignore_result=True)
def weekly_summary() -> int:
    """Hourly; sends last week's summary on Monday from 08:00 in the organisation's time
    zone, once per manager per week (the rest of the hours it returns without a query)."""
    return weekly.weekly_summaries_send()
