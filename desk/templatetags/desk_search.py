"""Template helpers of the search page: highlighted snippets and identity labels."""

from __future__ import annotations

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from desk.search.tickets import MARK_START, MARK_STOP

register = template.Library()

_MARKED = re.compile(re.escape(MARK_START) + "(.*?)" + re.escape(MARK_STOP), re.S)

IDENTITY_LABELS = {
    "email": _("Email"),
    "phone": _("Phone"),
    "whatsapp": _("WhatsApp"),
    "facebook": _("Messenger"),
    "instagram": _("Instagram"),
    "x": _("X"),
    "chat": _("Chat visitor"),
}


@register.filter
def marked(text: str | None) -> SafeString:
    """`ts_headline` output as HTML: the customer's text escaped, then the matched words
    (between the markers PostgreSQL put there) in <mark>. A marker the customer typed
    themselves is dropped, never turned into markup."""
    escaped = escape(text or "")
    html = _MARKED.sub(r"<mark>\1</mark>", escaped)
    return mark_safe(html.replace(MARK_START, "").replace(MARK_STOP, ""))  # noqa: S308


@register.filter
def identity_label(kind: str) -> str:
    return str(IDENTITY_LABELS.get(kind, kind))
