"""CSAT and NPS per channel, team and agent, with the latest comments."""

from __future__ import annotations

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
# group → (CSAT answer field, NPS answer field, label field on the CSAT answer)
_GROUPS = {
    "channel": ("ticket__channel", "survey__ticket__channel", "ticket__channel"),
    "team": ("ticket__team_id", "survey__ticket__team_id", "ticket__team__name"),
    "agent": ("agent_id", "survey__agent_id", "agent__username"),
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


def _grouped(
    group: str, csat: QuerySet[SurveyAnswer], nps: QuerySet[NpsAnswer]
) -> tuple[Score, ...]:
    csat_field, nps_field, label_field = _GROUPS[group]
    empty_csat, empty_nps = (
        {"answers": 0, "good": 0},
        {"answers": 0, "promoters": 0, "detractors": 0},
    )
    csat_rows = {
        row[csat_field]: row
        for row in csat.values(csat_field, label_field).annotate(**_CSAT).order_by()
    }
    nps_rows = {row[nps_field]: row for row in nps.values(nps_field).annotate(**_NPS).order_by()}
    keys = sorted(set(csat_rows) | set(nps_rows), key=lambda key: (key is None, str(key)))
    return tuple(
        _score(
            key,
            str((csat_rows.get(key) or {}).get(label_field) or key or ""),
            csat_rows.get(key, empty_csat),
            nps_rows.get(key, empty_nps),
        )
        for key in keys
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
    belongs to a ticket and is left out. Ten queries."""
    csat, nps = _answers(f, viewer)
    overall = _score(None, "", csat.aggregate(**_CSAT), nps.aggregate(**_NPS))
    return Satisfaction(
        overall=overall,
        per_channel=_grouped("channel", csat, nps),
        per_team=_grouped("team", csat, nps),
        per_agent=_grouped("agent", csat, nps),
        latest_comments=_comments(csat, nps),
    )
