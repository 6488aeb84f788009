"""A customer is a person; identities are the ways of reaching them on each channel."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower

# The enums live in `customers.choices` (no ORM there, so channel adapters can use them);
# re-exported so `from customers.models import IdentityKind` keeps working.
from customers.choices import PHONE_KINDS as PHONE_KINDS
from customers.choices import IdentityKind, LanguageSource


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    # Customers whose email address is at this domain join the organisation.
    domain = models.CharField(max_length=253, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, blank=True, help_text="en, nl or pl; blank = unknown")
    language_source = models.CharField(
        max_length=16, blank=True, choices=LanguageSource.choices, help_text="blank = unknown"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    notes = models.TextField(blank=True)
    # Set when this record was merged into another; old ids keep resolving to the survivor.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    merged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(Lower("name"), name="customer_name_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.name or f"Customer {self.pk}"

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class Identity(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    # Normalised: lower-cased email, E.164 phone, provider id otherwise.
    value = models.CharField(max_length=320)
    display = models.CharField(max_length=320, blank=True, help_text="As the customer wrote it")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "identities"
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_kind_value_unique"),
        ]
        indexes = [models.Index(fields=["value"], name="identity_value_idx")]
        ordering = ["kind", "value"]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"
