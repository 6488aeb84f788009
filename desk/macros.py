"""Macros: prepared answers managers maintain, and their placeholders filled on the server
with the values of the moment (`{first_name}`, `{ticket_number}`, `{agent_name}`,
`{answer_by}`; `{first_name|there}` falls back to "there").

A placeholder without a value and without a fallback stays in the text as written and is
reported as missing: the composer highlights it and the send asks for it, so a customer never
reads "Hi {first_name}" or "Hi ,".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from desk.models import Macro
from tickets.choices import Status
from tickets.promise import PROMISE_FORMAT, promise_format

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from helpdesk.roles import User
    from tickets.models import Ticket

PLACEHOLDERS: dict[str, _StrPromise] = {
    "first_name": _("the customer's first name"),
    "ticket_number": _("the ticket number"),
    "agent_name": _("your name"),
    "answer_by": _("when we will answer at the latest (the nearest promise)"),
}
# `{name}` or `{name|fallback}`; a fallback holds no braces, bars or line breaks.
_TOKEN = re.compile(r"\{([a-z_]+)(?:\|([^{}|\n]*))?\}")
# How `{answer_by}` reads: the one promise format (`tickets.promise`).
ANSWER_BY_FORMAT = PROMISE_FORMAT
# Statuses a macro may set when its reply is sent.
MACRO_STATUSES = (Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED)


@dataclass(frozen=True)
class Filled:
    text: str
    missing: tuple[str, ...]  # placeholder names left in the text, in order of appearance


def first_name(name: str) -> str:
    """The first word of a customer's name, unless the "name" is an address or number."""
    words = name.strip().split()
    if not words or "@" in words[0] or words[0].lstrip("+").isdigit():
        return ""
    return words[0]


def answer_by_text(*, ticket: Ticket, now: datetime | None = None) -> str:
    """The nearest promise in the customer's language and the organisation's time zone, or
    "" when nothing is due or the promise is already missed: a date in the past must never
    reach the customer as "we will answer by", so the composer asks the agent for one."""
    if ticket.sla_due_at is None or ticket.sla_due_at <= (now or timezone.now()):
        return ""
    language = ticket.customer.language or settings.LANGUAGE_CODE
    return promise_format(ticket.sla_due_at, language=language)


def placeholder_values(*, ticket: Ticket, agent: User) -> dict[str, str]:
    """Each placeholder's value now ("" when unknown). No query beyond the ticket's customer."""
    return {
        "first_name": first_name(ticket.customer.name),
        "ticket_number": str(ticket.number),
        "agent_name": agent.get_full_name() or agent.get_username(),
        "answer_by": answer_by_text(ticket=ticket),
    }


def placeholders_fill(text: str, values: Mapping[str, str]) -> Filled:
    """`text` with every known placeholder replaced by its value, else its fallback; unknown
    names (`{order_id}`) are not placeholders and stay as typed."""
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        name, fallback = match.group(1), match.group(2)
        if name not in PLACEHOLDERS:
            return match.group(0)
        value = values.get(name, "").strip() or (fallback or "").strip()
        if value:
            return value
        if name not in missing:
            missing.append(name)
        return match.group(0)

    return Filled(_TOKEN.sub(replace, text), tuple(missing))


def missing_fields(missing: tuple[str, ...], fills: Mapping[str, str]) -> list[dict[str, str]]:
    """The inputs the composer shows for placeholders without a value."""
    return [
        {"name": n, "token": f"{{{n}}}", "label": str(PLACEHOLDERS[n]), "value": fills.get(n, "")}
        for n in missing
        if n in PLACEHOLDERS
    ]


def placeholders_unknown(text: str) -> list[str]:
    """Names written like placeholders that are not ones (typos a manager should see)."""
    return sorted({m.group(1) for m in _TOKEN.finditer(text) if m.group(1) not in PLACEHOLDERS})


# --- Reads and writes ------------------------------------------------------------------------


def macros_active() -> QuerySet[Macro]:
    """What agents pick from in the composer: titles and ids only."""
    return Macro.objects.filter(active=True).only("id", "title").order_by("title")


def macro_get(*, macro_id: int) -> Macro | None:
    return Macro.objects.filter(pk=macro_id).first()


def tags_parse(text: str) -> list[str]:
    """ "refund, VIP ,  " → ["refund", "vip"]: lower-case, unique, in order."""
    tags: list[str] = []
    for raw in text.split(","):
        tag = raw.strip().lower()[:50]
        if tag and tag not in tags:
            tags.append(tag)
    return tags


@transaction.atomic
def macro_save(
    *,
    macro: Macro | None,
    title: str,
    body: str,
    set_status: str,
    add_tags: list[str],
    active: bool,
    by: User,
) -> Macro:
    """Create (`macro` None) or update a macro. Callers validate (the manager's form)."""
    macro = macro or Macro(created_by=by)
    macro.title, macro.body = title.strip(), body
    macro.set_status, macro.add_tags, macro.active = set_status, add_tags, active
    macro.save()
    return macro


@transaction.atomic
def macro_set_active(*, macro: Macro, active: bool) -> Macro:
    """Deactivated macros stay (their history is in the replies they wrote) but are no
    longer offered in the composer."""
    macro.active = active
    macro.save(update_fields=["active", "updated_at"])
    return macro
