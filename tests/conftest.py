from __future__ import annotations

import os
import subprocess
import sys
import urllib.parse
import uuid
from pathlib import Path

import pytest

os.environ.setdefault("HELPDESK_DEV", "1")


@pytest.fixture(autouse=True)
def _eager_celery(settings):  # type: ignore[no-untyped-def]
    """Unit-level tests run tasks inline; tests through a real worker opt out explicitly."""
    from helpdesk.celery import app

    app.conf.task_always_eager = True
    app.conf.task_eager_propagates = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def agent(django_user_model):  # type: ignore[no-untyped-def]
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="agent1", password="pw-agent-1", first_name="Ada"
    )
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    return user


@pytest.fixture
def api(agent):  # type: ignore[no-untyped-def]
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
def worker(tmp_path):  # type: ignore[no-untyped-def]
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
