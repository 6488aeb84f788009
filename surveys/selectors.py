"""Reads for surveys: the settings in force, the wording in a language, open recoveries, and
the figures (CSAT %, NPS) managers read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, override

from surveys.models import (
    DEFAULT_DELAY_MINUTES,
    DEFAULT_DELAY_MINUTES_BY_CHANNEL,
    NpsAnswer,
    Survey,
    SurveyAnswer,
    SurveySettings,
)

LANGUAGES = ("en", "nl", "pl")
SETTINGS_PK = 1


def survey_settings() -> SurveySettings:
    """The settings row (migration 0002 creates it); unsaved defaults if someone deleted it."""
    found = (
        SurveySettings.objects.prefetch_related("channel_settings", "wordings")
        .filter(pk=SETTINGS_PK)
        .first()
    )
    return found or SurveySettings(pk=SETTINGS_PK)


@dataclass(frozen=True)
class ChannelRule:
    enabled: bool
    delay: timedelta


def channel_rule(config: SurveySettings, channel: str) -> ChannelRule:
    """On/off and delay for a channel; a channel without a row keeps the defaults (on; 1 h
    for chat, 24 h for the others)."""
    rows = list(config.channel_settings.all()) if config.pk and not config._state.adding else []
    for row in rows:
        if row.channel == channel:
            return ChannelRule(row.enabled, timedelta(minutes=row.delay_minutes))
    minutes = DEFAULT_DELAY_MINUTES_BY_CHANNEL.get(channel, DEFAULT_DELAY_MINUTES)
    return ChannelRule(True, timedelta(minutes=minutes))


def customer_language(language: str) -> str:
    """en, nl or pl from a customer's `language` ("nl-BE" → nl); anything else is English."""
    code = (language or "").lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else "en"


@dataclass(frozen=True)
class Wording:
    question: str
    intro: str
    thanks: str
    nps_question: str
    labels: dict[int, str]


def wording(config: SurveySettings, language: str) -> Wording:
    """The texts in `language`: a manager's override where one is set, else the translation."""
    with override(language):
        default = Wording(
            question=gettext("How satisfied are you with how we handled your request?"),
            intro=gettext("We recently solved your request. Would you tell us how it went?"),
            thanks=gettext("Thank you for your feedback!"),
            nps_question=gettext(
                "How likely are you to recommend us to a friend or colleague? (0-10)"
            ),
            labels={
                1: gettext("Very dissatisfied"),
                2: gettext("Dissatisfied"),
                3: gettext("Neutral"),
                4: gettext("Satisfied"),
                5: gettext("Very satisfied"),
            },
        )
    rows = list(config.wordings.all()) if config.pk and not config._state.adding else []
    own = next((row for row in rows if row.language == language), None)
    if own is None:
        return default
    return Wording(
        question=own.question or default.question,
        intro=own.intro or default.intro,
        thanks=own.thanks or default.thanks,
        nps_question=own.nps_question or default.nps_question,
        labels=default.labels,
    )


def nps_due(*, customer_id: int, interval_days: int, now: datetime | None = None) -> bool:
    """True when the customer gave no NPS answer in the last `interval_days`."""
    since = (now or timezone.now()) - timedelta(days=interval_days)
    return not NpsAnswer.objects.filter(customer_id=customer_id, answered_at__gt=since).exists()


def survey_for_token(*, survey_id: int, nonce: str) -> Survey | None:
    return (
        Survey.objects.select_related("ticket", "customer")
        .filter(pk=survey_id, nonce=nonce)
        .first()
    )


def answer_of(*, survey: Survey) -> SurveyAnswer | None:
    return SurveyAnswer.objects.filter(survey=survey).first()


def nps_given(*, survey: Survey) -> bool:
    return NpsAnswer.objects.filter(survey=survey).exists()


def answer_get(*, answer_id: int) -> SurveyAnswer | None:
    return (
        SurveyAnswer.objects.select_related("ticket", "customer", "agent", "team")
        .filter(pk=answer_id)
        .first()
    )


def recoveries_open(*, ticket_id: int | None = None) -> QuerySet[SurveyAnswer]:
    """Low ratings nobody has acknowledged yet, oldest first, with what a list shows."""
    answers = SurveyAnswer.objects.filter(needs_recovery=True, acknowledged_at__isnull=True)
    if ticket_id is not None:
        answers = answers.filter(ticket_id=ticket_id)
    return answers.select_related("ticket", "customer", "agent", "team").order_by("answered_at")


# --- figures -------------------------------------------------------------------------------


def csat_percent(answers: Iterable[int]) -> float | None:
    """Share of 4-5 ratings among the ratings, in percent; None without ratings."""
    ratings = list(answers)
    if not ratings:
        return None
    return 100.0 * sum(1 for rating in ratings if rating >= 4) / len(ratings)


def nps_score(answers: Iterable[int]) -> float | None:
    """% promoters (9-10) - % detractors (0-6), from -100 to 100; None without scores."""
    scores = list(answers)
    if not scores:
        return None
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    return 100.0 * (promoters - detractors) / len(scores)


def _csat_from_counts(total: int, good: int) -> float | None:
    return round(100.0 * good / total, 1) if total else None


