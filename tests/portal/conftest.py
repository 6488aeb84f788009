"""Shared fixtures of the portal's tests: customers with tickets, and signed-in clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache

from customers.models import Customer
from portal.signin import account_for
from tests.factories import inbound
from tickets.services import message_ingest, sla_policies_default


@pytest.fixture(autouse=True)
def _fresh_limits() -> None:
    """Rate-limit counters live in the shared Redis cache: each test starts from zero. Only
    the portal's keys go (a cache.clear() would flush the broker and channel layer too)."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter("*portal:link:*"):
        client.delete(key)


@pytest.fixture
def ask(db: Any) -> Callable[..., Customer]:
    """`ask(email, subject, channel=...)`: a customer's inbound message; returns the customer."""
    sla_policies_default()

    def make(value: str, subject: str, channel: str = "email", **extra: Any) -> Customer:
        result = message_ingest(
            data=inbound(channel=channel, value=value, subject=subject, **extra)
        )
        return result.ticket.customer

    return make


@pytest.fixture
def customer_client(client: Any) -> Callable[[Customer], Any]:
    def sign_in(customer: Customer) -> Any:
        client.force_login(account_for(customer), backend="helpdesk.auth_api.PasswordCheckBackend")
        return client

    return sign_in


@pytest.fixture
def make_agent(django_user_model: Any) -> Callable[..., Any]:
    def make(username: str) -> Any:
        from django.contrib.auth.models import Group

        user = django_user_model.objects.create_user(username=username, password="pw-1-agent")
        user.groups.add(Group.objects.get_or_create(name="Agents")[0])
        return user

    return make
