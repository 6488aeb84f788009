"""The promise we make to a customer: "a person will answer by <weekday, date, time>".

One place says when (the ticket's running first- or next-response timer, so business hours,
holidays and the organisation's time zone are already in it), how it reads (one date
format, in the customer's language and, when we know it, their own time zone), and the
wording of the automatic messages that carry it (the built-in texts below, or a manager's
`AutomaticText` per channel and mailbox). A selector module: it reads, never writes; the
messages are sent by `tickets.services.promise_messages` and `delay_notice`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop
from phonenumbers import timezone as phone_zones

from customers.choices import PHONE_KINDS
from tickets.choices import Channel, SlaMetric, TimerState
from tickets.models import AutomaticPurpose, AutomaticText, SlaTimer, Ticket

# How a promise reads everywhere: "Tuesday 1 December, 09:00" / "dinsdag 1 december, 09:00"
# / "wtorek 1 grudnia, 09:00" (E: the month as it reads after a day, for Polish).
PROMISE_FORMAT = "l j E, H:i"
LANGUAGES = ("en", "nl", "pl")
RESPONSE_METRICS = (SlaMetric.FIRST_RESPONSE, SlaMetric.NEXT_RESPONSE)

# Placeholders a manager may use in an automatic text, with what each stands for.
PLACEHOLDERS: dict[str, str] = {
    "first_name": gettext_noop("the customer's first name"),
    "ticket_number": gettext_noop("the ticket number"),
    "answer_by": gettext_noop("when a person will answer (weekday, date and time)"),
    "portal_link": gettext_noop("the link to the request in the customer portal"),
}
# `{name}` or `{name|fallback}`, as in the desk's macros.
_TOKEN = re.compile(r"\{([a-z_]+)(?:\|([^{}|\n]*))?\}")

# The built-in wordings, translated in locale/. A line whose placeholder has no value (no
# first name, no promise because no policy times the channel) is left out, so a customer
# never reads "Hello ," and never an empty promise.
ACKNOWLEDGEMENT = gettext_noop(
    "Hello {first_name},\n\n"
    "Thank you for your message. We have it as request #{ticket_number}.\n"
    "A person will answer by {answer_by}.\n\n"
    "Follow your request: {portal_link}\n\n"
    "This is an automatic message."
)
ACKNOWLEDGEMENT_SHORT = gettext_noop(
    "Thank you for your message (request #{ticket_number}). "
    "A person will answer by {answer_by}.\n"
    "Follow your request: {portal_link}\n"
    "This is an automatic message."
)
CHAT_OFFLINE = gettext_noop(
    "No one is online right now, but your message is with us as request #{ticket_number}. "
    "A person will answer by {answer_by}.\n"
    "Follow your request: {portal_link}"
)
DELAY_NOTICE = gettext_noop(
    "Hello {first_name},\n\n"
    "We need a little more time for your request #{ticket_number}. "
    "A person will answer by {answer_by}.\n\n"
    "Follow your request: {portal_link}\n\n"
    "This is an automatic message."
)
DELAY_NOTICE_SHORT = gettext_noop(
    "We need a little more time for your request #{ticket_number}. "
    "A person will answer by {answer_by}.\n"
    "This is an automatic message."
)
_LONG_CHANNELS = (Channel.EMAIL, Channel.WEB)


def default_wording(purpose: str, channel: str) -> str:
    """The built-in text (untranslated msgid) for a purpose on a channel."""
    if purpose == AutomaticPurpose.DELAY_NOTICE:
        return DELAY_NOTICE if channel in _LONG_CHANNELS else DELAY_NOTICE_SHORT
    if channel == Channel.CHAT:
        return CHAT_OFFLINE
    return ACKNOWLEDGEMENT if channel in _LONG_CHANNELS else ACKNOWLEDGEMENT_SHORT


def language_of(code: str | None) -> str:
    code = (code or "").lower()[:2]
    return code if code in LANGUAGES else settings.LANGUAGE_CODE[:2]


def wording(*, purpose: str, channel: str, language: str, mailbox: str = "") -> str:
    """The manager's text for this purpose, channel and language (the mailbox's own first,
    then the channel's), else the built-in one translated. Two rows at most are read."""
    rows = {
        row.mailbox: row
        for row in AutomaticText.objects.filter(
            purpose=purpose, channel=channel, mailbox__in={mailbox.lower(), ""}
        )
    }
    for key in (mailbox.lower(), ""):
        row = rows.get(key)
        if row is not None and row.text_for(language).strip():
            return row.text_for(language)
    with translation.override(language):
        return gettext(default_wording(purpose, channel))


# --- When, and how it reads ------------------------------------------------------------------


