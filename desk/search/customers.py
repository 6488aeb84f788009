"""Customers for a query: the owner of an email address or phone number typed in any format
(exact, normalised as `customers.normalise` stores it), then name and identity fragments on
the trigram GIN indexes of migration customers/0003.

One query for the customers (with their visible ticket count) and one for their identities,
whatever the number of customers.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from customers.models import PHONE_KINDS, Customer, Identity, IdentityKind
from desk.search.sql import Unaccent, contains, ids_union
from desk.search.terms import Terms
from tickets.models import Ticket
from tickets.selectors import ticket_visible_to

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from helpdesk.roles import User

# A trigram index needs three characters to narrow anything down.
MIN_FRAGMENT = 3
# Candidates each way of matching contributes before they are ranked: a common first name
# matches thousands of customers, all about as alike; ranking a bounded set keeps the cost
# flat. Exact identity matches are their own part, so they are never crowded out.
CANDIDATES = 300


def identity_condition(terms: Terms) -> Q | None:
    """The identities an email address or phone number query names exactly, if it is one."""
    if terms.email:
        return Q(kind=IdentityKind.EMAIL, value=terms.email)
    if terms.phone:
        return Q(kind__in=PHONE_KINDS, value=terms.phone)
    return None


def _digits(terms: Terms) -> str:
    """A phone fragment ("612345", "06-1234 56"): the digits after any leading zeros, which
    E.164 values hold after the country code."""
    if terms.is_identity or not re.fullmatch(r"[\d\s()+.\-/]+", terms.raw):
        return ""
    digits = re.sub(r"\D", "", terms.raw).lstrip("0")
    return digits if len(digits) >= 6 else ""


def _candidates(terms: Terms) -> list[QuerySet[Any, Any]]:
    """One `values(customer id)` queryset per way a customer may match."""
    parts: list[QuerySet[Any, Any]] = []
    exact = identity_condition(terms)
    if exact is not None:
        parts.append(Identity.objects.filter(exact).values("customer_id"))
    digits = _digits(terms)
    if digits:
        parts.append(
            Identity.objects.filter(contains(F("value"), digits), kind__in=PHONE_KINDS).values(
                "customer_id"
            )
        )
    words = [word for word in terms.words if word]
    if exact is None and any(len(word) >= MIN_FRAGMENT for word in words):
        names = Customer.objects.all()
        for word in words:
            names = names.filter(contains(F("name"), word, unaccent=True))
        parts.append(names.values("id"))
    if exact is None and len(terms.raw) >= MIN_FRAGMENT:
        parts.append(Identity.objects.filter(contains(F("value"), terms.raw)).values("customer_id"))
    return [part.order_by()[:CANDIDATES] for part in parts]


def _ticket_count(*, user: User) -> Coalesce:
    counts = (
        Ticket.objects.filter(ticket_visible_to(user=user), customer_id=OuterRef("pk"))
        .values("customer_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


def customer_search(*, user: User, terms: Terms, limit: int) -> list[Customer]:
    """Up to `limit + 1` customers (one more tells the page there are more): exact identity
    matches first, then names most like the query. Merged-away records never show (their
    identities moved to the survivor). Each carries `ticket_count` (tickets `user` may see)
    and `identities` (prefetched, in kind order)."""
    parts = _candidates(terms)
    if not parts:
        return []
    exact = identity_condition(terms)
    is_exact = (
        Exists(Identity.objects.filter(exact, customer_id=OuterRef("pk")))
        if exact is not None
        else Q(pk__in=[])
    )
    customers = (
        Customer.objects.filter(pk__in=ids_union(parts), merged_into__isnull=True)
        .annotate(
            is_exact=is_exact,
            likeness=_likeness(terms),
            ticket_count=_ticket_count(user=user),
        )
        .prefetch_related(Prefetch("identities", queryset=Identity.objects.order_by("kind", "id")))
        .order_by("-is_exact", "-likeness", "-id")
    )
    return list(customers[: limit + 1])


def _likeness(terms: Terms) -> Func:
    """pg_trgm's `similarity` of the unaccented name and query."""
    return Func(
        Unaccent(F("name")),
        Unaccent(Value(terms.raw)),
        function="similarity",
        output_field=FloatField(),
    )
