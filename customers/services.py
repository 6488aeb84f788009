"""Writes on customers and identities. Every function is atomic and keyword-only."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from customers.language import language_outranks
from customers.models import (
    PHONE_KINDS,
    Customer,
    Identity,
    IdentityKind,
    LanguageSource,
    Organisation,
)
from customers.normalise import email_domain, normalise_identity
from helpdesk.db import advisory_xact_lock
from helpdesk.errors import DomainError

logger = logging.getLogger(__name__)


# ValueError stays a base: callers that catch ValueError keep catching it.
class MergeError(DomainError, ValueError):
    """The two customers cannot be merged; the message says why."""


@dataclass(frozen=True)
class ResolvedIdentity:
    customer: Customer
    identity: Identity
    created: bool


def _identity_lock_key(kind: str, value: str) -> str:
    # A phone number and a WhatsApp id with the same digits are one person: one lock.
    family = "tel" if kind in PHONE_KINDS else kind
    return f"identity:{family}:{value}"


def _survivor(customer: Customer) -> Customer:
    seen: set[int] = set()
    while customer.merged_into is not None and customer.pk not in seen:
        seen.add(customer.pk)
        customer = customer.merged_into
    return customer


def _find_identity(kind: str, value: str) -> Identity | None:
    identities = Identity.objects.select_related("customer")
    found = identities.filter(kind=kind, value=value).first()
    if found is None and kind in PHONE_KINDS:
        found = identities.filter(kind__in=PHONE_KINDS, value=value).order_by("created_at").first()
    return found


def _organisation_for(kind: str, value: str) -> Organisation | None:
    if kind != IdentityKind.EMAIL:
        return None
    return Organisation.objects.filter(domain=email_domain(value)).first()


def _name_if_unnamed(customer: Customer, name: str) -> None:
    """A channel's profile name (a WhatsApp profile, an email display name) fills an empty
    name; a name already there, as an agent set it, is never overwritten."""
    name = name.strip()[:200]
    if name and not customer.name.strip():
        customer.name = name
        customer.save(update_fields=["name", "updated_at"])


@transaction.atomic
def customer_resolve(
    *,
    kind: str,
    value: str,
    name: str = "",
    region: str | None = None,
    language: str = "",
) -> ResolvedIdentity:
    """The customer behind an identity, creating customer and identity when unknown.

    A WhatsApp id resolves to the customer who has that number as a phone identity (and
    vice versa); the missing identity of the other kind is then added to them. Merged
    customers resolve to their survivor. `name` (what the channel calls the sender) fills a
    found customer's empty name and never replaces one. Safe under concurrent calls for the
    same identity.
    Raises `InvalidIdentity` for a value that cannot be normalised.
    """
    normalised = normalise_identity(kind, value, region=region)
    advisory_xact_lock(_identity_lock_key(kind, normalised))
    existing = _find_identity(kind, normalised)
    if existing is not None:
        customer = _survivor(existing.customer)
        _name_if_unnamed(customer, name)
        if existing.kind != kind:
            identity = Identity.objects.create(
                customer=customer, kind=kind, value=normalised, display=value.strip()
            )
            return ResolvedIdentity(customer=customer, identity=identity, created=False)
        return ResolvedIdentity(customer=customer, identity=existing, created=False)
    customer = Customer.objects.create(
        name=name.strip()[:200],
        language=language,
        # A language given here comes from the channel (the chat widget's browser language).
        language_source=LanguageSource.CHANNEL if language else "",
        organisation=_organisation_for(kind, normalised),
    )
    identity = Identity.objects.create(
        customer=customer, kind=kind, value=normalised, display=value.strip()
    )
    logger.info("customer %s created from %s identity", customer.pk, kind)
    return ResolvedIdentity(customer=customer, identity=identity, created=True)


class IdentityTaken(MergeError):
    """The identity already belongs to a customer (`customer_id`): 409, naming them."""

    status = 409

    def __init__(self, message: str, *, customer_id: int) -> None:
        super().__init__(message)
        self.customer_id = customer_id

    def payload(self) -> dict[str, Any]:
        return {**super().payload(), "customer": self.customer_id}


@dataclass(frozen=True)
class IdentityInput:
    kind: str
    value: str
    region: str | None = None


@transaction.atomic
def customer_create(
    *, name: str, identities: list[IdentityInput], language: str = "", notes: str = ""
) -> Customer:
    """An agent records a new customer with all their identities, or nothing at all.

    Raises `InvalidIdentity` for a value that cannot be normalised and `IdentityTaken` when
    any identity already belongs to someone (the agent should open that customer instead).
    """
    if not identities:
        raise MergeError("a customer needs at least one identity")
    normalised = [
        (item.kind, normalise_identity(item.kind, item.value, region=item.region), item.value)
        for item in identities
    ]
    for kind, value, _display in normalised:
        advisory_xact_lock(_identity_lock_key(kind, value))
        existing = _find_identity(kind, value)
        if existing is not None:
            owner = _survivor(existing.customer)
            raise IdentityTaken(
                f"{kind} {value} already belongs to customer {owner.pk}", customer_id=owner.pk
            )
    first_kind, first_value, _ = normalised[0]
    customer = Customer.objects.create(
        name=name.strip()[:200],
        language=language,
        language_source=LanguageSource.AGENT if language else "",
        notes=notes,
        organisation=next(
            (org for k, v, _ in normalised if (org := _organisation_for(k, v))), None
        ),
    )
    Identity.objects.bulk_create(
        Identity(customer=customer, kind=kind, value=value, display=display.strip())
        for kind, value, display in dict.fromkeys(normalised)
    )
    logger.info("customer %s created by an agent (%s %s)", customer.pk, first_kind, first_value)
    return customer


@transaction.atomic
def identity_add(
    *, customer: Customer, kind: str, value: str, region: str | None = None
) -> Identity:
    """Give `customer` another identity. Raises `MergeError` when it belongs to someone else
    (the agent should merge the two customers instead)."""
    normalised = normalise_identity(kind, value, region=region)
    advisory_xact_lock(_identity_lock_key(kind, normalised))
    customer = _survivor(customer)
    existing = Identity.objects.filter(kind=kind, value=normalised).first()
    if existing is None and kind in PHONE_KINDS:
        # The same number as WhatsApp or phone is the same person: never split it.
        existing = Identity.objects.filter(kind__in=PHONE_KINDS, value=normalised).first()
        if existing is not None and _survivor(existing.customer).pk == customer.pk:
            existing = None
    if existing is not None:
        if _survivor(existing.customer).pk == customer.pk:
            return existing
        raise MergeError(
            f"{kind} {normalised} already belongs to customer {existing.customer_id}; "
            "merge them instead"
        )
    identity = Identity.objects.create(
        customer=customer, kind=kind, value=normalised, display=value.strip()
    )
    if customer.organisation_id is None and (org := _organisation_for(kind, normalised)):
        customer.organisation = org
        customer.save(update_fields=["organisation", "updated_at"])
    return identity


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    name: str | None = None,
    language: str | None = None,
    notes: str | None = None,
) -> Customer:
    """An agent edits a customer. A language set here is the agent's correction, which no
    detection overwrites; a blank one means "unknown", and detection may try again."""
    fields = []
    for field, value in (("name", name), ("language", language), ("notes", notes)):
        if value is not None:
            setattr(customer, field, value)
            fields.append(field)
    if language is not None:
        customer.language_source = LanguageSource.AGENT if language else ""
        fields.append("language_source")
    if fields:
        customer.save(update_fields=[*fields, "updated_at"])
    return customer


@transaction.atomic
def customer_merge(*, source: Customer, target: Customer) -> Customer:
    """Move everything that points at `source` to `target`, then mark `source` merged.

    Generic over every foreign key to Customer, so apps that depend on customers (tickets,
    surveys, …) have their rows moved without this app importing them. The merged record
    stays, pointing at the survivor, so its old id keeps resolving. Returns the survivor.
    """
    source = Customer.objects.select_for_update().get(pk=source.pk)
    target = Customer.objects.select_for_update().get(pk=_survivor(target).pk)
    if source.pk == target.pk:
        raise MergeError("a customer cannot be merged into itself")
    if source.is_merged:
        raise MergeError(f"customer {source.pk} was already merged into {source.merged_into_id}")
    for relation in Customer._meta.related_objects:
        if not isinstance(relation, models.ManyToOneRel) or relation.many_to_many:
            continue
        manager = relation.related_model._base_manager
        manager.filter(**{relation.field.name: source}).update(**{relation.field.name: target})
    updates = ["merged_into", "merged_at", "updated_at"]
    source.merged_into = target
    source.merged_at = timezone.now()
    source.save(update_fields=updates)
    changed = []
    if not target.name and source.name:
        target.name = source.name
        changed.append("name")
    if source.language and (
        not target.language or not language_outranks(target.language_source, source.language_source)
    ):
        # The better-founded language survives (an agent's correction over a detection).
        target.language, target.language_source = source.language, source.language_source
        changed += ["language", "language_source"]
    if target.organisation_id is None and source.organisation_id is not None:
        target.organisation_id = source.organisation_id
        changed.append("organisation")
    if source.notes:
        target.notes = f"{target.notes}\n{source.notes}".strip()
        changed.append("notes")
    if changed:
        target.save(update_fields=[*changed, "updated_at"])
    logger.info("customer %s merged into %s", source.pk, target.pk)
    return target
