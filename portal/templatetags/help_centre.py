"""`{% help_front as front %}`: the most-read articles for the help-centre box on "My
requests", read here so that page's view needs no change to show them."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

from helpcentre import selectors
from helpcentre.selectors import ArticleHit

register = template.Library()

FRONT_ARTICLES = 5


@register.simple_tag(takes_context=True)
def help_front(context: dict[str, Any]) -> list[ArticleHit]:
    # The page is a signed-in customer's when it carries one; the list is cached briefly.
    signed_in = context.get("customer") is not None
    return selectors.most_read(
        language=translation.get_language(), signed_in=signed_in, limit=FRONT_ARTICLES
    )
