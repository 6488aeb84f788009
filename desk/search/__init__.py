"""The desk's search (`/desk/search/?q=…`): tickets and customers for what an agent typed.

- `#1234` or `1234`: that ticket (if the agent may see it) — `#1234` jumps straight to it;
- an email address or a phone number in any format ("06 12345678", "+31 6 1234 5678",
  "0031612345678"): the customers with that identity, normalised as the customers app stores
  it, and their tickets;
- anything else: full-text search over message bodies and ticket subjects in Dutch, English
  and plain (`desk.search.tickets`), and customers by name or identity fragment
  (`desk.search.customers`).

Every ticket goes through `tickets.selectors.ticket_visible_to`. The page issues the same
queries whatever the data size (`tests/desk/test_search.py` pins them).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db import connection, transaction

from customers.models import Customer, Identity
from desk.search.customers import customer_search, identity_condition
from desk.search.terms import Terms, search_terms_parse
from desk.search.tickets import (
    TicketFilter,
    TicketHits,
    ticket_list_for_customers,
    ticket_search,
)
from tickets.choices import Status
from tickets.models import Ticket
from tickets.selectors import ticket_visible_to

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from helpdesk.roles import User

SCOPES = ("all", "tickets", "customers")
CHANNELS = ("email", "chat", "phone", "social", "web")
TICKET_PAGE = 20
# Customers shown beside tickets, and on their own ("only customers"): bounded, best first.
CUSTOMERS_BESIDE = 6
CUSTOMERS_ALONE = 50


def _int(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


@dataclass(frozen=True)
class SearchFilter:
    """The search as the URL says it: `?q=…&status=open&channel=email&scope=tickets`,
    `customer=<id>` for one customer's tickets, `after=<ticket id>` for the next page.
    Unknown values fall back to the defaults."""

    q: str = ""
    status: str = ""
    channel: str = ""
    scope: str = "all"
    customer: int | None = None
    after: int | None = None

    @classmethod
    def from_query(cls, params: Any) -> SearchFilter:
        status = params.get("status", "")
        channel = params.get("channel", "")
        scope = params.get("scope", "all")
        return cls(
            q=params.get("q", "").strip()[:500],
            status=status if status in Status.values else "",
            channel=channel if channel in CHANNELS else "",
            scope=scope if scope in SCOPES else "all",
            customer=_int(params.get("customer", "")),
            after=_int(params.get("after", "")),
        )

    def query(self, **changes: Any) -> str:
        """This search (with `changes`) as a query string, defaults left out."""
        data = replace(self, **changes)
        pairs = {
            "q": data.q,
            "status": data.status,
            "channel": data.channel,
            "scope": "" if data.scope == "all" else data.scope,
            "customer": data.customer or "",
            "after": data.after or "",
        }
        return urlencode({key: value for key, value in pairs.items() if value})

    @property
    def ticket_filter(self) -> TicketFilter:
        return TicketFilter(status=self.status, channel=self.channel)

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.channel or self.scope != "all")


@dataclass(frozen=True)
class SearchResults:
    terms: Terms
    exact_ticket: Ticket | None
    tickets: TicketHits | None
    customers: list[Customer]
    more_customers: bool
    customer: Customer | None

    @property
    def empty(self) -> bool:
        return not (self.exact_ticket or (self.tickets and self.tickets.tickets) or self.customers)


def _exact_ticket(*, user: User, terms: Terms, spec: SearchFilter) -> Ticket | None:
    if terms.ticket_number is None or spec.after is not None:
        return None
    return (
        Ticket.objects.filter(ticket_visible_to(user=user), pk=terms.ticket_number)
        .select_related("customer")
        .first()
    )


def _tickets(
    *, user: User, terms: Terms, spec: SearchFilter, customer: Customer | None
) -> TicketHits | None:
    if spec.scope == "customers":
        return None
    owners: QuerySet[Any, Any] | None = None
    if customer is not None:
        owners = Customer.objects.filter(pk=customer.pk).values("pk")
    elif (exact := identity_condition(terms)) is not None:
        owners = Identity.objects.filter(exact).values("customer_id")
    if owners is not None:
        return ticket_list_for_customers(
            user=user, customers=owners, spec=spec.ticket_filter, after=spec.after, size=TICKET_PAGE
        )
    if terms.searches_text:
        return ticket_search(
            user=user, terms=terms, spec=spec.ticket_filter, after=spec.after, size=TICKET_PAGE
        )
    return None


def _customers(*, user: User, terms: Terms, spec: SearchFilter) -> tuple[list[Customer], bool]:
    if spec.scope == "tickets" or spec.after is not None or spec.customer is not None:
        return [], False
    limit = CUSTOMERS_ALONE if spec.scope == "customers" else CUSTOMERS_BESIDE
    found = customer_search(user=user, terms=terms, limit=limit)
    return found[:limit], len(found) > limit


@contextmanager
def planner_settings() -> Iterator[None]:
    """A transaction whose planner settings suit search's small reads: no parallel workers
    or JIT (their start-up costs more than the reads take) and no sequential scan — the
    planner's guess for a rare word can be far too high (an OR of several Polish forms is
    summed), and a scan of the whole table then looks cheaper than the index that answers
    in a millisecond. `SET LOCAL`: nothing outlives the transaction."""
    settings = {"jit": "off", "max_parallel_workers_per_gather": "0", "enable_seqscan": "off"}
    with transaction.atomic():
        calls = ", ".join("set_config(%s, %s, true)" for _ in settings)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {calls}", [item for pair in settings.items() for item in pair])
        yield


def search_run(*, user: User, spec: SearchFilter) -> SearchResults:
    """Everything the results page shows for `spec`, read as `user` may see it."""
    terms = search_terms_parse(q=spec.q)
    with planner_settings():
        customer = None
        if spec.customer is not None:
            customer = Customer.objects.filter(pk=spec.customer, merged_into__isnull=True).first()
        customers, more = _customers(user=user, terms=terms, spec=spec)
        return SearchResults(
            terms=terms,
            exact_ticket=_exact_ticket(user=user, terms=terms, spec=spec),
            tickets=_tickets(user=user, terms=terms, spec=spec, customer=customer),
            customers=customers,
            more_customers=more,
            customer=customer,
        )
