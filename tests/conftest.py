from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import urllib.parse
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HELPDESK_DEV", "1")


@pytest.fixture(autouse=True)
def _eager_celery(settings):
    """Unit-level tests run tasks inline; tests through a real worker opt out explicitly."""
    from helpdesk.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _fresh_channel_layer():
    """Each test gets its own channel layer instance. A channels_redis layer keeps receive
    state (receive count, receive lock, per-channel clean locks) bound to the event loop that
    used it, and every async test runs on a new loop: one test's unfinished receive could
    leave the next test's consumers deaf to group messages. A CI run once lost a typing event
    in test_typing_goes_both_ways that we could not reproduce; this removes the shared state
    it most likely came from. Production runs one loop per process."""
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _fresh_signin_counters() -> None:
    """Sign-in failures (django-axes), DRF throttle histories and the desk's cached counts live
    in the shared Redis cache under CACHE_KEY_PREFIX, which is fixed per run: without this,
    one test's wrong passwords, request counts or counts would reach the next test's users.
    Deletes only those keys (a cache.clear() would flush the whole Redis database: broker,
    channel layer)."""
    import redis
    from django.conf import settings

    config = settings.CACHES["default"]
    client = redis.Redis.from_url(config["LOCATION"])
    prefix = config.get("KEY_PREFIX", "")
    # desk-*: an agent's cached view counts and presence; user ids restart with each test
    # database, so a previous run's entries would otherwise meet a new user of the same id.
    # reports:*: the reports page's figures of the period before, per user id and filter.
    patterns = ("*:axes-*", "*:throttle_*", "*:desk-*", "desk-presence:*", "*:reports:*")
    for pattern in (f"{prefix}:{tail}" for tail in patterns):
        keys = list(client.scan_iter(match=pattern, count=1000))
        if keys:
            client.delete(*keys)
    client.close()


@pytest.fixture
def agent(django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="agent1", password="pw-agent-1", first_name="Ada"
    )
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    return user


@pytest.fixture
def api(agent):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(agent)
    return client


ROOT = Path(__file__).resolve().parent.parent


def _test_database_url() -> str:
    from django.conf import settings
    from django.db import connection

    parsed = urllib.parse.urlsplit(settings.DATABASE_URL)
    return urllib.parse.urlunsplit(parsed._replace(path="/" + connection.settings_dict["NAME"]))


@pytest.fixture
def worker(tmp_path):
    """A real worker on a queue of its own, so no other worker on the machine takes our tasks.
    Yields (queue, log path)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "helpdesk",
                "worker",
                "-Q",
                queue,
                "--pool",
                "solo",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            yield queue, log
        finally:
            proc.terminate()
            proc.wait(20)


# --- Browser tests (Playwright with Debian's Chromium; STACK.md traps 2, 3, 8) -------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "browser: drives headless Chromium through Playwright; sorted last"
    )


def pytest_collection_modifyitems(config, items):
    # Async tests after sync Playwright in one process fail ("Runner.run() cannot be called
    # from a running event loop"): browser tests run last (a stable sort keeps the rest).
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """`playwright install` cannot download browsers here: use Debian's Chromium."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": CHROMIUM_FLAGS,
        "headless": True,
    }


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db, tmp_path):
    """The real ASGI application (HTTP + websockets) under uvicorn on an ephemeral port,
    on the test database, so a browser can use it. Yields its base URL."""
    import time
    import urllib.request

    port = free_port()
    log = tmp_path / "uvicorn.log"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        # DEBUG: WhiteNoise serves static files straight from static/ (no collectstatic).
        "DEBUG": "1",
        "CELERY_TASK_ALWAYS_EAGER": "1",
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "helpdesk.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/static/chat/widget.js", timeout=2):  # noqa: S310
                    break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"uvicorn did not start:\n{log.read_text()}")
                time.sleep(0.2)
        try:
            yield base
        finally:
            proc.terminate()
            proc.wait(20)


@pytest.fixture(scope="session")
def _orm_beside_playwright_desk(django_db_setup: Any) -> Iterator[None]:
    """Sync ORM beside Playwright's loop in this thread (STACK.md, trap 2); browser tests run
    last, so no async test runs with the check off."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    yield
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def shop_site(tmp_path: Path, asgi_server: str) -> Iterator[str]:
    """A customer's plain website on another port, embedding the widget with one tag."""
    (tmp_path / "index.html").write_text(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Bike shop</title>"
        "</head><body><h1>Bike shop</h1><p>Spare parts since 1998.</p>"
        f'<script src="{asgi_server}/static/chat/widget.js" data-widget="shop" async></script>'
        "</body></html>"
    )
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
