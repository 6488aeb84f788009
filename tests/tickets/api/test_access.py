"""Who may use the REST API at all: anonymous callers and non-agents see nothing, managers
get in."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.factories import inbound
from tickets.services import message_ingest

LIST_URLS = ["/api/v1/tickets/", "/api/v1/customers/", "/api/v1/teams/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*LIST_URLS, "/api/v1/tickets/1/", "/api/v1/tickets/1/messages/"])
def test_unauthenticated_calls_see_nothing(url: str) -> None:
    message_ingest(data=inbound("email", body_text="secret order details"))
    response = APIClient().get(url)
    assert response.status_code in (401, 403)
    assert b"secret" not in response.content
    assert b"example.com" not in response.content


@pytest.mark.django_db
def test_customer_without_agent_role_is_refused(django_user_model) -> None:
    user = django_user_model.objects.create_user(username="outsider", password="pw-outsider-1")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 403
    assert "Only agents" in response.json()["detail"]


@pytest.mark.django_db
def test_agent_group_membership_is_needed(django_user_model) -> None:
    manager = django_user_model.objects.create_user(username="boss", password="pw-boss-12")
    manager.groups.add(Group.objects.create(name="Managers"))
    client = APIClient()
    client.force_authenticate(manager)
    assert client.get("/api/v1/teams/").status_code == 200
