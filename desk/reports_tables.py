"""The reports page's tables and charts, one builder per group of figures. Each table is
what the page shows and what its CSV holds; `link` makes a count's desk link (empty when
the desk's list cannot show exactly those tickets)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.translation import gettext as _

from desk.queues import STATUS_LABELS
from reports.charts import Series, bar_chart, line_chart
from reports.csv import Cell, Table
from reports.figures.backlog import AGE_BANDS, Backlog
from reports.figures.chasing import ChasingRate
from reports.figures.compliance import Compliance, MetricCompliance
from reports.figures.forecast import Forecast
from reports.figures.response_times import ResponseTimes, ResponseTimesReport
from reports.figures.satisfaction import Satisfaction, Score
from reports.figures.sla_now import SlaNow
from reports.figures.volume import Volume
from tickets.choices import Channel

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

Link = Callable[..., str]


def in_hours(seconds: float | None) -> float | None:
    """Seconds as hours with two decimals, as the tables and the CSV show durations."""
    return None if seconds is None else round(seconds / 3600, 2)


def first_median(one: ResponseTimes, *, business: bool) -> float | None:
    return in_hours(
        one.first_response_business_median_seconds
        if business
        else one.first_response_median_seconds
    )


def first_p90(one: ResponseTimes, *, business: bool) -> float | None:
    return in_hours(
        one.first_response_business_p90_seconds if business else one.first_response_p90_seconds
    )


def ticket_link(ticket_id: int) -> str:
    return reverse("desk:ticket", args=[ticket_id])


def channel_label(value: str | None) -> str:
    if value is None:
        return _("All channels")
    labels: dict[str, str] = {
        Channel.EMAIL: _("Email"),
        Channel.WEB: _("Web form"),
        Channel.CHAT: _("Live chat"),
        Channel.PHONE: _("Phone"),
        Channel.FACEBOOK: "Facebook Messenger",
        Channel.INSTAGRAM: "Instagram",
        Channel.WHATSAPP: "WhatsApp",
        Channel.X: "X",
    }
    return str(labels.get(value, value))


def _compliance_rows(figures: Compliance) -> list[tuple[str, MetricCompliance]]:
    return [
        (_("First response"), figures.first_response),
        (_("Next response"), figures.next_response),
    ]


def compliance_table(figures: Compliance) -> Table:
    rows: list[list[Cell]] = [
        [name, one.due, one.met_in_time, one.met_late, one.still_open, one.stopped, one.percent]
        for name, one in _compliance_rows(figures)
    ]
    headers = [
        _("Promise"),
        _("Due in range"),
        _("Met in time"),
        _("Met late"),
        _("Still open"),
        _("Stopped without a reply"),
        _("Compliance %"),
    ]
    return Table("sla_compliance", _("SLA compliance"), headers, rows)


def response_table(report: ResponseTimesReport, *, business: bool) -> Table:
    def cells(one: ResponseTimes) -> list[Cell]:
        median = (
            in_hours(one.first_response_business_median_seconds)
            if business
            else in_hours(one.first_response_median_seconds)
        )
        p90 = (
            in_hours(one.first_response_business_p90_seconds)
            if business
            else in_hours(one.first_response_p90_seconds)
        )
        return [channel_label(one.channel), one.tickets, one.answered, median, p90]

    rows = [cells(one) for one in report.per_channel] + [cells(report.overall)]
    headers = [
        _("Channel"),
        _("Tickets created"),
        _("Answered by a person"),
        _("Median (hours)"),
        _("90th percentile (hours)"),
    ]
    caption = (
        _("First response in business hours") if business else _("First response in calendar hours")
    )
    return Table("first_response", caption, headers, rows)


def acknowledged_table(report: ResponseTimesReport, *, business: bool) -> Table:
    """Acknowledged and answered side by side (the acknowledgement is timed in calendar
    hours only; the column says so)."""

    def cells(one: ResponseTimes) -> list[Cell]:
        median = (
            in_hours(one.first_response_business_median_seconds)
            if business
            else in_hours(one.first_response_median_seconds)
        )
        return [
            channel_label(one.channel),
            one.acknowledged,
            in_hours(one.acknowledged_median_seconds),
            one.answered,
            median,
        ]

    rows = [cells(one) for one in report.per_channel] + [cells(report.overall)]
    answered = (
        _("Median first human reply (business hours)")
        if business
        else _("Median first human reply (calendar hours)")
    )
    headers = [
        _("Channel"),
        _("Acknowledged"),
        _("Median acknowledgement (calendar hours)"),
        _("Answered by a person"),
        answered,
    ]
    return Table("acknowledged_answered", _("Acknowledged vs answered by a person"), headers, rows)


def resolution_table(report: ResponseTimesReport) -> Table:
    rows: list[list[Cell]] = [
        [
            channel_label(one.channel),
            one.tickets,
            one.solved,
            in_hours(one.resolution_median_seconds),
            in_hours(one.resolution_p90_seconds),
        ]
        for one in [*report.per_channel, report.overall]
    ]
    headers = [
        _("Channel"),
        _("Tickets created"),
        _("Solved so far"),
        _("Median (calendar hours)"),
        _("90th percentile (calendar hours)"),
    ]
    return Table("resolution", _("Resolution time"), headers, rows)


def response_chart(report: ResponseTimesReport, *, business: bool) -> SafeString:
    labels = [channel_label(one.channel) for one in report.per_channel]
    medians = [
        in_hours(one.first_response_business_median_seconds)
        if business
        else in_hours(one.first_response_median_seconds)
        for one in report.per_channel
    ]
    p90s = [
        in_hours(one.first_response_business_p90_seconds)
        if business
        else in_hours(one.first_response_p90_seconds)
        for one in report.per_channel
    ]
    unit = _("business hours") if business else _("calendar hours")
    return bar_chart(
        label=_("First response per channel, median and 90th percentile, in %(unit)s")
        % {"unit": unit},
        x_labels=labels,
        series=[Series(_("Median"), medians), Series(_("90th percentile"), p90s)],
        y_title=unit,
    )


AGE_LABELS: dict[str, Callable[[], str]] = {
    "under_1_day": lambda: _("Under 1 day"),
    "1_to_3_days": lambda: _("1 to 3 days"),
    "3_to_7_days": lambda: _("3 to 7 days"),
    "over_7_days": lambda: _("Over 7 days"),
}


def backlog_tables(figures: Backlog, *, link: Callable[..., str]) -> tuple[Table, Table]:
    status_rows: list[list[Cell]] = [
        [str(STATUS_LABELS.get(status, status)), count]
        for status, count in figures.by_status.items()
    ]
    status_links = [["", link(status=status)] for status in figures.by_status]
    status_rows.append([_("All unresolved"), figures.total])
    status_links.append(["", link()])
    by_status = Table(
        "backlog_status",
        _("Backlog now by status"),
        [_("Status"), _("Tickets")],
        status_rows,
        status_links,
    )
    age_rows: list[list[Cell]] = [
        [AGE_LABELS[key](), figures.by_age[key]] for key, _lower, _upper in AGE_BANDS
    ]
    by_age = Table("backlog_age", _("Backlog now by age"), [_("Age"), _("Tickets")], age_rows)
    return by_status, by_age


def volume_table(figures: Volume) -> Table:
    channels = list(figures.per_channel)
    headers = [_("Day"), *[channel_label(c) for c in channels], _("All channels")]
    rows: list[list[Cell]] = [
        [day, *[figures.per_channel[c][index] for c in channels], figures.per_day[index]]
        for index, day in enumerate(figures.days)
    ]
    return Table("volume", _("New tickets per channel per day"), headers, rows)


def volume_chart(figures: Volume) -> SafeString:
    from django.utils.formats import date_format

    return line_chart(
        label=_("New tickets per day, one line per channel, %(start)s to %(end)s")
        % {
            "start": date_format(figures.days[0], "SHORT_DATE_FORMAT"),
            "end": date_format(figures.days[-1], "SHORT_DATE_FORMAT"),
        },
        x_labels=[date_format(day, "j M") for day in figures.days],
        series=[Series(channel_label(c), list(v)) for c, v in figures.per_channel.items()],
        y_title=_("tickets"),
    )


def sla_now_table(figures: SlaNow, *, link: Link) -> Table:
    rows: list[list[Cell]] = [
        [_("At risk now"), figures.at_risk_now, None],
        [_("Breached in the range"), figures.breached_tickets, figures.breached_timers],
    ]
    links = [
        ["", link(figures.at_risk_query, view="all"), ""],
        ["", link(figures.breached_query, view="all"), ""],
    ]
    headers = [_("Figure"), _("Tickets"), _("Promises broken")]
    return Table(
        "at_risk_breached", _("At risk now and breached in the range"), headers, rows, links
    )


def chasing_table(figures: ChasingRate) -> Table:
    headers = [
        _("Tickets created"),
        _("Chased (customer came back before a person answered)"),
        _("Chasing rate %"),
        _("Repeat contacts"),
    ]
    rows: list[list[Cell]] = [
        [figures.tickets, figures.chased, figures.percent, figures.repeat_contacts]
    ]
    return Table("chasing", _("Chasing rate"), headers, rows)


def _score_rows(scores: tuple[Score, ...], label: Callable[[Score], str]) -> list[list[Cell]]:
    return [
        [label(one), one.csat_answers, one.csat_percent, one.nps_answers, one.nps] for one in scores
    ]


def satisfaction_tables(
    figures: Satisfaction, *, teams: Mapping[int, str], agents: Mapping[int, str]
) -> list[Table]:
    headers = [_("CSAT answers"), _("CSAT %"), _("NPS answers"), _("NPS")]
    groups: list[tuple[str, str, str, tuple[Score, ...], Callable[[Score], str]]] = [
        (
            "satisfaction_channel",
            _("Satisfaction per channel"),
            _("Channel"),
            figures.per_channel,
            lambda one: channel_label(str(one.key)),
        ),
        (
            "satisfaction_team",
            _("Satisfaction per team"),
            _("Team"),
            figures.per_team,
            lambda one: teams.get(one.key, one.label) if isinstance(one.key, int) else _("No team"),
        ),
        (
            "satisfaction_agent",
            _("Satisfaction per agent (who solved the ticket)"),
            _("Agent"),
            figures.per_agent,
            lambda one: agents.get(one.key, one.label) if isinstance(one.key, int) else _("Nobody"),
        ),
    ]
    tables = [
        Table(name, caption, [first, *headers], _score_rows(scores, label))
        for name, caption, first, scores, label in groups
    ]
    tables.append(_comments_table(figures, agents=agents))
    return tables


def _comments_table(figures: Satisfaction, *, agents: Mapping[int, str]) -> Table:
    return Table(
        "satisfaction_comments",
        _("Latest comments"),
        [_("Comment"), _("Score"), _("Survey"), _("Agent"), _("Ticket"), _("Answered")],
        [
            [
                one.comment,
                one.score,
                "CSAT (1-5)" if one.kind == "csat" else "NPS (0-10)",
                agents.get(one.agent_id, "") if one.agent_id is not None else "",
                one.ticket_id,
                one.answered_at,
            ]
            for one in figures.latest_comments
        ],
        [
            ["", "", "", "", ticket_link(one.ticket_id) if one.ticket_id else "", ""]
            for one in figures.latest_comments
        ],
    )


def forecast_table(figures: Forecast) -> Table:
    rows: list[list[Cell]] = [
        [one.team or _("No team"), one.within_4h, one.within_24h] for one in figures.per_team
    ]
    rows.append([_("All teams"), figures.within_4h, figures.within_24h])
    headers = [_("Team"), _("Within 4 hours"), _("Within 24 hours")]
    return Table("breach_forecast", _("Breach forecast"), headers, rows)
