from __future__ import annotations

from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The agent workspace at `/desk/`: pages and fragments over the tickets and customers
    apps. It owns only what agents make for themselves (saved views) and the managers'
    macros; every ticket it shows is read through `tickets.selectors`' access rule."""

    name = "desk"
    verbose_name = "Agent workspace"
