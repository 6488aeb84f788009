"""anymail's tracking signal: the one piece of signal glue, forwarding to a service."""

from __future__ import annotations

from typing import Any

from channels_inbox import services


def on_tracking(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    services.email_tracking_event(event=event, esp_name=esp_name)
