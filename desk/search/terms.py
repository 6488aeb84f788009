"""What an agent typed in the search box, read once: a ticket number, an email address, a
phone number in any format, name fragments, and the words for full-text search.

PostgreSQL ships Dutch and English stemmers but no Polish one. Polish words are indexed
unaccented and unstemmed (the `helpdesk_simple` configuration, also used for any other
language), and the query adds a light Polish stemmer of its own: each word loses a common
inflection ending and the stem comes back with every common ending, so "fakturę" also asks
for "faktura", "faktury", "fakturze", … — see `polish_forms`. Exact forms, not a prefix
query (`faktur:*`): the planner estimates how often a lexeme occurs from the index's
statistics, but guesses a prefix, and a wrong guess picks a plan that reads a whole range.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from customers.normalise import InvalidIdentity, normalise_email, normalise_phone

# Longer than any useful query; the box is a search, not a document.
MAX_QUERY = 200

_TICKET_NUMBER = re.compile(r"^#\s*(\d{1,18})$|^(\d{1,9})$")
_PHONE_LIKE = re.compile(r"^(?:whatsapp:)?\+?[\d\s().\-/]{6,30}$", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
# websearch_to_tsquery's operators: quoted phrases, OR and exclusion. With them the query
# means more than "all these words", so the Polish forms (which only AND) are left out.
_OPERATORS = re.compile(r'"|(?:^|\s)-\w|\bor\b', re.IGNORECASE)

_PUNCTUATION = ",.;:!?()[]\"'#"

# Common Polish inflection endings (nouns, adjectives, verbs), longest first.
_POLISH_ENDINGS = sorted(
    (
        "ach", "ami", "ego", "emu", "ych", "ymi", "ich", "imi", "owi", "ów", "om", "em",
        "ie", "ią", "ię", "ej", "ym", "im", "ał", "ła", "ło", "li", "ły",
        "a", "ą", "e", "ę", "i", "o", "u", "y",
    ),
    key=len,
    reverse=True,
)  # fmt: skip
# The endings a stem takes back (the common noun and adjective cases), the bare stem too.
# Few on purpose: the planner adds up its guess for each form.
_POLISH_FORMS = (
    "", "a", "y", "i", "e", "ę", "ą", "u", "ie", "ia", "iu", "iem", "ze", "em", "om", "ów",
    "ami", "ach",
)  # fmt: skip
# A shorter stem would find unrelated words.
_MIN_STEM = 4


def polish_stem(word: str) -> str:
    """The word without one common Polish ending, never shorter than four letters:
    "fakturę" → "faktur", "zamówienia" → "zamówieni", "paczki" → "paczk". Crude on purpose."""
    lowered = word.lower()
    for ending in _POLISH_ENDINGS:
        if lowered.endswith(ending) and len(lowered) - len(ending) >= _MIN_STEM:
            return lowered[: -len(ending)]
    return lowered


@dataclass(frozen=True)
class Terms:
    """The parts of one query. `text` goes to `websearch_to_tsquery` in every configuration;
    `forms` is a `to_tsquery` string of Polish word forms (or empty); `words` are what a
    customer's name or identity may contain."""

    raw: str
    text: str = ""
    forms: str = ""
    ticket_number: int | None = None
    explicit_number: bool = False
    email: str = ""
    phone: str = ""
    words: tuple[str, ...] = field(default_factory=tuple)

    @property
    def is_identity(self) -> bool:
        return bool(self.email or self.phone)

    @property
    def searches_text(self) -> bool:
        return bool(self.text) and not self.is_identity


def polish_forms(word: str) -> list[str]:
    """The word and its stem with each common ending: what a Polish text may hold."""
    stem = polish_stem(word)
    forms = [word.lower(), *(stem + ending for ending in _POLISH_FORMS)]
    return list(dict.fromkeys(forms))


def _forms(text: str) -> str:
    """A `to_tsquery` string: every word (of four letters or more) in any of its forms."""
    if _OPERATORS.search(text):
        return ""
    words = [word for word in _WORD.findall(text) if len(word) >= _MIN_STEM]
    groups = ["(" + " | ".join(polish_forms(word)) + ")" for word in dict.fromkeys(words)]
    return " & ".join(groups)


def _email(text: str) -> str:
    if "@" not in text or " " in text:
        return ""
    try:
        return normalise_email(text)
    except InvalidIdentity:
        return ""


def _phone(text: str) -> str:
    if not _PHONE_LIKE.match(text) or sum(ch.isdigit() for ch in text) < 6:
        return ""
    try:
        return normalise_phone(text)
    except InvalidIdentity:
        return ""


def search_terms_parse(*, q: str) -> Terms:
    """Read a query. Never raises: anything unreadable is simply searched as words."""
    text = " ".join(q.split())[:MAX_QUERY]
    if not text:
        return Terms(raw="")
    number = _TICKET_NUMBER.match(text)
    ticket_number = int(number.group(1) or number.group(2)) if number else None
    words = tuple(word for word in (w.strip(_PUNCTUATION) for w in text.split()) if word)
    return Terms(
        raw=text,
        text=text.lstrip("#") if number else text,
        forms=_forms(text),
        ticket_number=ticket_number,
        explicit_number=bool(number and number.group(1)),
        email=_email(text),
        phone=_phone(text),
        words=words[:6],
    )