def _nps_from_counts(total: int, promoters: int, detractors: int) -> float | None:
    return round(100.0 * (promoters - detractors) / total, 1) if total else None


_CSAT_COUNTS: dict[str, Any] = {
    "answers": Count("id"),
    "satisfied": Count("id", filter=Q(rating__gte=4)),
    "low": Count("id", filter=Q(rating__lte=2)),
}
_NPS_COUNTS: dict[str, Any] = {
    "answers": Count("id"),
    "promoters": Count("id", filter=Q(score__gte=9)),
    "detractors": Count("id", filter=Q(score__lte=6)),
}


def _csat_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "answers": row["answers"],
        "satisfied": row["satisfied"],
        "low": row["low"],
        "csat_percent": _csat_from_counts(row["answers"], row["satisfied"]),
    }


def _nps_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "answers": row["answers"],
        "promoters": row["promoters"],
        "detractors": row["detractors"],
        "nps": _nps_from_counts(row["answers"], row["promoters"], row["detractors"]),
    }


@dataclass(frozen=True)
class _StatsRows:
    """The three querysets `survey_stats` reads, narrowed by the same filters."""

    answers: QuerySet[SurveyAnswer]
    surveys: QuerySet[Survey]
    nps: QuerySet[NpsAnswer]


def _stats_rows(
    *,
    start: datetime | None,
    end: datetime | None,
    channel: str | None,
    team_id: int | None,
    agent_id: int | None,
) -> _StatsRows:
    """Answers and NPS answers given, and surveys sent, in [start, end), narrowed to the
    channel, team and agent when given (NPS by the team and agent of the survey that asked).
    Builds querysets only: no query runs here."""
    answers = SurveyAnswer.objects.all()
    surveys = Survey.objects.filter(sent_at__isnull=False)
    nps = NpsAnswer.objects.all()
    if start is not None:
        answers = answers.filter(answered_at__gte=start)
        surveys = surveys.filter(sent_at__gte=start)
        nps = nps.filter(answered_at__gte=start)
    if end is not None:
        answers = answers.filter(answered_at__lt=end)
        surveys = surveys.filter(sent_at__lt=end)
        nps = nps.filter(answered_at__lt=end)
    if channel:
        answers, surveys = answers.filter(channel=channel), surveys.filter(channel=channel)
        nps = nps.filter(channel=channel)
    if team_id is not None:
        answers, surveys = answers.filter(team_id=team_id), surveys.filter(team_id=team_id)
        nps = nps.filter(survey__team_id=team_id)
    if agent_id is not None:
        answers, surveys = answers.filter(agent_id=agent_id), surveys.filter(agent_id=agent_id)
        nps = nps.filter(survey__agent_id=agent_id)
    return _StatsRows(answers=answers, surveys=surveys, nps=nps)


def _stats_per_channel(
    answers: QuerySet[SurveyAnswer], nps: QuerySet[NpsAnswer]
) -> list[dict[str, Any]]:
    """CSAT and NPS per channel, sorted by channel (two queries)."""
    per_channel = {
        row["channel"]: {**_csat_row(row), "nps": None}
        for row in answers.values("channel").annotate(**_CSAT_COUNTS).order_by("channel")
    }
    for row in nps.values("channel").annotate(**_NPS_COUNTS).order_by("channel"):
        key = row["channel"] or "unknown"
        per_channel.setdefault(key, _csat_row({"answers": 0, "satisfied": 0, "low": 0}))
        # NPS asks about us, not the ticket: it is filed under the channel that asked.
        per_channel[key]["nps"] = _nps_row(row)
    return [{"channel": key, **value} for key, value in sorted(per_channel.items())]


def _stats_per_agent(answers: QuerySet[SurveyAnswer]) -> list[dict[str, Any]]:
    """CSAT per agent, by agent id, with the agent's display name (one query)."""
    return [
        {
            "agent": row["agent_id"],
            "agent_name": (
                f"{row['agent__first_name']} {row['agent__last_name']}".strip()
                or row["agent__username"]
                or ""
            ),
            **_csat_row(row),
        }
        for row in answers.values(
            "agent_id", "agent__username", "agent__first_name", "agent__last_name"
        )
        .annotate(**_CSAT_COUNTS)
        .order_by("agent_id")
    ]


def survey_stats(
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    channel: str | None = None,
    team_id: int | None = None,
    agent_id: int | None = None,
) -> dict[str, Any]:
    """Counts, CSAT % and NPS for answers given in [start, end), overall, per channel and per
    agent, computed in the database (seven queries whatever the volume)."""
    rows = _stats_rows(start=start, end=end, channel=channel, team_id=team_id, agent_id=agent_id)
    overall = rows.answers.aggregate(**_CSAT_COUNTS)
    sent = rows.surveys.count()
    per_channel = _stats_per_channel(rows.answers, rows.nps)
    per_agent = _stats_per_agent(rows.answers)
    return {
        "surveys_sent": sent,
        "answered": overall["answers"],
        "response_rate_percent": round(100.0 * overall["answers"] / sent, 1) if sent else None,
        "csat": _csat_row(overall),
        "nps": _nps_row(rows.nps.aggregate(**_NPS_COUNTS)),
        "per_channel": per_channel,
        "per_agent": per_agent,
    }
