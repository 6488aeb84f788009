"""Click-through from a count to its tickets: the query strings the figures hand out
(`SlaNow.at_risk_query`, `SlaNow.breached_query`) read back as a condition on tickets, so
the desk lists exactly the tickets behind the count."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q
from django.http import QueryDict

from reports.figures.base import ticket_scope
from reports.figures.sla_now import AT_RISK, BREACHED, at_risk_condition, breached_condition
from reports.filters import ReportFilter

LISTS = (AT_RISK, BREACHED)


def drilldown_condition(query: QueryDict, *, now: datetime, today: date) -> Q | None:
    """The tickets a drill-down query names (the filter's channel, team and agent plus
    `list=at_risk` or `list=breached`), or None when the query names no list. The caller
    adds the viewer's own visibility rule (the desk's ticket list does). Raises
    `ReportFilterError` for a filter that cannot be read."""
    kind = query.get("list")
    if kind not in LISTS:
        return None
    f = ReportFilter.from_query(query, today=today)
    condition = ticket_scope(f, viewer=None)
    if kind == AT_RISK:
        return condition & at_risk_condition(now)
    return condition & breached_condition(f)
