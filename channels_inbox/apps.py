from __future__ import annotations

from django.apps import AppConfig


class ChannelsInboxConfig(AppConfig):
    """Channel adapters (email, chat, phone, Meta…). Each registers its sender with
    `tickets.senders.register_sender` in `ready()`, and the chat reach check with
    `tickets.reach`, so `tickets` never imports this app."""

    name = "channels_inbox"
    verbose_name = "Channels"

    def ready(self) -> None:
        from anymail.signals import tracking

        from channels_inbox.adapters import register_all
        from channels_inbox.adapters.email import register_header_classes
        from channels_inbox.email import anymail_guards
        from channels_inbox.receivers import on_tracking
        from channels_inbox.selectors import chat_ticket_reachable
        from tickets.choices import Channel
        from tickets.reach import register_reach_check

        register_all()
        # Surveys ask tickets whether a chat ticket can be reached; only we can tell.
        register_reach_check(Channel.CHAT, chat_ticket_reachable)
        register_header_classes()
        anymail_guards.install()
        tracking.connect(on_tracking, dispatch_uid="channels_inbox.tracking")
