"""The reports page's content: the figures (`reports.figures`) of a filter and of the period
before, turned into tiles, tables and charts. A table is the same object on the page and in
its CSV (`reports.csv.Table`), so the two always agree; a count in a table carries the link
to exactly those tickets in the desk's queue."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _

from desk import reports_tables as tables
from reports.csv import Table
from reports.figures.backlog import backlog
from reports.figures.chasing import chasing
from reports.figures.compliance import compliance
from reports.figures.forecast import forecast
from reports.figures.response_times import ResponseTimesReport, response_times
from reports.figures.satisfaction import satisfaction
from reports.figures.sla_now import sla_now
from reports.figures.volume import volume

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

    from helpdesk.roles import User
    from reports.filters import ReportFilter

HOURS_CHOICES = ("business", "calendar")


@dataclass(frozen=True)
class Tile:
    """A headline figure with the period before and the change. `better` is True when the
    change is good news, False when bad, None when unchanged or not comparable."""

    label: str
    value: str
    previous: str = ""
    change: str = ""
    better: bool | None = None
    link: str = ""
    note: str = ""


@dataclass
class ReportPage:
    tiles: list[Tile] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    charts: dict[str, SafeString] = field(default_factory=dict)

    def add(self, table: Table) -> None:
        self.tables[table.name] = table


def number(value: float | None, unit: str = "") -> str:
    """A figure as a tile shows it; a dash for a figure of no tickets."""
    if value is None:
        return "\u2013"
    from django.utils.formats import number_format

    # As the tables show it (up to two decimals: 1.75 h stays 1.75, not a rounded 1.8).
    value = round(value, 2)
    text = number_format(value, decimal_pos=None if value % 1 else 0)
    return f"{text}{unit}"


def _change(
    now: float | None, before: float | None, *, higher_is_better: bool, unit: str
) -> tuple[str, bool | None]:
    if now is None or before is None:
        return "", None
    delta = round(now - before, 2)
    if delta == 0:
        return _("no change"), None
    sign = "+" if delta > 0 else "\u2212"
    return f"{sign}{number(abs(delta), unit)}", (delta > 0) == higher_is_better


def tile(
    label: str,
    now: float | None,
    before: float | None,
    *,
    unit: str = "",
    change_unit: str = "",
    higher_is_better: bool = True,
    link: str = "",
    note: str = "",
) -> Tile:
    change, better = _change(now, before, higher_is_better=higher_is_better, unit=change_unit)
    return Tile(
        label=label,
        value=number(now, unit),
        previous=number(before, unit),
        change=change,
        better=better,
        link=link,
        note=note,
    )


def queue_link(query: str = "", **params: str) -> str:
    """A list in the desk: a drill-down query of the figures (`list=breached&from=…`) or
    the queue's own parameters (`view=all&status=open`)."""
    from urllib.parse import urlencode

    extra = urlencode({key: value for key, value in params.items() if value})
    return reverse("desk:queue") + "?" + "&".join(part for part in (query, extra) if part)


def _median(report: ResponseTimesReport, *, business: bool) -> float | None:
    return tables.first_median(report.overall, business=business)


@dataclass(frozen=True)
class Scope:
    """What every group of the page is built for."""

    f: ReportFilter
    viewer: User
    business: bool
    teams: Mapping[int, str]
    agents: Mapping[int, str]

    def backlog_link(self, status: str = "") -> str:
        query = self.f.to_query() + "&list=backlog"
        return queue_link(query, view="all", status=status)


Compute = Callable[[Scope], Any]
Tabulate = Callable[[Scope, Any], list[Table]]

