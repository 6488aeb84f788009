"""Writes for CSAT and NPS surveys, one module per part: `delivery` (tokens, scheduling and
sending; its docstring tells a survey row's lifecycle), `answers` (the rating page, channel
buttons, recoveries, NPS) and `settings` (managers' settings). Callers import from here."""

from __future__ import annotations

from surveys.services.answers import (
    AnswerResult,
    answer_from_channel,
    nps_answer,
    recovery_acknowledge,
    survey_answer,
)
from surveys.services.delivery import (
    ANSWER_PREFIX,
    SurveyError,
    SurveyLinkExpired,
    survey_from_token,
    survey_schedule,
    survey_send,
    survey_token,
    survey_url,
    surveys_claim_due,
    surveys_schedule,
)
from surveys.services.settings import survey_settings_update

__all__ = [
    "ANSWER_PREFIX",
    "AnswerResult",
    "SurveyError",
    "SurveyLinkExpired",
    "answer_from_channel",
    "nps_answer",
    "recovery_acknowledge",
    "survey_answer",
    "survey_from_token",
    "survey_schedule",
    "survey_send",
    "survey_settings_update",
    "survey_token",
    "survey_url",
    "surveys_claim_due",
    "surveys_schedule",
]
