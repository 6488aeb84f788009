"""Sign-in throttling: django-axes on every sign-in (the token endpoint, the admin login, and
any later sign-in page that calls `django.contrib.auth.authenticate(request=...)`), DRF's
anonymous/user/scoped throttles, and a burst of wrong passwords that must not starve the
agents' own requests of database connections."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture(autouse=True)
def _quick_hasher(request, settings):
    """In-process tests hash with MD5 (each PBKDF2 check costs ~0.8 s); the live-server burst
    keeps the real hasher, whose cost is the point of that test."""
    if "asgi_server" not in request.fixturenames:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def anna(django_user_model):
    user = django_user_model.objects.create_user(username="anna", password="pw-anna-right")
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    return user


def _post(url: str, data: dict[str, str], timeout: float = 60) -> tuple[int, bytes]:
    body = urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _get(url: str, token: str, timeout: float = 60) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_wrong_passwords_does_not_break_agents_requests(
    asgi_server: str, django_user_model: Any
) -> None:
    victim = django_user_model.objects.create_user(username="victim", password="pw-victim-1")
    agent = django_user_model.objects.create_user(username="busy", password="pw-busy-agent")
    agent.groups.add(Group.objects.get_or_create(name="Agents")[0])
    victim.groups.add(Group.objects.get_or_create(name="Agents")[0])
    token = Token.objects.create(user=agent).key
    # Warm up: the server imports lazily on the first requests.
    assert _get(f"{asgi_server}/api/v1/teams/", token)[0] == 200

    agent_statuses: list[int] = []
    done = threading.Event()

    def agent_works() -> None:
        while not done.is_set():
            agent_statuses.append(_get(f"{asgi_server}/api/v1/teams/", token)[0])
            time.sleep(0.2)

    worker = threading.Thread(target=agent_works)
    started = time.monotonic()
    worker.start()
    with ThreadPoolExecutor(max_workers=50) as pool:
        burst = list(
            pool.map(
                lambda i: _post(
                    f"{asgi_server}{TOKEN_URL}",
                    {"username": "victim", "password": f"wrong-{i}"},
                )[0],
                range(50),
            )
        )
    burst_seconds = time.monotonic() - started
    time.sleep(0.5)
    done.set()
    worker.join(60)

    print(f"burst {burst_seconds:.1f}s statuses {sorted(set(burst))} agent {agent_statuses}")  # noqa: T201
    assert 500 not in burst
    assert set(burst) <= {400, 429}, burst
    assert agent_statuses, "the agent made no request during the burst"
    assert set(agent_statuses) == {200}, agent_statuses
    # The account and the address are locked now, even for the right password.
    status, body = _post(
        f"{asgi_server}{TOKEN_URL}", {"username": "victim", "password": "pw-victim-1"}
    )
    assert status == 429, body


# --- The token endpoint ----------------------------------------------------------------------


def _token(client: APIClient, username: str, password: str, **extra: Any) -> Any:
    return client.post(TOKEN_URL, {"username": username, "password": password}, **extra)


@pytest.mark.django_db
def test_the_right_password_still_signs_in(anna) -> None:
    response = _token(APIClient(), "anna", "pw-anna-right")
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=anna).key}


@pytest.mark.django_db
def test_six_wrong_passwords_lock_the_account_even_for_the_right_one(anna) -> None:
    client = APIClient()
    statuses = [_token(client, "anna", f"wrong-{i}").status_code for i in range(6)]
    # Four plain refusals; the fifth failure reaches the limit and locks.
    assert statuses[:4] == [400] * 4
    assert statuses[4:] == [429, 429]

    response = _token(client, "anna", "pw-anna-right")

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.json()["detail"]
    assert int(response["Retry-After"]) == 15 * 60
    assert not Token.objects.filter(user=anna).exists()


@pytest.mark.django_db
def test_json_sign_in_is_counted_too(anna) -> None:
    client = APIClient()
    for i in range(5):
        client.post(TOKEN_URL, {"username": "anna", "password": f"x{i}"}, format="json")
    response = client.post(
        TOKEN_URL, {"username": "anna", "password": "pw-anna-right"}, format="json"
    )
    assert response.status_code == 429


@pytest.mark.django_db
def test_the_lock_ends_after_the_cool_off(anna, settings) -> None:
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    client = APIClient()
    for i in range(5):
        _token(client, "anna", f"wrong-{i}")
    assert _token(client, "anna", "pw-anna-right").status_code == 429
    time.sleep(2.5)
    response = _token(client, "anna", "pw-anna-right")
    assert response.status_code == 200
    assert response.json()["token"]


@pytest.mark.django_db
def test_the_lock_is_per_account_and_address(anna, django_user_model) -> None:
    django_user_model.objects.create_user(username="piotr", password="pw-piotr-right")
    attacker = APIClient(REMOTE_ADDR="203.0.113.9")
    for i in range(6):
        _token(attacker, "anna", f"wrong-{i}")
    # Anna at her own desk, and Piotr at the attacker's address, still sign in.
    assert _token(APIClient(REMOTE_ADDR="198.51.100.7"), "anna", "pw-anna-right").status_code == 200
    assert _token(attacker, "piotr", "pw-piotr-right").status_code == 200


@pytest.mark.django_db
def test_many_accounts_from_one_address_lock_the_address(anna, settings) -> None:
    settings.AXES_IP_FAILURE_LIMIT = 8
    attacker = APIClient(REMOTE_ADDR="203.0.113.10")
    # Spraying: every guess a different account, so no account reaches its own limit.
    statuses = [_token(attacker, f"user{i}", "Summer2026!").status_code for i in range(8)]
    assert statuses[:7] == [400] * 7
    assert statuses[7] == 429
    assert _token(attacker, "anna", "pw-anna-right").status_code == 429
    assert _token(APIClient(REMOTE_ADDR="198.51.100.7"), "anna", "pw-anna-right").status_code == 200


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_dodge_the_lock(anna) -> None:
    client = APIClient()
    for i in range(6):
        _token(client, "anna", f"wrong-{i}", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}")
    response = _token(client, "anna", "pw-anna-right", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429


# --- The admin login -----------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_login_locks_after_five_wrong_passwords(django_user_model, settings) -> None:
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(seconds=2)
    django_user_model.objects.create_user(
        username="boss", password="pw-boss-right", is_staff=True, is_superuser=True
    )
    client = Client()
    for i in range(4):
        response = client.post("/admin/login/", {"username": "boss", "password": f"no-{i}"})
        assert response.status_code == 200  # the form again, with its error
    response = client.post("/admin/login/", {"username": "boss", "password": "no-5"})
    assert response.status_code == 429

    response = client.post("/admin/login/", {"username": "boss", "password": "pw-boss-right"})

    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert response["Retry-After"] == "2"
    assert client.get("/admin/").status_code == 302  # still not signed in

    time.sleep(2.5)
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "boss", "password": "pw-boss-right"}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


# --- DRF throttles ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_anonymous_requests_beyond_the_anon_rate_get_429(monkeypatch) -> None:
    # DRF copies the rates into the throttle class when it is imported; change them there.
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "anon", "3/min")
    client = Client()
    statuses = [client.get("/api/schema/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    # Another address is not affected.
    assert Client(REMOTE_ADDR="198.51.100.8").get("/api/schema/").status_code == 200


@pytest.mark.django_db
def test_the_token_endpoint_has_its_own_rate(anna, monkeypatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "auth_token", "2/min")
    client = APIClient()
    assert _token(client, "anna", "pw-anna-right").status_code == 200
    assert _token(client, "anna", "pw-anna-right").status_code == 200
    response = _token(client, "anna", "pw-anna-right")
    assert response.status_code == 429
    assert "Retry-After" in response


@pytest.mark.django_db
def test_signed_in_requests_beyond_the_user_rate_get_429(api, monkeypatch) -> None:
    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "user", "2/min")
    statuses = [api.get("/api/v1/teams/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


# --- An exhausted connection pool ------------------------------------------------------------


def test_a_pool_timeout_answers_503_not_500() -> None:
    """What agents saw during a burst before the sign-in gate (measured under uvicorn: every
    pooled connection held by password checks, PoolTimeout after 10 s): now a 503 with
    Retry-After, as the middleware gives it for any view."""
    from django.db import OperationalError
    from django.http import HttpResponse
    from django.test import RequestFactory
    from psycopg_pool import PoolTimeout

    from helpdesk.middleware import DatabaseBusyMiddleware

    middleware = DatabaseBusyMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/api/v1/teams/")
    try:
        raise OperationalError("couldn't get a connection") from PoolTimeout("after 10.0 sec")
    except OperationalError as exc:
        response = middleware.process_exception(request, exc)
    assert response is not None
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert middleware.process_exception(request, OperationalError("other")) is None


@pytest.mark.parametrize(
    ("language", "heading", "advice"),
    [
        ("nl", "Inloggen is geblokkeerd", "Probeer het over 15 minuten opnieuw"),
        ("pl", "Logowanie jest zablokowane", "Spróbuj ponownie za 15 min"),
    ],
)
def test_the_lockout_page_speaks_the_browsers_language(
    django_user_model, language: str, heading: str, advice: str
) -> None:
    django_user_model.objects.create_user(username="jan", password="pw-jan-right", is_staff=True)
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    for i in range(5):
        response = client.post("/admin/login/", {"username": "jan", "password": f"no-{i}"})

    assert response.status_code == 429
    page = response.content.decode()
    assert heading in page
    assert advice in page
