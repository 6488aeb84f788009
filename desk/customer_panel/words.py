"""How the customer panel says things: identities in a readable form, language names and
sources, and the English texts other apps store (call-back to-dos, merge reasons) in the
agent's language. No queries here."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import phonenumbers
from django.conf import settings
from django.utils.translation import get_language_info, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from customers.models import PHONE_KINDS, Customer, Identity, IdentityKind, LanguageSource

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# A contact's first line, cut for a narrow column.
FIRST_LINE_CHARS = 140

KIND_ORDER = [kind.value for kind in IdentityKind]
KIND_LABELS: dict[str, _StrPromise] = {
    IdentityKind.EMAIL: gettext_lazy("Email"),
    IdentityKind.PHONE: gettext_lazy("Phone"),
    IdentityKind.WHATSAPP: gettext_lazy("WhatsApp"),
    IdentityKind.FACEBOOK: gettext_lazy("Messenger"),
    IdentityKind.INSTAGRAM: gettext_lazy("Instagram"),
    IdentityKind.X: gettext_lazy("X"),
    IdentityKind.CHAT: gettext_lazy("Chat"),
}
LANGUAGE_SOURCES: dict[str, _StrPromise] = {
    LanguageSource.AGENT: gettext_lazy("set by an agent"),
    LanguageSource.CHANNEL: gettext_lazy("from their browser or email settings"),
    LanguageSource.TEXT: gettext_lazy("detected from what they wrote"),
    LanguageSource.PHONE_COUNTRY: gettext_lazy("guessed from their phone number's country"),
}
CSAT_LABELS: dict[int, _StrPromise] = {
    1: gettext_lazy("Very dissatisfied"),
    2: gettext_lazy("Dissatisfied"),
    3: gettext_lazy("Neutral"),
    4: gettext_lazy("Satisfied"),
    5: gettext_lazy("Very satisfied"),
}


@dataclass(frozen=True)
class IdentityRow:
    pk: int
    kind: str
    kind_label: str
    text: str


def identity_text(kind: str, value: str, display: str = "") -> str:
    """How an identity reads to a person: numbers in international format (+31 6 12345678),
    an email as stored, a social or chat id as the channel showed it when it did."""
    if kind in PHONE_KINDS:
        try:
            number = phonenumbers.parse(value if value.startswith("+") else f"+{value}", None)
        except phonenumbers.NumberParseException:
            return value
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if kind == IdentityKind.EMAIL:
        return value
    return display.strip() or value


def identity_rows(identities: list[Identity]) -> list[IdentityRow]:
    """The identities in the order agents reach for them (email, phone, WhatsApp, …)."""
    ordered = sorted(
        identities,
        key=lambda i: (KIND_ORDER.index(i.kind) if i.kind in KIND_ORDER else 99, i.value),
    )
    return [
        IdentityRow(
            pk=i.pk,
            kind=i.kind,
            kind_label=str(KIND_LABELS.get(i.kind, i.kind)),
            text=identity_text(i.kind, i.value, i.display),
        )
        for i in ordered
    ]


def language_name(code: str) -> str:
    """The language's name in the reader's language ("Dutch", "Nederlands", …)."""
    if not code:
        return _("Unknown")
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


def language_choices() -> list[tuple[str, str]]:
    """The languages we write in, for the agent's correction; "" is "unknown"."""
    return [("", _("Unknown")), *((code, language_name(code)) for code, _n in settings.LANGUAGES)]


def first_line(text: str) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= FIRST_LINE_CHARS else line[: FIRST_LINE_CHARS - 1] + "…"


# The call-back to-do's text is written in English by `tickets.services.calls`; the desk says
# it in the agent's language with the number readable. Other texts are an agent's own words.
_CALL_BACK = re.compile(r"^Call back (?P<number>\+\d+)(?: \((?P<missed>\d+) missed calls\))?$")


def todo_text(text: str) -> str:
    match = _CALL_BACK.match(text)
    if match is None:
        return text
    number = identity_text(IdentityKind.PHONE, match["number"])
    if match["missed"]:
        missed = int(match["missed"])
        return ngettext(
            "Call back %(number)s (%(missed)d missed call)",
            "Call back %(number)s (%(missed)d missed calls)",
            missed,
        ) % {"number": number, "missed": missed}
    return _("Call back %(number)s") % {"number": number}


# The selector's reasons are English sentences for the API; the desk says them in the
# agent's language. Unknown wording falls through unchanged rather than disappearing.
_MENTIONED = re.compile(r"^mentioned (?P<kind>\w+) (?P<value>\S+) in a message$")


def reason_text(reason: str) -> str:
    if reason == "same name":
        return _("the same name")
    match = _MENTIONED.match(reason)
    if match is None:
        return reason
    return _("this customer mentioned %(identity)s, which is theirs") % {
        "identity": identity_text(match["kind"], match["value"])
    }


def customer_label(customer: Customer) -> str:
    return customer.name.strip() or _("Customer %(number)s") % {"number": customer.pk}
