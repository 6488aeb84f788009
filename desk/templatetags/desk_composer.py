"""The composer's first render inside the ticket page: `{% composer_state ticket as composer %}`
builds its state unless the view already handed one over (a refused send)."""

from __future__ import annotations

from typing import Any

from django import template

from desk.composer import ComposerState, composer_build
from desk.queues import STATUS_LABELS

register = template.Library()


@register.simple_tag(takes_context=True)
def composer_state(context: template.Context, ticket: Any) -> ComposerState:
    given = context.get("composer")
    if isinstance(given, ComposerState):
        return given
    return composer_build(ticket=ticket, user=context["request"].user)


@register.filter
def status_label(status: str) -> str:
    return str(STATUS_LABELS.get(status, status))
