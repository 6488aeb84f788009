"""API tokens: revoked when the password changes or the account is deactivated, and expiring
after HELPDESK_API_TOKEN_TTL_HOURS; the README's curl flow keeps working."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _quick_hasher(request, settings):
    """MD5 in-process (PBKDF2 costs ~0.8 s a check); the live server keeps its own hasher."""
    if "asgi_server" not in request.fixturenames:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def anna(django_user_model):
    user = django_user_model.objects.create_user(username="anna", password="pw-anna-old")
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    return user


@pytest.fixture
def boss(django_user_model):
    return django_user_model.objects.create_superuser(
        username="boss", password="pw-boss-1", email="boss@shop.test"
    )


def _sign_in(password: str, username: str = "anna", **extra: Any) -> str:
    response = APIClient().post(TOKEN_URL, {"username": username, "password": password}, **extra)
    assert response.status_code == 200, response.content
    return response.json()["token"]


def _status_with(token: str) -> tuple[int, Any]:
    response = APIClient().get("/api/v1/teams/", HTTP_AUTHORIZATION=f"Token {token}")
    return response.status_code, response.json()


def test_the_same_token_until_something_changes(anna) -> None:
    first = _sign_in("pw-anna-old")
    assert _sign_in("pw-anna-old") == first
    assert _status_with(first)[0] == 200


def test_a_password_change_in_the_admin_revokes_the_token(anna, boss) -> None:
    old = _sign_in("pw-anna-old")
    admin = Client()
    admin.force_login(boss)
    response = admin.post(
        f"/admin/auth/user/{anna.pk}/password/",
        {
            "password1": "Brand-new-pass-42",
            "password2": "Brand-new-pass-42",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]

    assert _status_with(old)[0] == 401
    new = _sign_in("Brand-new-pass-42")
    assert new != old
    assert _status_with(new)[0] == 200
    assert (
        APIClient().post(TOKEN_URL, {"username": "anna", "password": "pw-anna-old"}).status_code
        == 400
    )


def test_set_password_and_save_revokes_the_token(anna) -> None:
    old = _sign_in("pw-anna-old")
    anna.set_password("Another-pass-77")
    anna.save()
    assert _status_with(old)[0] == 401
    assert _sign_in("Another-pass-77") != old


def test_changepassword_command_revokes_the_token(anna, monkeypatch) -> None:
    old = _sign_in("pw-anna-old")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "Command-pass-99")
    call_command("changepassword", "anna")
    assert _status_with(old)[0] == 401


def test_saving_other_fields_keeps_the_token(anna) -> None:
    token = _sign_in("pw-anna-old")
    anna.first_name = "Anna"
    anna.save()
    anna.save(update_fields=["last_login"])
    assert _status_with(token)[0] == 200


def test_deactivation_revokes_the_token_and_ends_the_session(anna) -> None:
    token = _sign_in("pw-anna-old")
    browser = Client()
    assert browser.login(username="anna", password="pw-anna-old")
    assert browser.get("/api/v1/teams/").status_code == 200

    anna.is_active = False
    anna.save()

    assert _status_with(token)[0] == 401
    assert not Token.objects.filter(user=anna).exists()
    assert browser.get("/api/v1/teams/").status_code in {401, 403}
    assert (
        APIClient().post(TOKEN_URL, {"username": "anna", "password": "pw-anna-old"}).status_code
        == 400
    )


def test_a_password_change_ends_other_sessions(anna) -> None:
    browser = Client()
    assert browser.login(username="anna", password="pw-anna-old")
    anna.set_password("Another-pass-77")
    anna.save()
    assert browser.get("/api/v1/teams/").status_code in {401, 403}


def test_an_expired_token_answers_401_and_sign_in_issues_a_new_one(anna, settings) -> None:
    settings.HELPDESK_API_TOKEN_TTL_HOURS = 720
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        old = _sign_in("pw-anna-old")
        clock.move_to(start + timedelta(hours=719))
        assert _status_with(old)[0] == 200
        clock.move_to(start + timedelta(hours=720, minutes=1))

        status, body = _status_with(old)

        assert status == 401
        assert body == {"detail": "Token expired."}
        assert not Token.objects.filter(key=old).exists()
        new = _sign_in("pw-anna-old")
        assert new != old
        assert _status_with(new)[0] == 200


def test_sign_in_replaces_a_token_that_expired_unused(anna) -> None:
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        old = _sign_in("pw-anna-old")
        clock.move_to(start + timedelta(days=31))
        new = _sign_in("pw-anna-old")
        assert new != old
        assert _status_with(new)[0] == 200


def test_a_ttl_of_zero_never_expires(anna, settings) -> None:
    settings.HELPDESK_API_TOKEN_TTL_HOURS = 0
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        token = _sign_in("pw-anna-old")
        clock.move_to(start + timedelta(days=400))
        assert _status_with(token)[0] == 200


@pytest.mark.django_db(transaction=True)
def test_the_readme_curl_flow(asgi_server: str, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(username="sam", password="agent")
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    curl = shutil.which("curl")
    assert curl is not None
    token = subprocess.run(
        [
            curl,
            "-s",
            "-d",
            "username=sam",
            "-d",
            "password=agent",
            f"{asgi_server}{TOKEN_URL}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    key = json.loads(token)["token"]
    code = subprocess.run(
        [
            curl,
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            f"Authorization: Token {key}",
            f"{asgi_server}/api/v1/teams/",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert code == "200"
