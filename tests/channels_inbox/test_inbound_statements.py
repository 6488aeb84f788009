"""Statements per inbound message, pinned (issue 15: the inbound path's per-message work).
An email through the Postmark webhook and its receipt task, as the worker runs it; a second
email of the same customer onto the same ticket; a WhatsApp message likewise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tickets.models import Message

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "anymail:hook-secret-1"

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning"),
]


@pytest.fixture(autouse=True)
def _anymail(settings: Any) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


@pytest.fixture(autouse=True)
def _default_policies(db: Any) -> None:
    """The SLA policies migration 0006 makes (a transactional test may have emptied the
    table): the counts include starting the clock."""
    from tickets.services import sla_policies_default

    sla_policies_default()


def _email(number: int) -> bytes:
    body = json.loads((FIXTURES / "postmark" / "inbound.json").read_text())
    body["MessageID"] = f"pinned-{number}@example.com"
    body["Headers"] = [h for h in body.get("Headers", []) if h.get("Name") != "Message-ID"]
    body["Headers"].append({"Name": "Message-ID", "Value": f"<pinned-{number}@example.com>"})
    return json.dumps(body).encode()


def _post(body: bytes, capture: Any) -> list[str]:
    import base64

    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    with CaptureQueriesContext(connection) as queries, capture(execute=True):
        response = Client().post(
            "/anymail/postmark/inbound/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=auth,
        )
    assert response.status_code == 200, response.content
    return [q["sql"] for q in queries.captured_queries]


def _work(statements: list[str]) -> list[str]:
    """The statements that do work (the test's own transaction turns each atomic block into
    a savepoint; in production they are one transaction)."""
    return [sql for sql in statements if not sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_an_email_costs_a_pinned_number_of_statements(
    django_capture_on_commit_callbacks: Any,
) -> None:
    """From the webhook's receipt to the stored message and the task's bookkeeping. A new
    customer's first email opens a ticket; the second joins it (same customer's open ticket,
    a chase counted). Before issue 15's trims: 27 and 22."""
    first = _work(_post(_email(1), django_capture_on_commit_callbacks))
    second = _work(_post(_email(2), django_capture_on_commit_callbacks))
    assert Message.objects.count() == 2
    assert Message.objects.values("ticket").distinct().count() == 1
    # The mailbox and the loop check are one query; a known customer's unchanged language
    # writes nothing; a ticket made in this transaction is not re-read to be locked.
    assert len([s for s in second if "channels_inbox_mailbox" in s]) == 1
    assert not [s for s in second if s.startswith('UPDATE "customers_customer"')]
    assert len(first) == 25, "\n".join(first)
    assert len(second) == 20, "\n".join(second)
