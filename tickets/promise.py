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
from tickets.choices import Channel, Priority, SlaMetric, TimerState
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


def manager_wording(*, purpose: str, channel: str, language: str) -> str:
    """The managers' text for a channel (no mailbox) in `language`, "" when they wrote none."""
    row = AutomaticText.objects.filter(purpose=purpose, channel=channel, mailbox="").first()
    return row.text_for(language) if row is not None and row.text_for(language).strip() else ""


def wording(
    *, purpose: str, channel: str, language: str, mailbox: str = "", older: str = ""
) -> str:
    """The manager's text for this purpose, channel and language: the mailbox's own, then
    `older` (a mailbox's single-language wording from before), then the channel's; else the
    built-in one translated. Two rows at most are read."""
    rows = {
        row.mailbox: row
        for row in AutomaticText.objects.filter(
            purpose=purpose, channel=channel, mailbox__in={mailbox.lower(), ""}
        )
    }
    mailbox_row = rows.get(mailbox.lower()) if mailbox else None
    if mailbox_row is not None and mailbox_row.text_for(language).strip():
        return mailbox_row.text_for(language)
    if older.strip():
        return older
    row = rows.get("")
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


def promise_if_contacted_now(*, channel: str, now: datetime | None = None) -> datetime | None:
    """When a person would answer a normal-priority contact on `channel` made now, by the
    policy that would time it (for a page shown before anything is sent, like the chat
    widget's offline line). None when no policy covers the channel."""
    # Here, not at the top: the services (the delay notice) import this module.
    from tickets.services.sla import policy_for, timer_times

    policy = policy_for(channel=channel, priority=Priority.NORMAL)
    if policy is None:
        return None
    due, _at_risk = timer_times(policy, now or timezone.now(), policy.first_response_minutes)
    return due


def customer_time_zone(ticket: Ticket) -> ZoneInfo | None:
    """The customer's zone when a phone number says it unambiguously (+31 → Amsterdam,
    +48 → Warsaw; a UK mobile's zones all keep London's time; not +1 800, which spans
    several). Zones that agree on the time now are one answer, named by the last of them
    (London after Guernsey, Isle of Man and Jersey)."""
    values = ticket.customer.identities.filter(kind__in=PHONE_KINDS).values_list("value", flat=True)
    now = timezone.now()
    for value in values:
        try:
            names = phone_zones.time_zones_for_number(phonenumbers.parse(value))
        except phonenumbers.NumberParseException:
            continue
        zones = [z for z in map(zone_named, sorted(names)) if z is not None]
        if zones and len({now.astimezone(z).utcoffset() for z in zones}) == 1:
            return zones[-1]
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
        if language == "pl":
            # Django's Polish day names are capitalised ("Niedziela"); inside a sentence, after
            # "najpóźniej:", Polish writes them in lower case.
            text = text[:1].lower() + text[1:]
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
    `text` is a mailbox's older single-language wording (see `wording`)."""
    values = promise_values(ticket, zone=zone, link=link)
    chosen = wording(
        purpose=purpose,
        channel=channel,
        language=values.language,
        mailbox=mailbox,
        older=text or "",
    )
    return placeholders_fill(chosen, values.values)


# --- The managers' preview -------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    language: str
    text: str
    custom: bool  # False: the built-in wording (the manager left this language blank)


def preview_example(channel: str) -> Ticket | None:
    """A real example to preview a text with: the newest ticket on the channel whose
    response clock runs (so the promise is a real one), else the newest on the channel."""
    tickets = Ticket.objects.filter(channel=channel, merged_into__isnull=True).select_related(
        "customer"
    )
    running = tickets.filter(
        sla_timers__metric__in=RESPONSE_METRICS, sla_timers__state=TimerState.RUNNING
    )
    return running.order_by("-created_at").first() or tickets.order_by("-created_at").first()


def promise_preview(
    *, purpose: str, channel: str, texts: Mapping[str, str], ticket: Ticket | None
) -> list[Preview]:
    """Each language's text filled in for `ticket` as its customer would read it in that
    language; without a ticket, with a made-up customer and the promise a contact on the
    channel made now would get."""
    zone = customer_time_zone(ticket) if ticket is not None else None
    due = promise_due(ticket) if ticket is not None else promise_if_contacted_now(channel=channel)
    base = {
        "first_name": first_name(ticket.customer.name) if ticket else "Lotte",
        "ticket_number": str(ticket.number) if ticket else "1234",
        "portal_link": portal_link(ticket) if ticket else f"{settings.SITE_URL}/support/",
    }
    previews = []
    for language in LANGUAGES:
        own = texts.get(language, "").strip()
        if own:
            chosen = texts[language]
        else:
            with translation.override(language):
                chosen = gettext(default_wording(purpose, channel))
        values = {
            **base,
            "number": base["ticket_number"],
            "answer_by": promise_format(due, language=language, zone=zone) if due else "",
        }
        previews.append(Preview(language, placeholders_fill(chosen, values), bool(own)))
    return previews