def promise_due(ticket: Ticket, *, now: datetime | None = None) -> datetime | None:
    """The due time of the ticket's running response clock (first or next), or None when
    no clock runs or its time has passed: a past time must never read as a promise."""
    due = (
        SlaTimer.objects.filter(
            ticket_id=ticket.pk, metric__in=RESPONSE_METRICS, state=TimerState.RUNNING
        )
        .order_by("due_at")
        .values_list("due_at", flat=True)
        .first()
    )
    return due if due is not None and due > (now or timezone.now()) else None


def customer_time_zone(ticket: Ticket) -> ZoneInfo | None:
    """The customer's zone when a phone number says it unambiguously (+31 → Amsterdam,
    +44 → London; not +1, which spans several)."""
    values = ticket.customer.identities.filter(kind__in=PHONE_KINDS).values_list("value", flat=True)
    for value in values:
        try:
            zones = phone_zones.time_zones_for_number(phonenumbers.parse(value))
        except phonenumbers.NumberParseException:
            continue
        if len(zones) == 1 and zones[0] != phone_zones.UNKNOWN_TIMEZONE:
            return zone_named(zones[0])
    return None


def zone_named(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name) if name else None
    except (ZoneInfoNotFoundError, ValueError):
        return None


def promise_format(when: datetime, *, language: str, zone: ZoneInfo | None = None) -> str:
    """ "Tuesday 1 December, 09:00" in `language`; in `zone` when given and not the
    organisation's, then with the place named: "…, 08:00 (London time)"."""
    home = ZoneInfo(settings.TIME_ZONE)
    shown = zone or home
    with translation.override(language):
        text = formats.date_format(timezone.localtime(when, shown), PROMISE_FORMAT)
        if shown.key == home.key:
            return text
        place = shown.key.rsplit("/", 1)[-1].replace("_", " ")
        return gettext("%(time)s (%(place)s time)") % {"time": text, "place": place}


def first_name(name: str) -> str:
    """The first word of a name, unless the "name" is an address or a number."""
    words = name.strip().split()
    if not words or "@" in words[0] or words[0].lstrip("+").isdigit():
        return ""
    return words[0]


def portal_link(ticket: Ticket) -> str:
    """The request's page in the customer portal (asks to sign in first when needed)."""
    try:
        path = reverse("portal:request", args=[ticket.pk])
    except NoReverseMatch:
        return ""
    return f"{settings.SITE_URL.rstrip('/')}{path}"


@dataclass(frozen=True)
class PromiseValues:
    language: str
    due: datetime | None
    values: dict[str, str]


def promise_values(
    ticket: Ticket,
    *,
    zone: ZoneInfo | None = None,
    link: str | None = None,
    now: datetime | None = None,
) -> PromiseValues:
    """Every placeholder's value for this ticket now ("" when unknown)."""
    language = language_of(ticket.customer.language)
    due = promise_due(ticket, now=now)
    zone = zone or customer_time_zone(ticket)
    values = {
        "first_name": first_name(ticket.customer.name),
        "ticket_number": str(ticket.number),
        "number": str(ticket.number),  # the older mailbox wording's name for it
        "answer_by": promise_format(due, language=language, zone=zone) if due else "",
        "portal_link": portal_link(ticket) if link is None else link,
    }
    return PromiseValues(language, due, values)


def placeholders_fill(text: str, values: Mapping[str, str]) -> str:
    """Each known placeholder replaced by its value, else its fallback; a line holding one
    with neither is left out. Unknown names stay as typed."""
    lines = []
    for line in text.split("\n"):
        empty = False

        def replace(match: re.Match[str]) -> str:
            nonlocal empty
            name, fallback = match.group(1), match.group(2)
            if name not in values:
                return match.group(0)
            value = values[name].strip() or (fallback or "").strip()
            empty = empty or not value
            return value

        filled = _TOKEN.sub(replace, line)
        if not empty:
            lines.append(filled)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def placeholders_unknown(text: str) -> list[str]:
    """Names written like placeholders that are not ones (a manager's typo)."""
    known = {*PLACEHOLDERS, "number"}
    return sorted({m.group(1) for m in _TOKEN.finditer(text) if m.group(1) not in known})


def promise_text(
    ticket: Ticket,
    *,
    purpose: str,
    channel: str,
    mailbox: str = "",
    zone: ZoneInfo | None = None,
    link: str | None = None,
    text: str | None = None,
) -> str:
    """The automatic message for this ticket, filled in, in the customer's language.
    `text` replaces the looked-up wording (a mailbox's older single-language text)."""
    values = promise_values(ticket, zone=zone, link=link)
    chosen = text or wording(
        purpose=purpose, channel=channel, language=values.language, mailbox=mailbox
    )
    return placeholders_fill(chosen, values.values)
