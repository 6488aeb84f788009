"""Reads on customers, with the joins that keep them to a constant number of queries."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from customers.models import Customer, Identity


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
