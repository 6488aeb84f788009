"""Managers' survey settings: limits, per-channel on/off and delay, wording."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from surveys import selectors
from surveys.models import (
    SurveyChannelSetting,
    SurveySettings,
    SurveyWording,
)
from surveys.services.delivery import (
    SurveyError,
)
from tickets.models import Channel

logger = logging.getLogger(__name__)


# --- settings ------------------------------------------------------------------------------


@transaction.atomic
def survey_settings_update(
    *,
    throttle_days: int | None = None,
    nps_interval_days: int | None = None,
    change_window_minutes: int | None = None,
    link_valid_days: int | None = None,
    channels: list[dict[str, Any]] | None = None,
    wordings: list[dict[str, Any]] | None = None,
) -> SurveySettings:
    """Managers' settings: the limits, per-channel on/off and delay, per-language wording.
    Only what is given changes; new delays apply to surveys scheduled from now on."""
    config, _created = SurveySettings.objects.select_for_update().get_or_create(
        pk=selectors.SETTINGS_PK
    )
    limits = {
        "throttle_days": throttle_days,
        "nps_interval_days": nps_interval_days,
        "change_window_minutes": change_window_minutes,
        "link_valid_days": link_valid_days,
    }
    for field, value in limits.items():
        if value is not None:
            setattr(config, field, value)
    config.save()
    for row in channels or []:
        if row["channel"] not in Channel.values:
            raise SurveyError(f"unknown channel '{row['channel']}'")
        defaults: dict[str, Any] = {k: row[k] for k in ("enabled", "delay_minutes") if k in row}
        SurveyChannelSetting.objects.update_or_create(
            channel=row["channel"], defaults={"config": config, **defaults}
        )
    for row in wordings or []:
        if row["language"] not in selectors.LANGUAGES:
            raise SurveyError(f"unknown language '{row['language']}'")
        fields = ("question", "intro", "thanks", "nps_question")
        texts: dict[str, Any] = {k: row[k] for k in fields if k in row}
        SurveyWording.objects.update_or_create(
            language=row["language"], defaults={"config": config, **texts}
        )
    return selectors.survey_settings()
