"""Retention: closed tickets older than `PRIVACY_RETENTION_MONTHS` lose their personal text
(`scrub.tickets_anonymise`), a batch per transaction. Each ticket done is recorded
(`AnonymisedTicket`), so the sweep skips it next time and a run cut short resumes."""

from __future__ import annotations

import calendar
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from privacy.models import AnonymisedTicket
from privacy.services import scrub
from tickets.models import Status, Ticket

BATCH = 200


def retention_cutoff(*, now: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months back (the 31st becomes the month's
    last day)."""
    month_index = now.year * 12 + now.month - 1 - months
    year, month = divmod(month_index, 12)
    day = min(now.day, calendar.monthrange(year, month + 1)[1])
    return now.replace(year=year, month=month + 1, day=day)


def retention_sweep(
    *, now: datetime | None = None, months: int | None = None, batch: int = BATCH
) -> int:
    """Anonymise every due ticket; returns how many. Nothing when the setting is 0."""
    months = settings.PRIVACY_RETENTION_MONTHS if months is None else months
    if months <= 0:
        return 0
    cutoff = retention_cutoff(now=now or timezone.now(), months=months)
    total = 0
    while done := _retention_batch(cutoff=cutoff, batch=batch):
        total += done
    return total


@transaction.atomic
def _retention_batch(*, cutoff: datetime, batch: int) -> int:
    ids = list(
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(status=Status.CLOSED, closed_at__lt=cutoff, anonymised__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:batch]
    )
    if not ids:
        return 0
    scrub.erasure_mode()
    names = scrub.tickets_anonymise(ticket_ids=ids)
    AnonymisedTicket.objects.bulk_create(
        [AnonymisedTicket(ticket_id=pk, reason=AnonymisedTicket.Reason.RETENTION) for pk in ids],
        ignore_conflicts=True,
    )
    scrub.files_delete_on_commit(names)
    return len(ids)
