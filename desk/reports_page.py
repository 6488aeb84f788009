"""The reports page's content: the figures (`reports.figures`) of a filter and of the period
before, turned into tiles, tables and charts. A table is the same object on the page and in
its CSV (`reports.csv.Table`), so the two always agree; a count in a table carries the link
to exactly those tickets in the desk's queue."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

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

    text = number_format(value, decimal_pos=1 if value % 1 else 0)
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


def build(
    f: ReportFilter,
    *,
    viewer: User,
    business: bool,
    teams: Mapping[int, str],
    agents: Mapping[int, str],
) -> ReportPage:
    """Every figure of the page for `f`, and the headline ones for the period before: the
    same queries whatever the data."""
    page = ReportPage()
    before = f.previous()
    sla, sla_before = compliance(f, viewer=viewer), compliance(before, viewer=viewer)
    times, times_before = response_times(f, viewer=viewer), response_times(before, viewer=viewer)
    risk, risk_before = sla_now(f, viewer=viewer), sla_now(before, viewer=viewer)
    happy, happy_before = satisfaction(f, viewer=viewer), satisfaction(before, viewer=viewer)
    queue, new = backlog(f, viewer=viewer), volume(f, viewer=viewer)
    link = queue_link

    page.add(tables.compliance_table(sla))
    page.add(tables.response_table(times, business=business))
    page.add(tables.resolution_table(times))
    page.add(tables.acknowledged_table(times, business=business))
    backlog_query = f.with_agent(f.agent_id).to_query() + "&list=backlog"
    for table in tables.backlog_tables(
        queue, link=lambda status="": link(backlog_query, view="all", status=status)
    ):
        page.add(table)
    page.add(tables.sla_now_table(risk, link=link))
    page.add(tables.volume_table(new))
    page.add(tables.chasing_table(chasing(f, viewer=viewer)))
    for table in tables.satisfaction_tables(happy, teams=teams, agents=agents):
        page.add(table)
    page.add(tables.forecast_table(forecast(f, viewer=viewer)))
    page.charts["first_response"] = tables.response_chart(times, business=business)
    page.charts["volume"] = tables.volume_chart(new)

    page.tiles += [
        tile(
            _("First-response compliance"),
            sla.first_response.percent,
            sla_before.first_response.percent,
            unit=" %",
            change_unit=" " + _("points"),
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
            change_unit=" " + _("points"),
        ),
        tile(_("NPS"), happy.overall.nps, happy_before.overall.nps),
        Tile(
            label=_("Backlog now"),
            value=number(queue.total),
            link=link(backlog_query, view="all"),
            note=_("unresolved tickets"),
        ),
        tile(
            _("Breached in the range"),
            risk.breached_tickets,
            risk_before.breached_tickets,
            higher_is_better=False,
            link=link(risk.breached_query, view="all"),
        ),
    ]
    return page
