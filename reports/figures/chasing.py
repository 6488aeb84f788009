"""The chasing rate: how often customers had to come back before a person answered."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from reports.figures.base import Viewer, percent, tickets_created
from reports.filters import ReportFilter


@dataclass(frozen=True)
class ChasingRate:
    tickets: int
    chased: int
    percent: float | None  # chased ÷ tickets, one decimal
    repeat_contacts: int  # all repeat contacts on those tickets


def chasing(f: ReportFilter, *, viewer: Viewer = None) -> ChasingRate:
    """Of the tickets created in the range, the share on which the customer wrote again
    before a person had answered their previous message (at least one repeat contact, as
    the desk counts chasing: automatic replies do not count as an answer). One query."""
    row = tickets_created(f, viewer=viewer).aggregate(
        tickets=Count("*"),
        chased=Count("pk", filter=Q(repeat_contacts__gt=0)),
        repeats=Sum("repeat_contacts", default=0),
    )
    return ChasingRate(
        tickets=row["tickets"],
        chased=row["chased"],
        percent=percent(row["chased"], row["tickets"]),
        repeat_contacts=row["repeats"],
    )
