"""The ticket API's reads run a fixed number of statements whatever the page holds (list
with its filters, ticket, messages, events), filters add no DISTINCT, and the list reads
only the customer and user columns it shows. The JSON itself: test_api_queries_output.py."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import inbound
from tickets.models import Team, Ticket
from tickets.services import (
    InboundAttachment,
    call_log,
    message_ingest,
    note_add,
    sla_policies_default,
)
from tickets.services import (
    ticket_set_tags as set_tags,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(agent) -> list[Ticket]:
    """Eight tickets on three channels, most with SLA clocks, assignees, teams, tags, notes
    with files and calls: every join and prefetch the reads make has rows to fetch."""
    sla_policies_default()
    team = Team.objects.create(name="Returns")
    tickets = []
    for n in range(8):
        channel = ("email", "chat", "whatsapp")[n % 3]
        value = {"email": f"c{n}@example.com", "chat": f"v-{n}", "whatsapp": f"+3161234{n:04d}"}
        ticket = message_ingest(
            data=inbound(channel, value=value[channel], thread_key=f"t{n}", customer_name=f"C{n}")
        ).ticket
        for _ in range(2):
            message_ingest(data=inbound(channel, value=value[channel], thread_key=f"t{n}"))
        Ticket.objects.filter(pk=ticket.pk).update(
            assignee=agent if n % 2 else None, team=team if n % 3 else None
        )
        set_tags(ticket=ticket, tags=["vip", f"t{n}"], by=agent)
        note_add(
            ticket=ticket,
            author=agent,
            body_text="see file",
            attachments=[InboundAttachment(filename="a.txt", content=b"a")],
        )
        call_log(ticket=ticket, agent=agent, direction="outbound", answered=True)
        tickets.append(ticket)
    return tickets


def _statements(client: APIClient, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    assert response.json().get("results", True), "pinned on an empty page"
    return [query["sql"] for query in queries.captured_queries]


@pytest.mark.parametrize(
    ("url", "count"),
    [
        # groups (the agent check), tickets, their SLA clocks
        ("/api/v1/tickets/", 3),
        ("/api/v1/tickets/?status=open", 3),
        ("/api/v1/tickets/?status=new&status=open&status=pending", 3),
        ("/api/v1/tickets/?channel=chat&channel=whatsapp", 3),
        ("/api/v1/tickets/?status=open&channel=email&assignee=none&tag=vip", 3),
        ("/api/v1/tickets/?page_size=2", 3),
    ],
)
def test_ticket_list_statements_are_pinned(api, busy, url: str, count: int) -> None:
    statements = _statements(api, url)
    assert len(statements) == count, statements
    ticket_query = next(sql for sql in statements if 'FROM "tickets_ticket"' in sql)
    # MultipleChoiceFilter's default DISTINCT sorted every matching ticket over 45 columns
    assert "DISTINCT" not in ticket_query
    # the joined rows' shown columns only: no password, no customer notes
    assert '"auth_user"."password"' not in ticket_query
    assert '"customers_customer"."notes"' not in ticket_query


def test_list_statements_do_not_grow_with_the_page(api, busy) -> None:
    small = _statements(api, "/api/v1/tickets/?page_size=1")
    full = _statements(api, "/api/v1/tickets/?page_size=50")
    assert len(small) == len(full) == 3


def test_a_token_request_adds_only_the_token_read(busy, agent) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=agent).key}")
    # token with its user; groups; tickets; SLA clocks
    assert len(_statements(client, "/api/v1/tickets/?status=open")) == 4


@pytest.mark.parametrize(
    ("path", "count"),
    [
        # groups, ticket, its SLA clocks; messaging windows: identities, last message each
        ("", 5),
        # groups, ticket, messages (authors, identity joined), their attachments
        ("messages/", 4),
        ("messages/?page_size=200", 4),
        # groups, ticket, events (actors joined)
        ("events/", 3),
        ("events/?page_size=200", 3),
    ],
)
def test_ticket_reads_are_pinned(api, busy, path: str, count: int) -> None:
    for ticket in busy[:3]:
        statements = _statements(api, f"/api/v1/tickets/{ticket.pk}/{path}")
        assert len(statements) == count, statements


def test_customer_search_is_pinned(api, busy) -> None:
    # groups, the planner's estimate, candidate ids from the trigram indexes, customers,
    # identities
    statements = _statements(api, "/api/v1/customers/?q=example.com")
    assert len(statements) == 5, statements
    assert not any("DISTINCT" in sql for sql in statements)


def _ids(api: Any, url: str) -> list[int]:
    return [row["id"] for row in api.get(url).json()["results"]]


def test_filters_without_distinct_still_list_each_ticket_once(api, busy) -> None:
    every = _ids(api, "/api/v1/tickets/?status=new&status=open&channel=email&channel=chat")
    assert len(every) == len(set(every))
    assert sorted(every, reverse=True) == every
    expected = Ticket.objects.filter(
        status__in=["new", "open"], channel__in=["email", "chat"], merged_into__isnull=True
    ).order_by("-id")
    assert every == list(expected.values_list("id", flat=True))
