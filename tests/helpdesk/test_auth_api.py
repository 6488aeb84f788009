"""API tokens (helpdesk.auth_api): obtained with a username and password, refused when wrong."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import inbound
from tickets.services import message_ingest


@pytest.mark.django_db
def test_token_auth(agent) -> None:
    message_ingest(data=inbound("email"))
    token = Token.objects.create(user=agent)
    client = APIClient()
    assert client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.django_db
def test_token_from_username_and_password(agent) -> None:
    client = APIClient()
    wrong = client.post("/api/v1/auth/token/", {"username": agent.username, "password": "nope"})
    assert wrong.status_code == 400
    response = client.post(
        "/api/v1/auth/token/", {"username": agent.username, "password": "pw-agent-1"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
