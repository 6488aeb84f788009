"""The reports' filter: a range of the organisation's days plus channel, team and agent,
read from and written back to the URL so a view can be bookmarked and shared."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, replace
from urllib.parse import urlencode

from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _

from tickets.choices import Channel

DEFAULT_DAYS = 30
MAX_DAYS = 366


class ReportFilterError(ValueError):
    """A filter the user typed (or a URL they were sent) that cannot be read; the message
    is meant for them."""


def org_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


@dataclass(frozen=True)
class ReportFilter:
    start: dt.date
    end: dt.date  # inclusive
    channel: str | None = None
    team_id: int | None = None
    agent_id: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00, end+1 00:00) as aware datetimes in the organisation's zone; a DST
        day is 23 or 25 hours long because each midnight is resolved in its own offset."""
        zone = org_zone()
        lower = dt.datetime.combine(self.start, dt.time.min, tzinfo=zone)
        upper = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        return lower, upper

    def previous(self) -> ReportFilter:
        """The same number of days just before, for "compared with the period before"."""
        length = dt.timedelta(days=self.days)
        return replace(self, start=self.start - length, end=self.end - length)

    def with_agent(self, agent_id: int | None) -> ReportFilter:
        return replace(self, agent_id=agent_id)

    @classmethod
    def default(cls, today: dt.date) -> ReportFilter:
        return cls(start=today - dt.timedelta(days=DEFAULT_DAYS - 1), end=today)

    @classmethod
    def from_query(cls, query: QueryDict, *, today: dt.date) -> ReportFilter:
        """Reads `from`, `to`, `channel`, `team` and `agent`; missing values fall back to
        the last 30 days ending today and no filter."""
        end = _date(query.get("to"), "to") or today
        start = _date(query.get("from"), "from") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if start > end:
            raise ReportFilterError(_("The start date must not be after the end date."))
        if (end - start).days + 1 > MAX_DAYS:
            raise ReportFilterError(
                _("The range may cover at most %(days)s days.") % {"days": MAX_DAYS}
            )
        channel = (query.get("channel") or "").strip() or None
        if channel is not None and channel not in Channel.values:
            raise ReportFilterError(_("Unknown channel: %(channel)s.") % {"channel": channel})
        return cls(
            start=start,
            end=end,
            channel=channel,
            team_id=_id(query.get("team"), "team"),
            agent_id=_id(query.get("agent"), "agent"),
        )

    def to_query(self) -> str:
        """The filter as a query string (without "?"), only the values that are set."""
        params: list[tuple[str, str]] = [
            ("from", self.start.isoformat()),
            ("to", self.end.isoformat()),
        ]
        if self.channel:
            params.append(("channel", self.channel))
        if self.team_id is not None:
            params.append(("team", str(self.team_id)))
        if self.agent_id is not None:
            params.append(("agent", str(self.agent_id)))
        return urlencode(params)


def _date(raw: str | None, name: str) -> dt.date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw) if len(raw) == 10 else _bad_date(name, raw)
    except ValueError:
        return _bad_date(name, raw)


def _bad_date(name: str, raw: str) -> dt.date:
    raise ReportFilterError(
        _("“%(value)s” is not a date for %(name)s; use YYYY-MM-DD.") % {"value": raw, "name": name}
    )


def _id(raw: str | None, name: str) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise ReportFilterError(
            _("“%(value)s” is not a number for %(name)s.") % {"value": raw, "name": name}
        )
    return int(raw)
