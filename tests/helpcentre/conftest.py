"""Fixtures of the help centre's tests: articles written through the service, customers,
agents and their clients."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from customers.models import Customer
from helpcentre.models import Article, Category, Visibility
from helpcentre.services import ArticleText, CategoryText, article_save, category_save
from portal.signin import account_for
from tests.desk.conftest import signed_in  # noqa: F401  (the desk's browser sign-in, reused)


@pytest.fixture(autouse=True)
def _fresh_most_read() -> None:
    """The most-read lists are cached in the shared Redis: each test starts without them
    (only the help centre's keys; a cache.clear() would flush the broker too)."""
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    for key in client.scan_iter("*helpcentre:*"):
        client.delete(key)


@pytest.fixture
def topic(db: Any) -> Category:
    return category_save(
        slug="returns",
        texts={
            "en": CategoryText("Returns", "Sending things back"),
            "nl": CategoryText("Retouren", "Iets terugsturen"),
        },
    )


@pytest.fixture
def write(topic: Category) -> Callable[..., Article]:
    """`write(slug, en=(title, body), nl=..., pl=..., signed_in_only=False)`."""

    def make(slug: str, *, signed_in_only: bool = False, **texts: tuple[str, str]) -> Article:
        return article_save(
            category=topic,
            slug=slug,
            texts={code: ArticleText(*text) for code, text in texts.items()},
            visibility=Visibility.CUSTOMERS if signed_in_only else Visibility.PUBLIC,
            by=None,
        )

    return make


@pytest.fixture
def customer(db: Any) -> Customer:
    return Customer.objects.create(name="Lotte de Vries", language="nl")


@pytest.fixture
def customer_client(client: Any) -> Callable[[Customer], Any]:
    def sign_in(customer: Customer) -> Any:
        client.force_login(account_for(customer), backend="helpdesk.auth_api.PasswordCheckBackend")
        return client

    return sign_in


@pytest.fixture
def make_agent(django_user_model: Any) -> Callable[..., Any]:
    def make(username: str, *, manager: bool = False) -> Any:
        user = django_user_model.objects.create_user(username=username, password="pw-1-agent")
        user.groups.add(Group.objects.get_or_create(name="Managers" if manager else "Agents")[0])
        return user

    return make


@pytest.fixture
def desk_client(client: Any, make_agent: Callable[..., Any]) -> Any:
    client.force_login(make_agent("anna"))
    return client
