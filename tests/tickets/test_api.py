"""The REST API as an agent's client uses it: auth, filters, replies, notes, constant queries."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import inbound
from tickets.models import DeliveryState, Direction, Message, Status, Team
from tickets.senders import SendResult, senders_replaced
from tickets.services import message_ingest

LIST_URLS = ["/api/v1/tickets/", "/api/v1/customers/", "/api/v1/teams/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*LIST_URLS, "/api/v1/tickets/1/", "/api/v1/tickets/1/messages/"])
def test_unauthenticated_calls_see_nothing(url: str) -> None:
    message_ingest(data=inbound("email", body_text="secret order details"))
    response = APIClient().get(url)
    assert response.status_code in (401, 403)
    assert b"secret" not in response.content
    assert b"example.com" not in response.content


@pytest.mark.django_db
def test_customer_without_agent_role_is_refused(django_user_model) -> None:  # type: ignore[no-untyped-def]
    user = django_user_model.objects.create_user(username="outsider", password="pw-outsider-1")
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/tickets/")
    assert response.status_code == 403
    assert "Only agents" in response.json()["detail"]


@pytest.mark.django_db
def test_token_auth(agent) -> None:  # type: ignore[no-untyped-def]
    message_ingest(data=inbound("email"))
    token = Token.objects.create(user=agent)
    client = APIClient()
    assert client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token wrong").status_code == 401
    response = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert len(response.json()["results"]) == 1


@pytest.mark.django_db
def test_ticket_filters(api, agent) -> None:  # type: ignore[no-untyped-def]
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
def test_ticket_update_records_events(api, agent) -> None:  # type: ignore[no-untyped-def]
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
def test_reply_goes_out_on_the_customers_latest_channel(
    api, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    sent: list[Message] = []

    class FakeWhatsApp:
        channel = "whatsapp"

        def send(self, message: Message) -> SendResult:
            sent.append(message)
            return SendResult(provider_message_id="wamid.out.1")

    with senders_replaced([FakeWhatsApp()]):
        ticket = message_ingest(data=inbound("email", value="lotte@example.nl")).ticket
        from customers.services import identity_add

        identity_add(customer=ticket.customer, kind="phone", value="+31612345678")
        message_ingest(data=inbound("whatsapp", value="31612345678"))
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/tickets/{ticket.pk}/messages/",
                {"kind": "reply", "body_text": "Hoi Lotte!"},
                format="json",
            )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "whatsapp"
    assert body["identity"]["value"] == "+31612345678"
    stored = Message.objects.get(pk=body["id"])
    assert stored.delivery_state == DeliveryState.SENT
    assert stored.provider_message_id == "wamid.out.1"
    assert [m.pk for m in sent] == [stored.pk]
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is not None
    assert ticket.status == Status.OPEN


@pytest.mark.django_db
def test_reply_without_sender_fails_visibly(api, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    # X has no sender yet (issue 4 builds Messenger, Instagram and WhatsApp).
    ticket = message_ingest(data=inbound("x", value="@someone")).ticket
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/tickets/{ticket.pk}/messages/",
            {"kind": "reply", "body_text": "Hi"},
            format="json",
        )
    assert response.status_code == 201
    stored = Message.objects.get(pk=response.json()["id"])
    assert stored.delivery_state == DeliveryState.FAILED
    assert stored.delivery_error == "no sender is configured for the x channel"


@pytest.mark.django_db
def test_note_is_internal_and_not_a_reply(api) -> None:  # type: ignore[no-untyped-def]
    ticket = message_ingest(data=inbound("email")).ticket
    response = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "note", "body_text": "Called the warehouse"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["direction"] == Direction.NOTE
    ticket.refresh_from_db()
    assert ticket.first_ack_at is None
    assert ticket.first_human_reply_at is None
    assert ticket.unanswered_contacts == 1


@pytest.mark.django_db
def test_reply_errors_are_clear(api) -> None:  # type: ignore[no-untyped-def]
    ticket = message_ingest(data=inbound("email")).ticket
    empty = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/", {"kind": "reply", "body_text": " "}, format="json"
    )
    assert empty.status_code == 400
    no_identity = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "reply", "body_text": "hi", "channel": "facebook"},
        format="json",
    )
    assert no_identity.status_code == 400
    assert no_identity.json()["detail"] == "the customer has no facebook identity to reply to"
    api.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "closed"}, format="json")
    closed = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "reply", "body_text": "hi"},
        format="json",
    )
    assert closed.status_code == 400
    assert "closed" in closed.json()["detail"]
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert api.get("/api/v1/tickets/999999/messages/").status_code == 404


@pytest.mark.django_db
def test_logged_calls(api) -> None:  # type: ignore[no-untyped-def]
    ticket = message_ingest(data=inbound("phone", value="+48 512 345 678", body_text="")).ticket
    missed = api.post(
        f"/api/v1/tickets/{ticket.pk}/calls/",
        {"direction": "inbound", "answered": False},
        format="json",
    )
    assert missed.status_code == 201
    ticket.refresh_from_db()
    assert ticket.unanswered_contacts == 2
    answered = api.post(
        f"/api/v1/tickets/{ticket.pk}/calls/",
        {
            "direction": "outbound",
            "answered": True,
            "duration_seconds": 240,
            "notes": "Explained the refund",
        },
        format="json",
    )
    assert answered.status_code == 201
    assert answered.json()["call_duration_seconds"] == 240
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is not None
    assert ticket.unanswered_contacts == 0


@pytest.mark.django_db
def test_ticket_merge_and_move(api) -> None:  # type: ignore[no-untyped-def]
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
) -> None:  # type: ignore[no-untyped-def]
    _grow(12)
    for name in ("Support", "Returns", "Social"):
        Team.objects.create(name=name)
    for size in (2, 12):
        with django_assert_num_queries(queries):
            response = api.get(f"{url}?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == min(size, 12 if "teams" not in url else 3)


@pytest.mark.django_db
def test_message_list_queries_constant(api, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
    ticket = message_ingest(data=inbound("email")).ticket
    for _ in range(9):
        message_ingest(data=inbound("email"))
    for size in (2, 10):
        # groups, ticket, messages, attachments prefetch
        with django_assert_num_queries(4):
            response = api.get(f"/api/v1/tickets/{ticket.pk}/messages/?page_size={size}")
        assert len(response.json()["results"]) == size


@pytest.mark.django_db
def test_cursor_pagination_walks_every_ticket(api) -> None:  # type: ignore[no-untyped-def]
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
def test_customer_create_and_identity_conflict(api) -> None:  # type: ignore[no-untyped-def]
    response = api.post(
        "/api/v1/customers/",
        {
            "name": "Jan Kowalski",
            "language": "pl",
            "identities": [
                {"kind": "email", "value": "Jan@Example.PL"},
                {"kind": "phone", "value": "512 345 678", "region": "PL"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert sorted((i["kind"], i["value"]) for i in response.json()["identities"]) == [
        ("email", "jan@example.pl"),
        ("phone", "+48512345678"),
    ]
    again = api.post(
        "/api/v1/customers/",
        {"identities": [{"kind": "email", "value": "jan@example.pl"}]},
        format="json",
    )
    assert again.status_code == 409
    bad = api.post(
        "/api/v1/customers/", {"identities": [{"kind": "phone", "value": "12"}]}, format="json"
    )
    assert bad.status_code == 400
    assert "not a valid phone number" in str(bad.json())


@pytest.mark.django_db
def test_agent_group_membership_is_needed(django_user_model) -> None:  # type: ignore[no-untyped-def]
    manager = django_user_model.objects.create_user(username="boss", password="pw-boss-12")
    manager.groups.add(Group.objects.create(name="Managers"))
    client = APIClient()
    client.force_authenticate(manager)
    assert client.get("/api/v1/teams/").status_code == 200


@pytest.mark.django_db
def test_token_from_username_and_password(agent) -> None:  # type: ignore[no-untyped-def]
    client = APIClient()
    wrong = client.post("/api/v1/auth/token/", {"username": agent.username, "password": "nope"})
    assert wrong.status_code == 400
    response = client.post(
        "/api/v1/auth/token/", {"username": agent.username, "password": "pw-agent-1"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    listed = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200


@pytest.mark.django_db
def test_event_list_queries_constant(api, agent, django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
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


@pytest.mark.django_db
def test_tickets_of_different_customers_do_not_merge(api) -> None:  # type: ignore[no-untyped-def]
    a = message_ingest(data=inbound("email", value="one@example.com")).ticket
    b = message_ingest(data=inbound("email", value="two@example.com")).ticket
    response = api.post(f"/api/v1/tickets/{b.pk}/merge/", {"into": a.pk}, format="json")
    assert response.status_code == 400
    assert "merge the customers first" in response.json()["detail"]
    assert Message.objects.filter(ticket=b).count() == 1
