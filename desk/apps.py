from __future__ import annotations

from django.apps import AppConfig


class DeskConfig(AppConfig):
    """The agent workspace at `/desk/`: pages and fragments over the tickets and customers
    apps. It owns only what agents make for themselves (saved views) and the managers'
    macros; every ticket it shows is read through `tickets.selectors`' access rule."""

    name = "desk"
    verbose_name = "Agent workspace"

    def ready(self) -> None:
        # The SLA's delay notice must not interrupt an agent who is writing the answer:
        # tickets asks through this check (it may not import the desk).
        from desk.presence import someone_replying
        from tickets.services.delay_notice import replying_check_register

        replying_check_register(someone_replying)
