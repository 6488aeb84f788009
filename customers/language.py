"""The customer's language: what each signal says, which signal wins, and the writes.

Signals, strongest first (`LanguageSource`):

- `agent` — an agent's correction (API). Never overwritten by anything but another agent.
- `channel` — an explicit statement by the customer's software: the chat widget's browser
  language, an email's `Content-Language` / `Accept-Language`, and later the portal's
  browser language (`customer_language_observe(customer=…, hint=<Accept-Language>)`).
- `text` — py3langid on what the customer wrote, trusted only for enough letters and only
  when the whole model agrees it is one of our languages.
- `phone_country` — a WhatsApp number's country (+31 → nl, +48 → pl): a weak guess.

A signal replaces the stored language when it is at least as strong as the one that set it
(so a customer's latest message of the same kind counts), never when it is weaker. Only the
languages we ship (`settings.LANGUAGES`: en, nl, pl) are stored; anything else says nothing.
This module imports no other app: channels hand it what they know through
`tickets.services.ingest.InboundMessage.language_hint`.
"""

from __future__ import annotations

import copy
import functools
import logging
import re

import phonenumbers
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from customers.models import Customer, LanguageSource

logger = logging.getLogger(__name__)

LANGUAGES: tuple[str, ...] = tuple(code for code, _name in settings.LANGUAGES)

_RANK = {
    "": 0,
    LanguageSource.PHONE_COUNTRY: 1,
    LanguageSource.TEXT: 2,
    LanguageSource.CHANNEL: 3,
    LanguageSource.AGENT: 4,
}

# Text detection: fewer letters than this ("ok", "Dank je!") is a guess, not a signal.
MIN_LETTERS = 20
# Among our languages the winner must be this sure…
MIN_CONFIDENCE = 0.9
# …and only the opening of a long mail is read (the rest adds time, not certainty).
MAX_CHARS = 2000
_NOISE = re.compile(r"https?://\S+|www\.\S+|\S+@\S+|[\d_]+")

# A phone number's country, where one language is a fair guess (Belgium is not).
_COUNTRY_LANGUAGE = {
    "NL": "nl",
    "SR": "nl",
    "PL": "pl",
    "GB": "en",
    "IE": "en",
    "US": "en",
    "AU": "en",
    "NZ": "en",
}


def language_from_tag(value: str) -> str:
    """Our language code for a language tag or an Accept-Language list ("nl-BE" → nl,
    "pl, en;q=0.8" → pl); "" when the first choice is not a language we ship."""
    first = (value or "").split(",", 1)[0].split(";", 1)[0].strip().lower()
    code = re.split(r"[-_]", first, maxsplit=1)[0]
    return code if code in LANGUAGES else ""


def language_from_phone(value: str) -> str:
    """A weak guess from the number's country code (+31 → nl, +48 → pl, +44 → en); "" when
    the country has no one language of ours or the number cannot be read. Takes E.164 or
    WhatsApp's digits-only `wa_id`."""
    digits = "".join(ch for ch in value or "" if ch.isdigit())
    if not digits:
        return ""
    try:
        number = phonenumbers.parse(f"+{digits}", None)
    except phonenumbers.NumberParseException:
        return ""
    region = phonenumbers.region_code_for_country_code(number.country_code or 0)
    return _COUNTRY_LANGUAGE.get(region, "")


@functools.cache
def _identifiers() -> tuple[LanguageIdentifier, LanguageIdentifier]:
    """(the whole model, the model restricted to our languages). Own instances, never
    py3langid's module-level one: restricting that would change it for everyone. Loaded
    once per process (about a second)."""
    whole = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ours = copy.copy(whole)  # shares the model arrays; set_languages slices new ones
    ours.set_languages(list(LANGUAGES))
    return whole, ours


def language_detect(text: str) -> str:
    """The language of a customer's text if it is clearly one of ours, else "".

    Restricted to our languages the model would call German "nl" and French "en", so the
    whole model must name the same language first; and short texts say nothing."""
    sample = _NOISE.sub(" ", (text or "")[:MAX_CHARS])
    if sum(ch.isalpha() for ch in sample) < MIN_LETTERS:
        return ""
    whole, ours = _identifiers()
    language, confidence = ours.classify(sample)
    if confidence < MIN_CONFIDENCE or whole.classify(sample)[0] != language:
        return ""
    return str(language)


def language_outranks(new: str, current: str) -> bool:
    """Whether a language from source `new` may replace one from source `current`."""
    return _RANK.get(new, 0) >= _RANK.get(current, 0)


def customer_language_record(*, customer: Customer, language: str, source: str) -> Customer:
    """Record one signal of the customer's language, if it wins (see the module docstring).

    `language` is a tag ("nl", "nl-BE"); one we do not ship is ignored. Raises ValueError
    for an unknown `source`. One conditional UPDATE: safe beside concurrent signals and an
    agent's edit (whichever commits last under the rule wins), and no write when nothing
    changes. Returns `customer` with the stored language (refreshed only when it changed)."""
    if source not in _RANK or not source:
        raise ValueError(f"unknown language source '{source}'")
    code = language_from_tag(language)
    if not code or (customer.language, customer.language_source) == (code, source):
        # Nothing to record, or the row as loaded already says it: no statement (every
        # inbound message of a known customer would otherwise run an UPDATE that matches
        # nothing).
        return customer
    replaceable = [s for s in _RANK if s and language_outranks(source, s)]
    changed = (
        Customer.objects.filter(pk=customer.pk)
        .filter(Q(language="") | Q(language_source="") | Q(language_source__in=replaceable))
        .exclude(language=code, language_source=source)
        .update(language=code, language_source=source, updated_at=timezone.now())
    )
    if changed:
        logger.info("customer %s language %s (from %s)", customer.pk, code, source)
        customer.language, customer.language_source = code, source
    return customer


def customer_language_observe(
    *,
    customer: Customer,
    hint: str = "",
    hint_source: str = LanguageSource.CHANNEL,
    text: str = "",
) -> Customer:
    """Learn the customer's language from one contact: what the channel said (`hint`, a tag
    or Accept-Language list, with how strong it is) and what they wrote (`text`).

    The hook for every channel, including the coming customer portal (its browser language
    as `hint`). An explicit channel hint beats the text; the text beats a weak hint. Cheap
    when nothing can change: no detection runs for a customer an agent or channel already
    settled."""
    hinted = language_from_tag(hint)
    if hinted and _RANK.get(hint_source, 0) > _RANK[LanguageSource.TEXT]:
        return customer_language_record(customer=customer, language=hinted, source=hint_source)
    settled = customer.language and not language_outranks(
        LanguageSource.TEXT, customer.language_source
    )
    if not settled and (detected := language_detect(text)):
        return customer_language_record(
            customer=customer, language=detected, source=LanguageSource.TEXT
        )
    if hinted:
        return customer_language_record(customer=customer, language=hinted, source=hint_source)
    return customer
