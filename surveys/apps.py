from __future__ import annotations

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """CSAT and NPS after resolution (issue 6)."""

    name = "surveys"
    verbose_name = "Surveys"

    def ready(self) -> None:
        # Quick-reply answers come back through the channel that carried the buttons; the
        # channel code asks tickets.answers, which must not import this app.
        from surveys.services import ANSWER_PREFIX, answer_from_channel
        from tickets.answers import register_answer_handler

        register_answer_handler(ANSWER_PREFIX, answer_from_channel)
