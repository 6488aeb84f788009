"""Each pytest-xdist worker gets a Redis database and key prefixes of its own.

Loaded with `-p tests.xdist_env`, before pytest-django imports the settings: the settings read
REDIS_URL, CACHE_KEY_PREFIX and CHANNEL_PREFIX once, and the subprocesses the tests start
(uvicorn, Celery workers) inherit this environment. Without it two workers would share rate-limit
counters, presence keys, the channel layer and the broker, and a test's clean-up of its own keys
would delete the other worker's. pytest-django already gives each worker its own database.
"""

from __future__ import annotations

import os
import urllib.parse


def _separate(worker: str) -> None:
    index = int(worker.removeprefix("gw"))
    url = urllib.parse.urlsplit(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    base = int(url.path.strip("/") or 0)
    # Redis has 16 numbered databases; two or three workers stay well inside them.
    os.environ["REDIS_URL"] = urllib.parse.urlunsplit(url._replace(path=f"/{(base + index) % 16}"))
    os.environ.pop("CELERY_BROKER_URL", None)  # the broker follows REDIS_URL
    for name, default in (("CACHE_KEY_PREFIX", "helpdesk"), ("CHANNEL_PREFIX", "asgi")):
        os.environ[name] = f"{os.environ.get(name, default)}-{worker}"


_worker = os.environ.get("PYTEST_XDIST_WORKER")
if _worker:
    _separate(_worker)
