"""`helpdesk.roles`: who is an agent and who is a manager (groups + superusers)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied

from helpdesk.roles import acting_user, is_agent, is_manager

pytestmark = pytest.mark.django_db


def _user(name: str, *groups: str, **fields: object) -> User:
    user = User.objects.create_user(name, password="x", **fields)
    for group in groups:
        user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def test_it_knows_agents() -> None:
    agent = _user("agent", "Agents")
    assert is_agent(agent)
    assert not is_manager(agent)


def test_it_counts_managers_and_superusers_as_both() -> None:
    for user in (_user("manager", "Managers"), _user("root", is_superuser=True)):
        assert is_agent(user)
        assert is_manager(user)


def test_it_refuses_others() -> None:
    plain = _user("plain", "Customers", is_staff=True)
    inactive = _user("gone", "Managers", is_active=False)
    inactive_root = _user("gone-root", is_superuser=True, is_active=False)
    for user in (plain, inactive, inactive_root, AnonymousUser(), None):
        assert not is_agent(user)
        assert not is_manager(user)


def test_acting_user_is_the_signed_in_user() -> None:
    agent = _user("agent", "Agents")
    assert acting_user(agent) is agent


def test_acting_user_refuses_anonymous() -> None:
    with pytest.raises(PermissionDenied):
        acting_user(AnonymousUser())
