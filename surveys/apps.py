from __future__ import annotations

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    """CSAT and NPS after resolution (issue 6)."""

    name = "surveys"
    verbose_name = "Surveys"
