"""Production settings from the environment: `check --deploy` is clean with the production
example, every page carries a Content-Security-Policy that the pages we serve live with, and
X-Forwarded-* headers count only behind our own proxy (the trusted-proxy switch)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def _env_file(name: str) -> dict[str, str]:
    values = {}
    for line in (ROOT / name).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def _clean_env(**extra: str) -> dict[str, str]:
    """The machine's environment without our settings' variables (the test run sets some)."""
    settings_names = set(_env_file(".env.example")) | {"HELPDESK_DEV", "DJANGO_SETTINGS_MODULE"}
    env = {k: v for k, v in os.environ.items() if k not in settings_names}
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_is_clean_with_the_production_example() -> None:
    env = _clean_env(**_env_file(".env.production.example"))
    # No database is needed: the host in its DATABASE_URL does not even resolve here.
    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_fails_on_the_development_defaults() -> None:
    result = _manage(_clean_env(HELPDESK_DEV="1"), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012"):
        assert check in result.stderr, check


def test_every_setting_of_the_production_example_is_documented() -> None:
    documented = set(_env_file(".env.example"))
    assert set(_env_file(".env.production.example")) <= documented


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/admin/login/", "/api/docs/", "/survey/r/bad/3/"])
def test_pages_carry_a_content_security_policy(path: str) -> None:
    response = Client().get(path)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy


@pytest.mark.django_db
def test_swagger_ui_starts_from_a_script_file_not_inline() -> None:
    page = Client().get("/api/docs/").content.decode()
    assert "<script>" not in page  # no inline script: the policy would block it
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


# --- The trusted-proxy switch ------------------------------------------------------------------

_PROBE = """
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
client = Client(REMOTE_ADDR="198.51.100.20")
response = client.get("/admin/login/", HTTP_X_FORWARDED_PROTO="https")
from helpdesk.auth_api import client_ip
from django.test import RequestFactory
request = RequestFactory().get(
    "/", REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5"
)
print(response.status_code, response.get("Location", "-"), client_ip(request))
"""


def _probe(**env: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE],
        cwd=ROOT,
        env=_clean_env(
            HELPDESK_DEV="1",
            DJANGO_SETTINGS_MODULE="helpdesk.settings",
            ALLOWED_HOSTS="testserver",
            SECURE_SSL_REDIRECT="true",
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_forwarded_headers_are_ignored_without_the_switch() -> None:
    status, location, ip = _probe()
    # "https" from the client is not believed: the redirect to HTTPS still happens.
    assert (status, location) == ("301", "https://testserver/admin/login/")
    assert ip == "198.51.100.20"


def test_forwarded_headers_count_behind_the_trusted_proxy() -> None:
    status, location, ip = _probe(SECURE_TRUSTED_PROXY="true")
    assert (status, location) == ("200", "-")
    # The right-most entry, the one our proxy appended; the client's own prefix is ignored.
    assert ip == "203.0.113.5"


@pytest.mark.django_db
def test_hsts_header_when_configured(settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = Client().get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