# Group → (its tables' names, how its figures are computed, how they become tables). The
# page computes every group; a table's CSV only its own group.
GROUPS: dict[str, tuple[tuple[str, ...], Compute, Tabulate]] = {
    "compliance": (
        ("sla_compliance",),
        lambda s: compliance(s.f, viewer=s.viewer),
        lambda s, x: [tables.compliance_table(x)],
    ),
    "response_times": (
        ("first_response", "resolution", "acknowledged_answered"),
        lambda s: response_times(s.f, viewer=s.viewer),
        lambda s, x: [
            tables.response_table(x, business=s.business),
            tables.resolution_table(x),
            tables.acknowledged_table(x, business=s.business),
        ],
    ),
    "sla_now": (
        ("at_risk_breached",),
        lambda s: sla_now(s.f, viewer=s.viewer),
        lambda s, x: [tables.sla_now_table(x, link=queue_link)],
    ),
    "backlog": (
        ("backlog_status", "backlog_age"),
        lambda s: backlog(s.f, viewer=s.viewer),
        lambda s, x: list(tables.backlog_tables(x, link=s.backlog_link)),
    ),
    "forecast": (
        ("breach_forecast",),
        lambda s: forecast(s.f, viewer=s.viewer),
        lambda s, x: [tables.forecast_table(x)],
    ),
    "volume": (
        ("volume",),
        lambda s: volume(s.f, viewer=s.viewer),
        lambda s, x: [tables.volume_table(x)],
    ),
    "chasing": (
        ("chasing",),
        lambda s: chasing(s.f, viewer=s.viewer),
        lambda s, x: [tables.chasing_table(x)],
    ),
    "satisfaction": (
        (
            "satisfaction_channel",
            "satisfaction_team",
            "satisfaction_agent",
            "satisfaction_comments",
        ),
        lambda s: satisfaction(s.f, viewer=s.viewer),
        lambda s, x: tables.satisfaction_tables(x, teams=s.teams, agents=s.agents),
    ),
}
TABLE_NAMES = tuple(name for names, _compute, _tabulate in GROUPS.values() for name in names)


def one_table(name: str, scope: Scope) -> Table | None:
    """One table for its CSV: only its own group's queries."""
    for names, compute, tabulate in GROUPS.values():
        if name in names:
            return next(t for t in tabulate(scope, compute(scope)) if t.name == name)
    return None


def build(scope: Scope) -> ReportPage:
    """Every figure of the page, and the headline ones for the period before: the same
    queries whatever the data."""
    page = ReportPage()
    figures = {group: compute(scope) for group, (_names, compute, _tab) in GROUPS.items()}
    for group, (_names, _compute, tabulate) in GROUPS.items():
        for table in tabulate(scope, figures[group]):
            page.add(table)
    times, new = figures["response_times"], figures["volume"]
    page.charts["first_response"] = tables.response_chart(times, business=scope.business)
    page.charts["volume"] = tables.volume_chart(new)
    page.tiles += _tiles(scope, figures)
    return page


# The period before changes little (its days are over), and recomputing it doubled the
# page's cost at a million tickets: kept this long per filter and viewer.
PREVIOUS_SECONDS = 10 * 60


def _previous(scope: Scope, group: str, compute: Callable[..., Any]) -> Any:
    from django.core.cache import cache

    before = scope.f.previous()
    key = f"reports:previous:v1:{group}:{scope.viewer.pk}:{before.to_query()}"
    figures = cache.get(key)
    if figures is None:
        figures = compute(before, viewer=scope.viewer)
        cache.set(key, figures, PREVIOUS_SECONDS)
    return figures


def _tiles(scope: Scope, now: dict[str, Any]) -> list[Tile]:
    business = scope.business
    sla, sla_before = now["compliance"], _previous(scope, "compliance", compliance)
    times, times_before = now["response_times"], _previous(scope, "times", response_times)
    risk, risk_before = now["sla_now"], _previous(scope, "sla_now", sla_now)
    happy, happy_before = now["satisfaction"], _previous(scope, "satisfaction", satisfaction)
    points = " " + _("points")
    return [
        tile(
            _("First-response compliance"),
            sla.first_response.percent,
            sla_before.first_response.percent,
            unit=" %",
            change_unit=points,
        ),
        tile(
            _("Median first response"),
            _median(times, business=business),
            _median(times_before, business=business),
            unit=" h",
            change_unit=" h",
            higher_is_better=False,
            note=_("business hours") if business else _("calendar hours"),
        ),
        tile(
            _("CSAT"),
            happy.overall.csat_percent,
            happy_before.overall.csat_percent,
            unit=" %",
            change_unit=points,
        ),
        tile(_("NPS"), happy.overall.nps, happy_before.overall.nps),
        Tile(
            label=_("Backlog now"),
            value=number(now["backlog"].total),
            link=scope.backlog_link(),
            note=_("unresolved tickets"),
        ),
        tile(
            _("Breached in the range"),
            risk.breached_tickets,
            risk_before.breached_tickets,
            higher_is_better=False,
            link=queue_link(risk.breached_query, view="all"),
        ),
    ]
