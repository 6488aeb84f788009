from __future__ import annotations

from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    """The project package as an app, only to connect project-wide receivers at start."""

    name = "helpdesk"
    verbose_name = "Helpdesk"

    def ready(self) -> None:
        from helpdesk.accounts import connect_receivers

        connect_receivers()
