"""Reads on customers, with the joins that keep them to a constant number of queries."""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from customers.models import PHONE_KINDS, Customer, Identity, IdentityKind
from customers.normalise import InvalidIdentity, normalise_email, normalise_phone


def customer_list() -> QuerySet[Customer]:
    """Live customers (merged records are hidden) with identities and organisation."""
    return (
        Customer.objects.filter(merged_into__isnull=True)
        .select_related("organisation")
        .prefetch_related(
            Prefetch("identities", queryset=Identity.objects.order_by("kind", "value"))
        )
    )


def customer_get(*, customer_id: int) -> Customer:
    """The customer with this id, or the survivor it was merged into (old ids keep working).
    Raises `Customer.DoesNotExist`."""
    customer = Customer.objects.only("id", "merged_into_id").get(pk=customer_id)
    seen: set[int] = set()
    while customer.merged_into_id is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = Customer.objects.only("id", "merged_into_id").get(pk=customer.merged_into_id)
    return customer_list().get(pk=customer.pk)


# --- Search (the API's `?q=`): what `name__icontains=q OR identities__value__icontains=q`
# finds, without reading every customer. -----------------------------------------------------

# A trigram index narrows nothing down for fewer than three characters.
MIN_FRAGMENT = 3
# A fragment that more customers than this match in one way (a common surname, a mail
# domain) is common enough that walking the newest customers finds a page at once; a rarer
# one is answered from the ids the trigram indexes give.
CANDIDATES = 1000
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{6,30}$")


class _ILike(Func):
    """`value ILIKE pattern`: the form the trigram GIN indexes of migration 0003 serve
    (Django's `icontains` compiles to `UPPER(…) LIKE UPPER(…)`, which they do not)."""

    arg_joiner = " ILIKE "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class _Unaccent(Func):
    """Migration 0003's immutable `unaccent`, which `customer_name_trgm_idx` is built on."""

    function = "helpdesk_unaccent"


def _contains_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _exact_identity(q: str) -> Q | None:
    """The identities an email address or phone number typed whole names, normalised as
    they are stored ("06 1234 5678" is +31612345678), if `q` is one."""
    try:
        if "@" in q:
            return Q(kind=IdentityKind.EMAIL, value=normalise_email(q))
        if _PHONE_LIKE.match(q):
            return Q(kind__in=PHONE_KINDS, value=normalise_phone(q))
    except InvalidIdentity:
        return None
    return None


def _candidate_parts(q: str, *, limit: int | None, exact: bool = True) -> QuerySet[Any, Any]:
    """The ids each way of matching finds (up to `limit` each), each part numbered, in one
    UNION ALL of index reads. Each part has an ILIKE the trigram index answers and keeps the
    exact `icontains` condition (`exact`), which implies it: what contains `q` contains it
    unaccented."""
    pattern = Value(_contains_pattern(q))
    names = Customer.objects.filter(_ILike(_Unaccent(F("name")), _Unaccent(pattern)))
    values = Identity.objects.filter(_ILike(F("value"), pattern))
    if exact:
        names = names.filter(name__icontains=q)
        values = values.filter(value__icontains=q.lower())
    by_name = names.annotate(part=Value(0)).values_list("part", "id").order_by()
    by_value = values.annotate(part=Value(1)).values_list("part", "customer_id").order_by()
    if limit is not None:
        by_name, by_value = by_name[:limit], by_value[:limit]
    return by_name.union(by_value, all=True)


def _looks_common(q: str) -> bool:
    """Whether PostgreSQL expects more than `CANDIDATES` matches in one way: from its
    statistics of the trigram conditions alone (a second condition would halve the guess),
    without reading them: a GIN index gives every match before the first."""
    sql, params = _candidate_parts(q, limit=None, exact=False).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    parts = plan[0]["Plan"].get("Plans", [plan[0]["Plan"]])
    return max(int(part["Plan Rows"]) for part in parts) > CANDIDATES


def _walk(q: str) -> QuerySet[Customer]:
    """The plain condition, for fragments most customers match: read in the page's order,
    the first page is found after a few hundred rows. The identities are counted per
    customer (a scalar subquery, read by the customer index for each row): as an EXISTS,
    PostgreSQL would hash every matching identity first, a scan of them all."""
    hits = (
        Identity.objects.filter(customer_id=OuterRef("pk"), value__icontains=q.lower())
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        customer_list()
        .alias(identity_hits=Subquery(hits, output_field=IntegerField()))
        .filter(Q(name__icontains=q) | Q(identity_hits__gt=0))
    )


def customer_search(*, q: str) -> QuerySet[Customer]:
    """`customer_list()` narrowed to the customers whose name or an identity contains `q`
    (case-insensitive). An email address or phone number typed whole that is someone's
    identity finds that one customer (its owner, in any format: "06 1234 5678"), from the
    unique index. Otherwise rare fragments are answered by id from the trigram indexes (a
    UNION of id lookups: no join, no DISTINCT), common and short ones by `_walk`: both are
    exact, the choice (PostgreSQL's estimate, checked) only decides which is fast."""
    exact = _exact_identity(q)
    if exact is not None:
        owners = list(Identity.objects.filter(exact).values_list("customer_id", flat=True))
        if owners:
            return customer_list().filter(pk__in=owners)
    if len(q) < MIN_FRAGMENT or _looks_common(q):
        return _walk(q)
    ids: list[int] = []
    per_part = [0, 0]
    for part, customer_id in _candidate_parts(q, limit=CANDIDATES + 1):
        per_part[part] += 1
        ids.append(customer_id)
    if max(per_part) > CANDIDATES:  # the estimate was low
        return _walk(q)
    return customer_list().filter(pk__in=ids)
