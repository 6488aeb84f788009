"""Shared fixtures of the desk's tests: signed-in agents for the test client and for a
headless Chromium on the real ASGI server."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group

# Screenshots for a person to look at (ignored by git).
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture
def make_agent(django_user_model) -> Callable[..., Any]:
    def make(username: str, *, manager: bool = False, first_name: str = "", **extra: Any) -> Any:
        user = django_user_model.objects.create_user(
            username=username,
            password=f"pw-{username}-1",
            first_name=first_name or username.title(),
            **extra,
        )
        group = "Managers" if manager else "Agents"
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        return user

    return make


@pytest.fixture
def desk_client(client, agent):
    client.force_login(agent)
    return client


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under var/screenshots/ and return its path."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def signed_in(asgi_server: str, _orm_beside_playwright_desk: None) -> Callable[..., Any]:
    """`signed_in(page, user)`: the page carries `user`'s session cookie for the server (no
    trip through the sign-in form; the form has its own test)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    def sign_in(page: Any, user: Any) -> Any:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "helpdesk.auth_api.PasswordCheckBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        page.context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": session.session_key,
                    "url": asgi_server,
                }
            ]
        )
        return page

    return sign_in
