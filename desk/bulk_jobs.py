"""A bulk action over every ticket that matches a filter (UI.md item 5), not only the page:
its record and the walk a Celery task (`desk.tasks.bulk_over_filter`) makes.

The walk goes through the filter in id order, in batches, up to the newest id when the agent
asked (a ticket created later is never touched), re-reading each batch through the access
rule as the agent who asked; each ticket goes through `desk.bulk.bulk_apply`, so the same
service as a single edit. The record lives in the cache for a day, readable only by its
owner: how many changed, were already so, failed, and whether the walk is done. Every
action is idempotent, so a walk whose task was lost is simply asked for again; a record not
updated for `STALE_AFTER` is reported as stopped, never as running forever.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import QueryDict
from django.utils import timezone

from desk.bulk import BulkAction, BulkOutcome, bulk_apply
from desk.queues import QueueFilter, queue_ids_after, queue_last_id
from helpdesk.roles import is_agent

if TYPE_CHECKING:
    from helpdesk.roles import User

BATCH_SIZE = 200
KEEP_FOR = 24 * 60 * 60
STALE_AFTER = timedelta(minutes=10)


@dataclass
class BulkJob:
    """The record of one walk. `state`: running | done | stopped (no progress for a while)."""

    job_id: str
    owner_id: int
    label: str
    outcome: BulkOutcome
    state: str
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "owner": self.owner_id,
            "label": self.label,
            "outcome": self.outcome.as_dict(),
            "state": self.state,
            "updated_at": self.updated_at.isoformat(),
        }


def _key(job_id: str) -> str:
    return f"desk:bulk:{job_id}"


def _save(job: BulkJob) -> None:
    job.updated_at = timezone.now()
    cache.set(_key(job.job_id), job.as_dict(), KEEP_FOR)


def bulk_job_get(*, job_id: str, user: User) -> BulkJob | None:
    """The job if it exists and `user` started it (anyone else's is the same None)."""
    data = cache.get(_key(job_id))
    if not data or data.get("owner") != user.pk:
        return None
    job = BulkJob(
        job_id=job_id,
        owner_id=data["owner"],
        label=data["label"],
        outcome=BulkOutcome.from_dict(data["outcome"]),
        state=data["state"],
        updated_at=datetime.fromisoformat(data["updated_at"]),
    )
    if job.state == "running" and timezone.now() - job.updated_at > STALE_AFTER:
        job.state = "stopped"
    return job


def bulk_job_start(*, user: User, spec: QueueFilter, label: str) -> tuple[str, int]:
    """Record a new job for `user` and return its id and the newest id the walk may touch."""
    job = BulkJob(uuid.uuid4().hex, user.pk, label, BulkOutcome(), "running", timezone.now())
    _save(job)
    return job.job_id, queue_last_id(user=user, spec=spec)


def bulk_job_walk(
    *, job_id: str, user_id: int, query: str, action: BulkAction, until_id: int
) -> None:
    """Walk the filter `query` as user `user_id`, applying `action` batch by batch and
    saving the count after each batch. A user who is no longer an agent changes nothing."""
    user = get_user_model().objects.filter(pk=user_id).first()
    job = bulk_job_get(job_id=job_id, user=user) if user is not None else None
    if job is None or user is None:
        return
    spec = QueueFilter.from_query(QueryDict(query))
    after_id = 0
    while is_agent(user):
        ids = queue_ids_after(
            user=user, spec=spec, after_id=after_id, until_id=until_id, size=BATCH_SIZE
        )
        if not ids:
            break
        job.outcome.add(bulk_apply(user=user, ticket_ids=ids, action=action))
        after_id = ids[-1]
        _save(job)
    job.state = "done"
    _save(job)
