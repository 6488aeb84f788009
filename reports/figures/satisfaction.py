"""CSAT and NPS per channel, team and agent, with the latest comments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from reports.figures.base import Viewer, percent, ticket_scope
from reports.filters import ReportFilter
from surveys.models import NpsAnswer, SurveyAnswer

LATEST_COMMENTS = 10


@dataclass(frozen=True)
class Score:
    """CSAT and NPS of one group (key None: everything in the filter)."""

    key: int | str | None  # channel, team id or agent id
    label: str
    csat_answers: int
    satisfied: int  # ratings 4-5
    csat_percent: float | None
    nps_answers: int
    promoters: int  # 9-10
    detractors: int  # 0-6
    nps: float | None


@dataclass(frozen=True)
class Comment:
    kind: str  # "csat" | "nps"
    ticket_id: int | None
    score: int  # rating 1-5 or NPS 0-10
    comment: str
    agent_id: int | None
    answered_at: datetime


@dataclass(frozen=True)
class Satisfaction:
    overall: Score
    per_channel: tuple[Score, ...]
    per_team: tuple[Score, ...]
    per_agent: tuple[Score, ...]
    latest_comments: tuple[Comment, ...]


_CSAT = {"answers": Count("*"), "good": Count("pk", filter=Q(rating__gte=4))}
_NPS = {
    "answers": Count("*"),
    "promoters": Count("pk", filter=Q(score__gte=9)),
    "detractors": Count("pk", filter=Q(score__lte=6)),
}
# The answer fields of the three groupings: (CSAT answer field, NPS answer field).
_KEYS = {
    "channel": ("ticket__channel", "survey__ticket__channel"),
    "team": ("ticket__team_id", "survey__ticket__team_id"),
    "agent": ("agent_id", "survey__agent_id"),
}


def _answers(f: ReportFilter, viewer: Viewer) -> tuple[QuerySet[SurveyAnswer], QuerySet[NpsAnswer]]:
    lower, upper = f.bounds()
    agentless = f.with_agent(None)
    csat = SurveyAnswer.objects.filter(
        ticket_scope(agentless, viewer=viewer, prefix="ticket__"),
        answered_at__gte=lower,
        answered_at__lt=upper,
    )
    nps = NpsAnswer.objects.filter(
        ticket_scope(agentless, viewer=viewer, prefix="survey__ticket__"),
        answered_at__gte=lower,
        answered_at__lt=upper,
    )
    if f.agent_id is not None:
        csat, nps = csat.filter(agent_id=f.agent_id), nps.filter(survey__agent_id=f.agent_id)
    return csat, nps


def _score(key: Any, label: str, csat: dict[str, int], nps: dict[str, int]) -> Score:
    return Score(
        key=key,
        label=label,
        csat_answers=csat["answers"],
        satisfied=csat["good"],
        csat_percent=percent(csat["good"], csat["answers"]),
        nps_answers=nps["answers"],
        promoters=nps["promoters"],
        detractors=nps["detractors"],
        nps=percent(nps["promoters"] - nps["detractors"], nps["answers"]),
    )


type _Counts = dict[tuple[Any, Any, Any], dict[str, int]]


def _counted(csat: QuerySet[SurveyAnswer], nps: QuerySet[NpsAnswer]) -> tuple[_Counts, _Counts]:
    """The counts per (channel, team, agent), one query each for CSAT and NPS: the overall
    figure and each grouping are sums of these (counts add up; a grouping per query cost
    eight passes over the range's answers at a million tickets)."""
    csat_keys = [field for field, _nps in _KEYS.values()]
    nps_keys = [field for _csat, field in _KEYS.values()]
    csat_rows = csat.values(*csat_keys).annotate(**_CSAT).order_by()
    nps_rows = nps.values(*nps_keys).annotate(**_NPS).order_by()
    return (
        {tuple(row[key] for key in csat_keys): row for row in csat_rows},
        {tuple(row[key] for key in nps_keys): row for row in nps_rows},
    )


def _sum(rows: _Counts, position: int | None, names: tuple[str, ...]) -> dict[Any, dict[str, int]]:
    """Counts summed per key at `position` of the row key (None: everything in one)."""
    sums: dict[Any, dict[str, int]] = {}
    for key, row in rows.items():
        group = sums.setdefault(
            None if position is None else key[position], dict.fromkeys(names, 0)
        )
        for name in names:
            group[name] += row[name]
    return sums


def _grouped(
    position: int, csat: _Counts, nps: _Counts, labels: Mapping[Any, str]
) -> tuple[Score, ...]:
    csat_sums = _sum(csat, position, tuple(_CSAT))
    nps_sums = _sum(nps, position, tuple(_NPS))
    empty_csat, empty_nps = dict.fromkeys(_CSAT, 0), dict.fromkeys(_NPS, 0)
    keys = sorted(set(csat_sums) | set(nps_sums), key=lambda key: (key is None, str(key)))
    return tuple(
        _score(
            key,
            labels.get(key) or str(key or ""),
            csat_sums.get(key, empty_csat),
            nps_sums.get(key, empty_nps),
        )
        for key in keys
    )


def _labels(csat: _Counts, nps: _Counts) -> tuple[dict[Any, str], dict[Any, str]]:
    """Team names and agent usernames of the keys that occur (two small lookups)."""
    from django.contrib.auth import get_user_model

    from tickets.models import Team

    teams = {key[1] for key in (*csat, *nps) if key[1] is not None}
    agents = {key[2] for key in (*csat, *nps) if key[2] is not None}
    return (
        dict(Team.objects.filter(pk__in=teams).values_list("pk", "name")) if teams else {},
        dict(get_user_model().objects.filter(pk__in=agents).values_list("pk", "username"))
        if agents
        else {},
    )


def _comments(csat: QuerySet[SurveyAnswer], nps: QuerySet[NpsAnswer]) -> tuple[Comment, ...]:
    newest_csat = csat.exclude(comment="").order_by("-answered_at", "-id")[:LATEST_COMMENTS]
    newest_nps = nps.exclude(comment="").order_by("-answered_at", "-id")[:LATEST_COMMENTS]
    comments = [
        Comment("csat", a.ticket_id, a.rating, a.comment, a.agent_id, a.answered_at)
        for a in newest_csat.only("ticket_id", "rating", "comment", "agent_id", "answered_at")
    ] + [
        Comment(
            "nps",
            n.survey.ticket_id if n.survey else None,
            n.score,
            n.comment,
            n.survey.agent_id if n.survey else None,
            n.answered_at,
        )
        for n in newest_nps.select_related("survey").only(
            "score", "comment", "answered_at", "survey__ticket_id", "survey__agent_id"
        )
    ]
    comments.sort(key=lambda comment: comment.answered_at, reverse=True)
    return tuple(comments[:LATEST_COMMENTS])


def satisfaction(f: ReportFilter, *, viewer: Viewer = None) -> Satisfaction:
    """Survey answers given on a day of the range. CSAT %: share of ratings 4 or 5 among
    the ratings (1-5). NPS: % promoters (9-10) minus % detractors (0-6), -100 to 100 (the
    formulas of the survey figures, surveys.selectors). Per channel and team of the
    ticket, and per agent who solved it: the answer is credited to them. The ten latest
    comments, CSAT and NPS together. An NPS answer whose survey was deleted no longer
    belongs to a ticket and is left out. Two to six queries."""
    csat, nps = _answers(f, viewer)
    csat_counts, nps_counts = _counted(csat, nps)
    teams, agents = _labels(csat_counts, nps_counts)
    total_csat = _sum(csat_counts, None, tuple(_CSAT)).get(None, dict.fromkeys(_CSAT, 0))
    total_nps = _sum(nps_counts, None, tuple(_NPS)).get(None, dict.fromkeys(_NPS, 0))
    return Satisfaction(
        overall=_score(None, "", total_csat, total_nps),
        per_channel=_grouped(0, csat_counts, nps_counts, {}),
        per_team=_grouped(1, csat_counts, nps_counts, teams),
        per_agent=_grouped(2, csat_counts, nps_counts, agents),
        latest_comments=_comments(csat, nps),
    )
