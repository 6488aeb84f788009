"""The backend's English sentences in the agent's language, at display time.

The services store timeline events (`TicketEvent.text`) and raise refusals (`DomainError`)
in English: the REST API and the records keep that English. The desk matches each sentence
against an ordered table of patterns and renders the matching translated template; the
English pieces inside (statuses, priorities, channel names, SLA metrics, threading reasons)
go through small translated tables. A sentence no pattern knows is shown as stored, so no
text is ever lost. The results are plain strings: the templates escape them as usual.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from desk.labels import CHANNEL_LABELS
from tickets.choices import Channel

Rule = tuple[re.Pattern[str], Any]

NUMBER = r"(?P<{}>\d+)"
WHEN = r"\d{4}-\d\d-\d\d \d\d:\d\d"

STATUSES: Mapping[str, Any] = {
    "new": _("new"),
    "open": _("open"),
    "pending": _("pending"),
    "on_hold": _("on hold"),
    "solved": _("solved"),
    "closed": _("closed"),
}
PRIORITIES: Mapping[str, Any] = {
    "low": _("low"),
    "normal": _("normal"),
    "high": _("high"),
    "urgent": _("urgent"),
}
METRICS: Mapping[str, Any] = {
    "first response": _("first response"),
    "next response": _("next response"),
    "resolution": _("resolution"),
}
# Channels appear by value in events ("created from email") and by label in refusals.
# By code and by the stored English label ("created from Email", "Facebook Messenger").
CHANNELS: Mapping[str, Any] = {
    **CHANNEL_LABELS,
    **{str(Channel(code).label): label for code, label in CHANNEL_LABELS.items()},
}
DELIVERIES: Mapping[str, Any] = {
    "email with rating links": _("email with rating links"),
    "quick-reply buttons": _("quick-reply buttons"),
    "message with a link": _("message with a link"),
}
CANCEL_REASONS: Mapping[str, Any] = {
    "ticket reopened before sending": _("ticket reopened before sending"),
    "customer surveyed recently": _("customer surveyed recently"),
    "surveys off for the channel": _("surveys off for the channel"),
    "no way to reach the customer": _("no way to reach the customer"),
}
WORDS: Mapping[str, Any] = {
    "the customer": _("the customer"),
    "none": _("none"),
}


def _r(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern.format(n=r"\d+", when=WHEN), re.DOTALL)


JOIN_REASONS: list[Rule] = [
    (_r(r"replied to message (?P<n>{n})"), _("replied to message %(n)s")),
    (_r(r"ticket token #(?P<n>{n})"), _("ticket token #%(n)s")),
    (_r(r"same customer's open ticket"), _("same customer's open ticket")),
]
TODOS: list[Rule] = [
    (
        _r(r"Call back (?P<who>.+) \((?P<count>{n}) missed calls\)"),
        ngettext_lazy(
            "Call back %(who)s (%(count)s missed call)",
            "Call back %(who)s (%(count)s missed calls)",
            "count",
        ),
    ),
    (_r(r"Call back (?P<word>.+)"), _("Call back %(word)s")),
]
SLA_REASONS: list[Rule] = [
    (
        _r(
            r"(?P<span>\d+ (?:h|min)) \((?P<hours>business hours|around the clock)\) under "
            r"(?P<policy>.+), from (?P<source>the ticket|the \w+ contact) at (?P<at>{when})"
        ),
        _("%(span)s (%(hours)s) under %(policy)s, from %(source)s at %(at)s"),
    ),
]
SLA_PIECES: Mapping[str, Any] = {
    "business hours": _("business hours"),
    "around the clock": _("around the clock"),
    "the ticket": _("the ticket"),
}


def _source(value: str) -> str:
    contact = re.fullmatch(r"the (\w+) contact", value)
    if contact is None:
        return str(SLA_PIECES.get(value, value))
    channel = contact.group(1)
    return str(_("the %(channel)s contact") % {"channel": CHANNELS.get(channel, channel)})


def _from_table(table: Mapping[str, Any]) -> Callable[[str], str]:
    return lambda value: str(table.get(value, value))


def _from_rules(rules: list[Rule]) -> Callable[[str], str]:
    return lambda value: translate(value, rules)


# How a named group's English value is shown, by the group name's first word.
PIECES: dict[str, Callable[[str], str]] = {
    "status": _from_table(STATUSES),
    "prio": _from_table(PRIORITIES),
    "metric": _from_table(METRICS),
    "channel": _from_table(CHANNELS),
    "delivery": _from_table(DELIVERIES),
    "cancel": _from_table(CANCEL_REASONS),
    "word": _from_table(WORDS),
    "hours": _from_table(SLA_PIECES),
    "source": _source,
    "reason": _from_rules(JOIN_REASONS),
    "todo": _from_rules(TODOS),
    "why": _from_rules(SLA_REASONS),
}


def _piece(name: str, value: str | None) -> Any:
    if value is None:
        return ""
    if name == "count":
        return int(value)
    if name in _PIECE_TABLES:
        return _PIECE_TABLES[name](value)
    shown = PIECES.get(name.split("_")[0])
    return shown(value) if shown else value


def translate(text: str, rules: list[Rule]) -> str:
    """The first rule whose pattern matches the whole text renders it; else the text as is."""
    for pattern, template in rules:
        match = pattern.fullmatch(text)
        if match is not None:
            values = {name: _piece(name, value) for name, value in match.groupdict().items()}
            return str(template % values) if values else str(template)
    return text


def event_text(text: str) -> str:
    """A stored timeline event line in the active language."""
    from desk.backend_events import EVENT_RULES

    return translate(text or "", EVENT_RULES)


def error_text(error: object) -> str:
    """A service refusal (`str(exc)` or the exception itself) in the active language."""
    from desk.backend_errors import ERROR_RULES

    return translate(str(error), ERROR_RULES)


def _window(text: str) -> str:
    from desk.backend_errors import WINDOW_RULES

    return translate(text, WINDOW_RULES)


# Pieces that are themselves whole sentences of a table defined in another module.
_PIECE_TABLES: dict[str, Callable[[str], str]] = {"more": event_text, "window": _window}
