"""A customer's way into the portal: a Django user (for the session) tied to one customer."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from customers.models import Customer


class CustomerAccount(models.Model):
    """Created on a customer's first sign-in. The user has an unusable password and no
    group: `helpdesk.roles.is_agent` is false for it, so the desk and the API refuse it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="customer_account"
    )
    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="portal_account"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Portal account of {self.customer}"
