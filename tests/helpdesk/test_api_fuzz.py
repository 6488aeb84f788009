"""Property-based tests of the REST API over its own OpenAPI schema (schemathesis): for every
documented operation, generated input, valid and invalid, never gets a 5xx — as an agent, as
a manager (the SLA and survey settings writes are theirs) and as nobody.

The schema is what `/api/schema/` serves, read in-process from the WSGI application; requests
go to the same application (no server, no network) inside pytest-django's transaction on the
real PostgreSQL. A few customers, tickets, messages, to-dos, an attachment, a notification
and a low survey rating are seeded so generated path parameters mostly hit real rows.

Deterministic by construction (`derandomize=True`, no example database): the same code gives
the same requests every run. A 5xx found here is a bug; each one fixed has a regression test
of its own in `test_api_regressions.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from django.contrib.auth.models import Group
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections, transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from helpdesk.wsgi import application
from surveys.models import Survey, SurveyAnswer, SurveyState
from surveys.services import survey_answer
from tests.factories import inbound
from tickets.models import BusinessCalendar, Notification, SlaPolicy, Team, Ticket
from tickets.services import (
    InboundAttachment,
    business_calendar_save,
    message_ingest,
    note_add,
    notifications_add,
    sla_policies_default,
    todo_add,
)

SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
OPERATIONS = {result.ok().label: result.ok() for result in SCHEMA.get_all_operations()}

# Operations left out, each with its reason. (None today: the attachment download streams a
# FileResponse, which the WSGI transport reads whole, so it is fuzzed like the rest.)
EXCLUDED: dict[str, str] = {}

TOKEN_OBTAIN = "POST /api/v1/auth/token/"


def _roles(label: str) -> list[str]:
    """Who fuzzes an operation. Managers differ from agents only on the SLA and survey
    settings (they may write them); the token endpoint is for those without a token yet."""
    if label == TOKEN_OBTAIN:
        return ["anonymous"]
    managed = "/api/v1/sla/" in label or "/api/v1/surveys/" in label
    return ["agent", "manager", "anonymous"] if managed else ["agent", "anonymous"]


def _examples(label: str, role: str) -> int:
    """Generated cases per operation and role, sized so the file runs in about a minute on
    two cores. Anonymous requests stop at authentication: a few show that."""
    if role == "anonymous" and label != TOKEN_OBTAIN:
        return 5
    return 20 if role == "manager" else 30


@dataclass
class Seed:
    """Rows that generated path parameters are pointed at, by the collection named before the
    parameter in the path (`/tickets/{id}/` → "tickets"), and each role's API token."""

    ids: dict[str, list[int]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def seed(django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Seed]:
    """Seeded once for the module, through the services, in a transaction rolled back at the
    end; each test runs in a savepoint inside it (pytest-django's `db`), so what one test's
    requests change is gone before the next. Fast password hashing: the token endpoint hashes
    every generated password."""
    with (
        django_db_blocker.unblock(),
        override_settings(
            MEDIA_ROOT=tmp_path_factory.mktemp("media"),
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        ),
        transaction.atomic(),
    ):
        yield _seed()
        transaction.set_rollback(True)


def _seed() -> Seed:
    from django.contrib.auth import get_user_model

    users = {}
    for role, group in (("agent", "Agents"), ("manager", "Managers")):
        user = get_user_model().objects.create_user(username=f"fuzz-{role}", password="pw-fuzz-1")
        user.groups.add(Group.objects.get_or_create(name=group)[0])
        users[role] = user
    agent = users["agent"]
    sla_policies_default()
    calendar = business_calendar_save(
        calendar=BusinessCalendar(
            name="Office", weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)}
        ),
        holidays=[(date(2026, 12, 25), "Christmas")],
    )
    team = Team.objects.create(name="Support", lead=agent)
    tickets: list[Ticket] = []
    for value, channel in [
        ("eva@example.com", "email"),
        ("+31612345678", "whatsapp"),
        ("jan@example.nl", "email"),
    ]:
        attachment = InboundAttachment(
            filename="receipt.txt", content=b"order 48213", content_type="text/plain"
        )
        result = message_ingest(data=inbound(channel, value=value, attachments=[attachment]))
        tickets.append(result.message.ticket)
    main = tickets[0]
    note_add(ticket=main, author=agent, body_text="Checked with the carrier")
    message_ingest(data=inbound("email", value="eva@example.com", body_text="Any news?"))
    todo_add(ticket=main, kind="call_back", text="Call back Eva", by=agent)
    notifications_add(users=list(users.values()), ticket=main, kind="assigned", text="Yours")
    now = timezone.now()
    survey = Survey.objects.create(
        ticket=main,
        customer=main.customer,
        channel="email",
        state=SurveyState.SENT,
        solved_at=now,
        send_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=7),
    )
    survey_answer(survey=survey, rating=1, comment="Too slow")
    return Seed(
        ids={
            "tickets": [t.pk for t in tickets],
            "customers": [t.customer_id for t in tickets],
            "messages": list(main.messages.values_list("pk", flat=True)),
            "todos": list(main.todos.values_list("pk", flat=True)),
            "teams": [team.pk],
            "policies": list(SlaPolicy.objects.values_list("pk", flat=True)),
            "calendars": [calendar.pk],
            "notifications": list(Notification.objects.values_list("pk", flat=True)),
            "answers": list(SurveyAnswer.objects.values_list("pk", flat=True)),
            "attachments": [
                a.pk for t in tickets for m in t.messages.all() for a in m.attachments.all()
            ],
        },
        tokens={role: Token.objects.create(user=user).key for role, user in users.items()},
    )


