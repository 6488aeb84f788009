"""Reads on tickets and messages, with the joins that keep list pages at constant queries."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet

from customers.models import Customer, Identity
from customers.normalise import InvalidIdentity, normalise_email
from tickets.models import Attachment, Direction, Message, Team, Ticket, TicketEvent


def ticket_list() -> QuerySet[Ticket]:
    return Ticket.objects.select_related("customer", "assignee", "team").filter(
        merged_into__isnull=True
    )


def ticket_get(*, ticket_id: int) -> Ticket:
    """Raises `Ticket.DoesNotExist`."""
    return Ticket.objects.select_related("customer", "assignee", "team").get(pk=ticket_id)


def message_list(*, ticket: Ticket) -> QuerySet[Message]:
    return (
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_customer", "identity")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))
    )


def event_list(*, ticket: Ticket) -> QuerySet[TicketEvent]:
    return TicketEvent.objects.filter(ticket=ticket).select_related("actor")


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("lead").prefetch_related("members")


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _mentioned_identities(texts: list[str]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    region = settings.HELPDESK_DEFAULT_PHONE_REGION
    for text in texts:
        for match in _EMAIL_RE.findall(text):
            try:
                found.add(("email", normalise_email(match)))
            except InvalidIdentity:
                continue
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            found.add(
                (
                    "tel",
                    phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164),
                )
            )
    return found


def customer_merge_suggestions(*, customer: Customer, limit: int = 10) -> list[dict[str, Any]]:
    """Other customers who are probably the same person: an email address or phone number
    the customer mentioned in a message belongs to them, or they have the same name."""
    texts = list(
        Message.objects.filter(ticket__customer=customer, direction=Direction.INBOUND)
        .order_by("-created_at")
        .values_list("body_text", flat=True)[:50]
    )
    mentioned = _mentioned_identities(texts)
    own = {(i.kind, i.value) for i in customer.identities.all()}
    condition = Q()
    for family, value in mentioned:
        if family == "email" and ("email", value) not in own:
            condition |= Q(kind="email", value=value)
        elif family == "tel" and ("phone", value) not in own and ("whatsapp", value) not in own:
            condition |= Q(kind__in=["phone", "whatsapp"], value=value)
    suggestions: dict[int, dict[str, Any]] = {}
    if condition:
        matches = (
            Identity.objects.filter(condition, customer__merged_into__isnull=True)
            .exclude(customer=customer)
            .select_related("customer")
        )
        for identity in matches:
            entry = suggestions.setdefault(
                identity.customer_id, {"customer": identity.customer, "reasons": []}
            )
            entry["reasons"].append(f"mentioned {identity.kind} {identity.value} in a message")
    if customer.name.strip():
        same_name = Customer.objects.filter(
            name__iexact=customer.name.strip(), merged_into__isnull=True
        ).exclude(pk=customer.pk)[:limit]
        for other in same_name:
            entry = suggestions.setdefault(other.pk, {"customer": other, "reasons": []})
            entry["reasons"].append("same name")
    return list(suggestions.values())[:limit]
