"""Identity normalisation: one canonical value per way of reaching a person."""

from __future__ import annotations

import re

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from customers.models import PHONE_KINDS, IdentityKind


class InvalidIdentity(ValidationError):
    """The value cannot be an identity of that kind; the message says why."""


_DIGITS_ONLY = re.compile(r"^\d{8,15}$")


def normalise_email(value: str) -> str:
    address = value.strip().strip("<>").strip()
    try:
        validate_email(address)
    except ValidationError as exc:
        raise InvalidIdentity(f"'{value}' is not an email address") from exc
    # The local part is case-sensitive by RFC, but no real mailbox provider treats it so, and
    # customers type their address in every case: lower-case all of it.
    return address.lower()


def normalise_phone(value: str, *, region: str | None = None) -> str:
    """E.164 for any way a number is written: '06 12345678' (region NL), '+31 6 1234 5678',
    '0031612345678', and WhatsApp's bare international digits '31612345678'."""
    raw = value.strip()
    if raw.lower().startswith("whatsapp:"):
        raw = raw.split(":", 1)[1]
    region = (region or settings.HELPDESK_DEFAULT_PHONE_REGION or "").upper() or None
    compact = re.sub(r"[\s().\-/]", "", raw)
    candidates: list[tuple[str, str | None]] = []
    if compact.startswith("+"):
        candidates.append((compact, None))
    elif compact.startswith("00"):
        candidates.append(("+" + compact[2:], None))
    else:
        candidates.append((raw, region))
        # WhatsApp and many APIs give the international number without '+'.
        if _DIGITS_ONLY.match(compact) and not compact.startswith("0"):
            candidates.append(("+" + compact, None))
    for text, reg in candidates:
        try:
            number = phonenumbers.parse(text, reg)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    raise InvalidIdentity(f"'{value}' is not a valid phone number")


def normalise_identity(kind: str, value: str, *, region: str | None = None) -> str:
    if kind not in IdentityKind.values:
        raise InvalidIdentity(f"unknown identity kind '{kind}'")
    if not value or not value.strip():
        raise InvalidIdentity(f"an empty {kind} identity")
    if kind == IdentityKind.EMAIL:
        return normalise_email(value)
    if kind in PHONE_KINDS:
        return normalise_phone(value, region=region)
    cleaned = value.strip()
    if kind == IdentityKind.X:
        # X handles are case-insensitive and written with or without '@'.
        return cleaned.lstrip("@").lower()
    if len(cleaned) > 320:
        raise InvalidIdentity(f"a {kind} identity longer than 320 characters")
    return cleaned


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()