@pytest.fixture(autouse=True)
def _each_test(db: Any) -> Iterator[None]:
    """Throttling and sign-in counters live in the cache: each test starts from nothing, so
    the same requests get the same answers whatever ran before. Django closes "obsolete"
    connections at the start and end of each request, and one in the test's transaction
    counts as obsolete; Django's own test client unhooks that, and so do we (the WSGI
    transport calls the application directly)."""
    cache.clear()
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def _collection(path: str, name: str) -> str:
    """The collection a path parameter indexes: the segment before it."""
    segments = path.strip("/").split("/")
    return segments[segments.index(f"{{{name}}}") - 1]


def _point_at_rows(case: Any, seed: Seed, pick: int) -> None:
    """Three times in four, aim the path's ids at seeded rows (the messages and to-dos are on
    the first ticket); otherwise keep what was generated (missing rows, zero, huge numbers,
    text). Deterministic for a given generated case."""
    if not pick % 4:
        return
    for name in list(case.path_parameters or {}):
        if name == "ticket_pk":
            case.path_parameters[name] = seed.ids["tickets"][0]
        elif rows := seed.ids.get(_collection(case.operation.path, name)):
            case.path_parameters[name] = rows[pick % len(rows)]


def _strategy(label: str) -> st.SearchStrategy[Any]:
    operation = OPERATIONS[label]
    return st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )


@pytest.mark.parametrize(
    ("label", "role"),
    [(label, role) for label in sorted(set(OPERATIONS) - set(EXCLUDED)) for role in _roles(label)],
)
def test_no_server_error(label: str, role: str, seed: Seed) -> None:
    token = seed.tokens.get(role)
    headers = {"Authorization": f"Token {token}"} if token else {}

    @hypothesis_settings(
        max_examples=_examples(label, role),
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(label), pick=st.integers(min_value=0, max_value=11))
    def run(case: Any, pick: int) -> None:
        _point_at_rows(case, seed, pick)
        if case.headers and "Authorization" in case.headers:
            # A generated Authorization header would replace ours: keep the role's own.
            del case.headers["Authorization"]
        case.call_and_validate(app=application, headers=headers, checks=[not_a_server_error])

    run()


def test_every_documented_operation_is_fuzzed() -> None:
    """The schema is read from the app (so a new endpoint is fuzzed without touching this
    file) and nothing is left out without a reason."""
    assert len(OPERATIONS) > 30
    assert "POST /api/v1/tickets/{ticket_pk}/messages/" in OPERATIONS
    assert set(EXCLUDED) <= set(OPERATIONS)
