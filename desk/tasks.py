"""Celery tasks of the desk: thin interfaces that take ids and call one function."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from desk.bulk import BulkAction
from desk.bulk_jobs import bulk_job_walk


@shared_task(name="desk.bulk_over_filter", ignore_result=True)
def bulk_over_filter(
    job_id: str, user_id: int, query: str, action: dict[str, Any], until_id: int
) -> None:
    """A bulk action over every ticket of a filter. Safe to run twice: each action is
    idempotent and the walk re-reads the filter."""
    bulk_job_walk(
        job_id=job_id,
        user_id=user_id,
        query=query,
        action=BulkAction.from_dict(action),
        until_id=until_id,
    )
