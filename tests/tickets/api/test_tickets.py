"""/api/v1/tickets/: filters, updates and their events, merges and their refusals, constant queries
and cursor pagination over the lists."""

from __future__ import annotations

import pytest

from tests.factories import inbound
from tickets.models import Message, Team
from tickets.services import message_ingest


@pytest.mark.django_db
def test_ticket_filters(api, agent) -> None:
    email = message_ingest(data=inbound("email", value="a@example.com")).ticket
    chat = message_ingest(data=inbound("chat", value="visitor-9", thread_key="c1")).ticket
    wa = message_ingest(data=inbound("whatsapp", value="+31612345678")).ticket
    api.patch(
        f"/api/v1/tickets/{chat.pk}/", {"status": "pending", "assignee": agent.pk}, format="json"
    )
    api.patch(
        f"/api/v1/tickets/{wa.pk}/",
        {"priority": "urgent", "tags": ["VIP", "refund"]},
        format="json",
    )

    def ids(query: str) -> set[int]:
        response = api.get(f"/api/v1/tickets/?{query}")
        assert response.status_code == 200, response.content
        return {t["id"] for t in response.json()["results"]}

    assert ids("status=new") == {email.pk, wa.pk}
    assert ids("status=new&status=pending") == {email.pk, chat.pk, wa.pk}
    assert ids("channel=chat") == {chat.pk}
    assert ids("assignee=me") == {chat.pk}
    assert ids("assignee=none") == {email.pk, wa.pk}
    assert ids("priority=urgent") == {wa.pk}
    assert ids("tag=vip") == {wa.pk}
    assert ids(f"customer={email.customer_id}") == {email.pk}
    bad = api.get("/api/v1/tickets/?priority=extreme")
    assert bad.status_code == 400
    assert "priority" in bad.json()


@pytest.mark.django_db
def test_ticket_update_records_events(api, agent) -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    team = Team.objects.create(name="Returns")
    response = api.patch(
        f"/api/v1/tickets/{ticket.pk}/",
        {"status": "on_hold", "priority": "high", "assignee": agent.pk, "team": team.pk},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["priority"], body["assignee"]["id"], body["team"]["name"]) == (
        "on_hold",
        "high",
        agent.pk,
        "Returns",
    )
    events = api.get(f"/api/v1/tickets/{ticket.pk}/events/").json()["results"]
    kinds = ["created", "sla", "assignment", "team", "priority", "status"]
    assert [e["kind"] for e in events] == kinds
    assert events[-1]["text"] == "status new → on_hold"
    assert events[-1]["actor"]["username"] == agent.username

    bad = api.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "exploded"}, format="json")
    assert bad.status_code == 400
    assert "status" in bad.json()


@pytest.mark.django_db
def test_ticket_merge_and_move(api) -> None:
    a = message_ingest(data=inbound("email", value="x@example.com")).ticket
    api.patch(f"/api/v1/tickets/{a.pk}/", {"status": "solved"}, format="json")
    b = message_ingest(data=inbound("email", value="x@example.com")).ticket
    assert a != b
    api.patch(f"/api/v1/tickets/{a.pk}/", {"status": "open"}, format="json")
    response = api.post(f"/api/v1/tickets/{b.pk}/merge/", {"into": a.pk}, format="json")
    assert response.status_code == 200, response.content
    assert Message.objects.filter(ticket=a).count() == 2
    assert api.get(f"/api/v1/tickets/{b.pk}/").json()["merged_into"] == a.pk
    message = Message.objects.filter(ticket=a).last()
    split = api.post(f"/api/v1/tickets/{a.pk}/messages/{message.pk}/move/", {}, format="json")
    assert split.status_code == 200
    assert split.json()["id"] not in (a.pk, b.pk)
    assert Message.objects.get(pk=message.pk).ticket_id == split.json()["id"]


@pytest.mark.django_db
def test_tickets_of_different_customers_do_not_merge(api) -> None:
    a = message_ingest(data=inbound("email", value="one@example.com")).ticket
    b = message_ingest(data=inbound("email", value="two@example.com")).ticket
    response = api.post(f"/api/v1/tickets/{b.pk}/merge/", {"into": a.pk}, format="json")
    assert response.status_code == 400
    assert "merge the customers first" in response.json()["detail"]
    assert Message.objects.filter(ticket=b).count() == 1


def _grow(count: int) -> None:
    from customers.services import identity_add

    for i in range(count):
        result = message_ingest(
            data=inbound("email", value=f"c{i}@example.com", customer_name=f"C {i}")
        )
        identity_add(customer=result.ticket.customer, kind="phone", value=f"+3161234{i:04d}")
        message_ingest(data=inbound("email", value=f"c{i}@example.com"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # session/permission: 1 (groups); list: 1 (+1 identities prefetch for customers)
        ("/api/v1/tickets/", 3),  # groups, tickets, their SLA clocks
        ("/api/v1/customers/", 3),
        ("/api/v1/teams/", 3),
    ],
)
def test_list_queries_do_not_grow_with_page_size(
    api, django_assert_num_queries, url, queries
) -> None:
    _grow(12)
    for name in ("Support", "Returns", "Social"):
        Team.objects.create(name=name)
    for size in (2, 12):
        with django_assert_num_queries(queries):
            response = api.get(f"{url}?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, 12 if "teams" not in url else 3)


@pytest.mark.django_db
def test_cursor_pagination_walks_every_ticket(api) -> None:
    _grow(7)
    seen: list[int] = []
    url = "/api/v1/tickets/?page_size=3"
    while url:
        body = api.get(url).json()
        seen += [t["id"] for t in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)


@pytest.mark.django_db
def test_event_list_queries_constant(api, agent, django_assert_num_queries) -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    for _ in range(4):
        message_ingest(data=inbound("email"))
    api.patch(
        f"/api/v1/tickets/{ticket.pk}/", {"assignee": agent.pk, "priority": "low"}, format="json"
    )
    for size in (2, 10):
        # groups, ticket, events with their actors
        with django_assert_num_queries(3):
            response = api.get(f"/api/v1/tickets/{ticket.pk}/events/?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
