from __future__ import annotations

from django.apps import AppConfig


class HelpcentreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "helpcentre"
    verbose_name = "Help centre"
