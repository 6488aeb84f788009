"""/api/v1/customers/?q=: fragments of a name, an email address, a phone number and another
identity find the same customers, in the same order, as the `icontains` join it replaced;
an address or number typed whole finds its owner in any format; the statements are pinned."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from customers import selectors
from customers.models import Customer
from customers.services import IdentityInput, customer_create, customer_merge

pytestmark = pytest.mark.django_db


def _customer(name: str, *identities: tuple[str, str]) -> Customer:
    return customer_create(
        name=name,
        identities=[IdentityInput(kind=kind, value=value) for kind, value in identities],
    )


@pytest.fixture
def people() -> dict[str, Customer]:
    return {
        "anna": _customer(
            "Anna de Vries",
            ("email", "anna.devries@example.nl"),
            ("phone", "+31612345678"),
        ),
        "jan": _customer("Jan Kowalski", ("email", "jan@wp.pl"), ("whatsapp", "+48501234567")),
        "kowal": _customer("Zofia Kowalczyk", ("facebook", "100000000042137")),
        "bojan": _customer("Bojan Petrović", ("email", "bojan@wp.pl")),
        "nameless": _customer("", ("instagram", "17800000000123456")),
        "percent": _customer("100% Pure_Shop", ("email", "sales@pure-shop.com")),
    }


def _search(api: Any, q: str, **params: Any) -> list[int]:
    response = api.get("/api/v1/customers/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _before(q: str) -> list[int]:
    """What the endpoint answered before: `icontains` over the identities join, DISTINCT."""
    rows = (
        Customer.objects.filter(merged_into__isnull=True)
        .filter(Q(name__icontains=q) | Q(identities__value__icontains=q.lower()))
        .distinct()
        .order_by("-id")
    )
    return list(rows.values_list("id", flat=True))


FRAGMENTS = [
    "kowal",  # name fragment, two customers (one also by identity)
    "KOWALSKI",  # any case
    "de vr",  # across a space
    "devries@exa",  # email fragment
    "@wp.pl",  # a mail domain: two customers
    "2345678",  # phone fragment (E.164 digits)
    "+4850",  # WhatsApp number's start
    "00000004213",  # Facebook id fragment
    "178000000001",  # Instagram id, customer without a name
    "100%",  # LIKE's wildcards are literal
    "pure_s",
    "a",  # short: checked row by row
    "an",
    "nobody-has-this",
]


@pytest.mark.parametrize("q", FRAGMENTS)
def test_fragments_find_what_the_join_found_in_its_order(api, people, q: str) -> None:
    assert _search(api, q) == _before(q)


def test_each_kind_of_fragment_finds_its_customer(api, people) -> None:
    assert _search(api, "kowalczyk") == [people["kowal"].pk]  # name
    assert _search(api, "devries@example") == [people["anna"].pk]  # email
    assert _search(api, "612345") == [people["anna"].pk]  # phone
    assert _search(api, "000000042137") == [people["kowal"].pk]  # another identity
    assert _search(api, "Petrović") == [people["bojan"].pk]  # accents as written


def test_an_address_or_number_typed_whole_finds_its_owner(api, people) -> None:
    assert _search(api, "anna.devries@example.nl") == [people["anna"].pk]
    assert _search(api, "  Anna.DeVries@Example.NL ") == [people["anna"].pk]
    # a phone number in the local format finds the E.164 identity a fragment would miss
    assert _search(api, "06 1234 5678") == [people["anna"].pk]
    assert _search(api, "+48 501 234 567") == [people["jan"].pk]
    # the owner only: "bojan@wp.pl" contains it, but the agent typed Jan's address
    assert _search(api, "jan@wp.pl") == [people["jan"].pk]
    # nobody's address: the fragment search answers (part of Jan's and Bojan's)
    both = [people["bojan"].pk, people["jan"].pk]
    assert _search(api, "an@wp.pl") == _before("an@wp.pl") == both


def test_merged_customers_are_not_found_and_their_survivor_is(api, people) -> None:
    customer_merge(source=people["bojan"], target=people["jan"])
    assert _search(api, "bojan") == [people["jan"].pk] == _before("bojan")
    assert people["bojan"].pk not in _search(api, "petrovi")


def test_common_fragments_walk_the_newest_customers(api, people, monkeypatch) -> None:
    """More candidates than `CANDIDATES` in one way of matching: the walk answers, with the
    same customers and pages."""
    monkeypatch.setattr(selectors, "CANDIDATES", 1)
    for q in ("@wp.pl", "kowal", "o"):
        assert _search(api, q) == _before(q)
    first = api.get("/api/v1/customers/", {"q": "o", "page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert [r["id"] for r in first["results"] + second["results"]] == _before("o")[:4]


def test_search_pages_with_the_cursor(api, people) -> None:
    pages: list[int] = []
    url: str | None = "/api/v1/customers/?q=a&page_size=2"
    while url:
        body = api.get(url).json()
        pages += [row["id"] for row in body["results"]]
        url = body["next"]
    assert pages == _before("a")


@pytest.mark.parametrize(
    ("q", "statements"),
    [
        # groups; the planner's estimate; candidate ids; customers; their identities
        ("kowal", 5),
        ("612345", 5),
        # groups; the exact identity; customers; identities
        ("anna.devries@example.nl", 4),
        ("06 1234 5678", 4),
        # groups; customers by the plain condition; identities
        ("an", 3),
    ],
)
def test_search_statements_are_pinned(api, people, monkeypatch, q: str, statements: int) -> None:
    if q == "wp.pl":
        monkeypatch.setattr(selectors, "CANDIDATES", 1)
    with CaptureQueriesContext(connection) as queries:
        assert _search(api, q)
    assert len(queries) == statements, [query["sql"] for query in queries.captured_queries]
    assert not any("DISTINCT" in query["sql"] for query in queries.captured_queries)
