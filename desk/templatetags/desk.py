"""Template helpers of the desk: the promise chip and channel names."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from desk import backend_text
from desk.labels import CHANNEL_LABELS
from desk.promise import Promise, promise_of

register = template.Library()


@register.simple_tag(takes_context=True)
def promise(context: template.Context, ticket: Any) -> Promise:
    """The ticket's countdown; `now` is read once per render and shared by every row."""
    now = context.get("now")
    if now is None:
        now = timezone.now()
        context["now"] = now
    return promise_of(
        status=ticket.status, due_at=ticket.sla_due_at, at_risk_at=ticket.sla_at_risk_at, now=now
    )


@register.filter
def channel_label(channel: str) -> str:
    return str(CHANNEL_LABELS.get(channel, channel))


@register.filter
def event_text(text: str) -> str:
    """A stored (English) timeline event line in the agent's language; unknown text as is."""
    return backend_text.event_text(text)


@register.filter
def error_text(error: object) -> str:
    """A service refusal in the agent's language; unknown text as is."""
    return backend_text.error_text(error)
