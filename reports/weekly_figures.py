"""The weekly summary's headline figures, each read from the figures functions (the same
numbers the reports page and the API show) for the week and the week before, then
formatted in the reader's language."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from reports.figures.backlog import backlog
from reports.figures.compliance import compliance
from reports.figures.response_times import response_times
from reports.figures.satisfaction import satisfaction
from reports.figures.volume import volume
from reports.filters import ReportFilter

DASH = "\u2013"  # an en dash: "no figure"

Value = float | None


@dataclass(frozen=True)
class Raw:
    """The figures of one period, unformatted (the same for every language)."""

    compliance: Value
    median_first_response: Value  # seconds, calendar time
    csat: Value
    nps: Value
    volume: Value
    backlog: Value  # now; None for the week before (no history of the backlog is kept)


@dataclass(frozen=True)
class Headline:
    label: str
    value: str  # last week, formatted
    previous: str  # the week before, formatted ("" when the figure has no "before")


def fmt_percent(value: Value) -> str:
    return DASH if value is None else f"{number_format(value, 1)} %"


def fmt_duration(seconds: Value) -> str:
    """A duration as "3 h 05 min" (or "45 min"): a manager reads a time, not a decimal."""
    if seconds is None:
        return DASH
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("%(minutes)s min") % {"minutes": minutes}
    return _("%(hours)s h %(minutes)02d min") % {"hours": minutes // 60, "minutes": minutes % 60}


def fmt_count(value: Value) -> str:
    return DASH if value is None else number_format(int(value), 0, force_grouping=True)


def fmt_score(value: Value) -> str:
    return DASH if value is None else number_format(value, 1)


def raw_figures(flt: ReportFilter, *, now: dt.datetime | None, with_backlog: bool) -> Raw:
    """Five queries (six with the backlog); for the system, so no viewer restriction."""
    scores = satisfaction(flt).overall
    return Raw(
        compliance=compliance(flt).first_response.percent,
        median_first_response=response_times(flt).overall.first_response_median_seconds,
        csat=scores.csat_percent,
        nps=scores.nps,
        volume=volume(flt).total,
        backlog=backlog(flt, now=now).total if with_backlog else None,
    )


# In the order the email lists them: label, the value's field, its format.
HEADLINES: list[tuple[Callable[[], str], str, Callable[[Value], str]]] = [
    (lambda: _("First-response SLA compliance"), "compliance", fmt_percent),
    (lambda: _("Median first response (calendar time)"), "median_first_response", fmt_duration),
    (lambda: _("CSAT (rated 4 or 5)"), "csat", fmt_percent),
    (lambda: _("NPS"), "nps", fmt_score),
    (lambda: _("New tickets"), "volume", fmt_count),
    (lambda: _("Backlog now"), "backlog", fmt_count),
]


def week_raw(flt: ReportFilter, *, now: dt.datetime | None = None) -> tuple[Raw, Raw]:
    """The week's figures and the week before's."""
    return (
        raw_figures(flt, now=now, with_backlog=True),
        raw_figures(flt.previous(), now=now, with_backlog=False),
    )


def headlines(week: Raw, before: Raw) -> list[Headline]:
    """The headlines in the active language."""
    lines = []
    for label, field, fmt in HEADLINES:
        previous: Value = getattr(before, field)
        lines.append(
            Headline(
                label=label(),
                value=fmt(getattr(week, field)),
                previous="" if field == "backlog" else fmt(previous),
            )
        )
    return lines
