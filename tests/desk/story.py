"""The demo of `make run` as the browser tests of the festival story need it: the data of
`manage.py seed_demo` in the test's database, its people and the festival ticket, and the
mail the server sent, read back from the server's own output."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from email.message import EmailMessage
from io import StringIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.browser import in_thread
from tickets.models import Ticket
from tickets.services import sla_policies_default

if TYPE_CHECKING:
    from helpdesk.roles import User

# What the console mail backend writes after each message (Django's EmailBackend).
_MAIL_END = "\n" + "-" * 79 + "\n"


@dataclass(frozen=True)
class Story:
    """The demo after `seed_demo`: the agents (password `agent`) and Lotte's ticket."""

    anna: User
    sam: User
    festival: Ticket


def story_seed() -> Story:
    """`manage.py seed_demo` in this test's database, as `make run` does on its first start.
    The default SLA policies come from a data migration, which an earlier transactional
    test's flush removed: put them back first, or the demo would have no promises."""

    def seed() -> None:
        sla_policies_default()
        call_command("seed_demo", stdout=StringIO())

    in_thread(seed)
    users = get_user_model().objects.in_bulk(["anna", "sam"], field_name="username")
    festival = Ticket.objects.select_related("customer").get(customer__name="Lotte Visser")
    return Story(anna=users["anna"], sam=users["sam"], festival=festival)


@pytest.fixture(name="story")
def story_fixture(asgi_server: str) -> Story:
    """The demo data, seeded once for the test (after the server is up on the test
    database); presence left by an earlier test on a ticket of the same number is cleared."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    keys = list(client.scan_iter(match=f"{prefix}:desk-presence:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
    return story_seed()


def mails_sent(server_log: Path) -> list[EmailMessage]:
    """Every mail the test server handed to its (console) mail backend, parsed: the demo's
    delivery runs eagerly inside the server process, which writes its output to its log."""
    text = server_log.read_text(errors="replace") if server_log.exists() else ""
    mails = []
    for chunk in text.split(_MAIL_END)[:-1]:
        start = chunk.find("Content-Type:")
        if start == -1:
            continue
        raw = chunk[start:].lstrip()
        message = email.message_from_string(raw, policy=email.policy.default)
        if isinstance(message, EmailMessage) and message["To"]:
            mails.append(message)
    return mails


def mail_text(message: EmailMessage) -> str:
    """The plain-text body of a sent mail, decoded."""
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def seen(page: Any, name: str) -> Path:
    """A screenshot of the window only, where the page is scrolled: what the agent sees
    (a full-page shot repeats sticky bars half-way down)."""
    from tests.desk.conftest import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path
