"""Merging the customer with one the panel suggests: what would move, then the merge with the
survivor the agent chose (`tickets.services.customer_merge_with_timeline`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count
from django.utils.translation import gettext as _

from customers.models import Customer
from customers.selectors import customer_list
from customers.services import MergeError
from desk.customer_panel.reads import Suggestion, merge_suggestions
from desk.customer_panel.words import IdentityRow, customer_label, identity_rows
from tickets.selectors import ticket_list_for_user
from tickets.services import customer_merge_with_timeline

if TYPE_CHECKING:
    from helpdesk.roles import User


@dataclass(frozen=True)
class MergeSide:
    customer: Customer
    label: str
    identities: list[IdentityRow]
    tickets: int


@dataclass(frozen=True)
class MergePreview:
    """Both customers and what each brings: the agent picks which one stays."""

    current: MergeSide
    other: MergeSide
    reasons: list[str]

    @property
    def sides(self) -> list[tuple[MergeSide, MergeSide]]:
        """(who stays, who moves into them) for each choice; keeping the current customer
        comes first, as the default."""
        return [(self.current, self.other), (self.other, self.current)]


def _suggested(*, customer: Customer, other_id: int) -> Suggestion | None:
    return next(
        (s for s in merge_suggestions(customer=customer) if s.customer.pk == other_id), None
    )


def merge_preview(*, user: User, customer: Customer, other_id: int) -> MergePreview | None:
    """What merging `customer` with the suggested customer `other_id` would move, or None
    when that customer is no longer a suggestion (merged meanwhile, or never suggested: the
    desk merges only the customers it suggests). Ticket counts are of the tickets `user` may
    see. `customer` comes with its identities prefetched."""
    suggestion = _suggested(customer=customer, other_id=other_id)
    if suggestion is None:
        return None
    other = customer_list().get(pk=other_id)
    counts = dict(
        ticket_list_for_user(user=user)
        .filter(customer_id__in=[customer.pk, other.pk])
        .select_related(None)
        .prefetch_related(None)
        .order_by()
        .values_list("customer_id")
        .annotate(n=Count("id"))
    )

    def side(person: Customer) -> MergeSide:
        return MergeSide(
            customer=person,
            label=customer_label(person),
            identities=identity_rows(list(person.identities.all())),
            tickets=counts.get(person.pk, 0),
        )

    return MergePreview(current=side(customer), other=side(other), reasons=suggestion.reasons)


class NoLongerSuggested(MergeError):
    """The other customer is not (any more) a suggestion: merged meanwhile, or never one."""


def merge_confirm(
    *, user: User, customer: Customer, other_id: int, keep_id: int
) -> tuple[Customer, Customer]:
    """Merge `customer` and the suggested customer `other_id`; the one with `keep_id` stays.
    Returns (survivor, the customer merged into it). Raises `NoLongerSuggested`, or
    `MergeError` when `keep_id` is neither customer or the merge service refuses."""
    if _suggested(customer=customer, other_id=other_id) is None:
        raise NoLongerSuggested(
            _("That customer is no longer suggested: perhaps someone merged them already.")
        )
    if keep_id not in (customer.pk, other_id):
        raise MergeError(_("Choose which of the two customers stays."))
    other = Customer.objects.get(pk=other_id)
    source, target = (other, customer) if keep_id == customer.pk else (customer, other)
    survivor = customer_merge_with_timeline(source=source, target=target, by=user)
    return survivor, source
