"""The customers app's enums: pure data, no models, so channel adapters and other low
layers can use them without importing the ORM. `customers.models` re-exports them."""

from __future__ import annotations

from django.db import models


class LanguageSource(models.TextChoices):
    """Where a customer's language came from, weakest last. `customers.language` holds the
    rule: an agent's correction is never overwritten; a signal replaces one of its own
    strength or weaker."""

    AGENT = "agent", "Set by an agent"
    CHANNEL = "channel", "Told by the channel (browser language, Content-Language)"
    TEXT = "text", "Detected from the customer's text"
    PHONE_COUNTRY = "phone_country", "Guessed from the phone number's country"


class IdentityKind(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    WHATSAPP = "whatsapp", "WhatsApp"
    FACEBOOK = "facebook", "Facebook Messenger"
    INSTAGRAM = "instagram", "Instagram"
    X = "x", "X"
    CHAT = "chat", "Chat visitor"


# Kinds whose value is an E.164 number: a WhatsApp id and a phone number are the same person.
PHONE_KINDS = (IdentityKind.PHONE, IdentityKind.WHATSAPP)

__all__ = ["PHONE_KINDS", "IdentityKind", "LanguageSource"]
