"""Restricted teams: only their members and the managers see their tickets, on every agent
surface (`tickets.selectors.ticket_list_for_user` and friends). Everyone else gets the 404 a
missing ticket gets, so an id does not tell whether it exists."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from helpdesk.asgi import application
from tests.factories import inbound
from tickets.models import Attachment, Team
from tickets.services import InboundAttachment, message_ingest


def _client(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _user(django_user_model: Any, name: str, group: str) -> Any:
    user = django_user_model.objects.create_user(username=name, password=f"pw-{name}-123")
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


@pytest.fixture
def legal(django_user_model, settings, tmp_path) -> dict[str, Any]:
    """A restricted team with one member, and a ticket of it carrying an attachment."""
    settings.MEDIA_ROOT = tmp_path
    member = _user(django_user_model, "member", "Agents")
    manager = _user(django_user_model, "manager", "Managers")
    team = Team.objects.create(name="Legal", restricted=True)
    team.members.add(member)
    ticket = message_ingest(
        data=inbound(
            "email",
            value="lawyer@example.com",
            team_id=team.pk,
            attachments=[InboundAttachment(filename="claim.pdf", content=b"%PDF-1.4\n")],
        )
    ).ticket
    attachment = Attachment.objects.get(message__ticket=ticket)
    return {
        "team": team,
        "ticket": ticket,
        "attachment": attachment,
        "member": member,
        "manager": manager,
    }


def _urls(legal: dict[str, Any]) -> list[str]:
    pk = legal["ticket"].pk
    return [
        f"/api/v1/tickets/{pk}/",
        f"/api/v1/tickets/{pk}/messages/",
        f"/api/v1/tickets/{pk}/events/",
        f"/api/v1/tickets/{pk}/todos/",
        f"/api/v1/attachments/{legal['attachment'].pk}/",
    ]


@pytest.mark.django_db
def test_outsider_gets_not_found_everywhere(api, legal) -> None:
    ticket = legal["ticket"]
    priority = ticket.priority
    for url in _urls(legal):
        response = api.get(url)
        assert response.status_code == 404, url
        assert b"lawyer" not in response.content
    assert (
        api.get("/api/v1/tickets/999999/").json() == api.get(f"/api/v1/tickets/{ticket.pk}/").json()
    )
    patch = api.patch(f"/api/v1/tickets/{ticket.pk}/", {"priority": "low"}, format="json")
    assert patch.status_code == 404
    message = ticket.messages.get()
    move = api.post(f"/api/v1/tickets/{ticket.pk}/messages/{message.pk}/move/", {}, format="json")
    assert move.status_code == 404
    listed = api.get("/api/v1/tickets/").json()["results"]
    assert ticket.pk not in {row["id"] for row in listed}
    ticket.refresh_from_db()
    assert ticket.priority == priority


@pytest.mark.django_db
def test_outsider_cannot_merge_into_a_hidden_ticket(api, legal) -> None:
    other = message_ingest(data=inbound("email", value="someone@example.com")).ticket
    response = api.post(
        f"/api/v1/tickets/{other.pk}/merge/", {"into": legal["ticket"].pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"into": "no such ticket"}


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["member", "manager"])
def test_members_and_managers_see_it(legal, who) -> None:
    client = _client(legal[who])
    for url in _urls(legal):
        assert client.get(url).status_code == 200, url
    listed = client.get("/api/v1/tickets/").json()["results"]
    assert legal["ticket"].pk in {row["id"] for row in listed}
    patch = client.patch(
        f"/api/v1/tickets/{legal['ticket'].pk}/", {"priority": "low"}, format="json"
    )
    assert patch.status_code == 200


@pytest.mark.django_db
def test_superuser_sees_it(legal, django_user_model) -> None:
    root = django_user_model.objects.create_superuser(username="root", password="pw-root-123")
    assert _client(root).get(f"/api/v1/tickets/{legal['ticket'].pk}/").status_code == 200


@pytest.mark.django_db
def test_unrestricted_teams_and_no_team_are_seen_by_all(api) -> None:
    open_team = Team.objects.create(name="Support")
    teamed = message_ingest(data=inbound("email", value="a@example.com", team_id=open_team.pk))
    loose = message_ingest(data=inbound("email", value="b@example.com"))
    listed = {row["id"] for row in api.get("/api/v1/tickets/").json()["results"]}
    assert {teamed.ticket.pk, loose.ticket.pk} <= listed


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["agent", "member", "manager"])
def test_the_rule_adds_no_query_to_the_list(legal, agent, who, django_assert_num_queries) -> None:
    user = agent if who == "agent" else legal[who]
    for index in range(12):
        message_ingest(data=inbound("email", value=f"c{index}@example.com"))
    client = _client(user)
    for size in (2, 12):
        # As pinned in tests/tickets/api/test_tickets.py: groups, tickets, their SLA clocks.
        with django_assert_num_queries(3):
            response = client.get(f"/api/v1/tickets/?page_size={size}")
        assert response.status_code == 200


@pytest.mark.django_db
def test_teams_api_shows_restricted(api, legal) -> None:
    teams = {team["name"]: team for team in api.get("/api/v1/teams/").json()["results"]}
    assert teams["Legal"]["restricted"] is True


# --- Websockets ------------------------------------------------------------------------------


def _session(user: Any) -> str:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _socket(path: str, session: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        path,
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", f"sessionid={session}".encode()),
        ],
    )


def _setup(django_user_model: Any) -> dict[str, Any]:
    outsider = _user(django_user_model, "outsider", "Agents")
    member = _user(django_user_model, "member", "Agents")
    team = Team.objects.create(name="Legal", restricted=True)
    team.members.add(member)
    ticket = message_ingest(data=inbound("email", value="l@example.com", team_id=team.pk)).ticket
    return {
        "ticket": ticket.pk,
        "team": team.pk,
        "outsider": _session(outsider),
        "member": _session(member),
    }


def _ingest(value: str, team_id: int | None) -> int:
    return message_ingest(data=inbound("email", value=value, team_id=team_id)).ticket.pk


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_ticket_socket_refuses_outsiders(django_user_model) -> None:
    setup = await sync_to_async(_setup)(django_user_model)
    outsider = _socket(f"/ws/tickets/{setup['ticket']}/", setup["outsider"])
    connected, code = await outsider.connect()
    assert not connected
    assert code == 4404
    member = _socket(f"/ws/tickets/{setup['ticket']}/", setup["member"])
    connected, _ = await member.connect()
    assert connected
    await member.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_queue_feed_carries_restricted_tickets_to_members_only(django_user_model) -> None:
    setup = await sync_to_async(_setup)(django_user_model)
    outsider = _socket("/ws/tickets/", setup["outsider"])
    member = _socket("/ws/tickets/", setup["member"])
    assert (await outsider.connect())[0]
    assert (await member.connect())[0]
    await sync_to_async(_ingest)("l@example.com", setup["team"])  # joins the Legal ticket
    public = await sync_to_async(_ingest)("p@example.com", None)
    seen_by_member = {(await member.receive_json_from(timeout=5))["ticket"] for _ in range(2)}
    assert seen_by_member == {setup["ticket"], public}
    first = await outsider.receive_json_from(timeout=5)
    assert first["ticket"] == public
    assert await outsider.receive_nothing(timeout=0.5)
    await outsider.disconnect()
    await member.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_chat_console_hides_restricted_tickets_from_outsiders(django_user_model) -> None:
    from channels.layers import get_channel_layer

    from channels_inbox.services.chat import AGENTS_GROUP

    setup = await sync_to_async(_setup)(django_user_model)
    public = await sync_to_async(_ingest)("p@example.com", None)
    outsider = _socket("/ws/agents/chat/", setup["outsider"])
    member = _socket("/ws/agents/chat/", setup["member"])
    for socket in (outsider, member):
        assert (await socket.connect())[0]
        assert (await socket.receive_json_from(timeout=5))["type"] == "presence"
    layer = get_channel_layer()
    for ticket_id in (setup["ticket"], public):
        event = {"type": "chat.event", "event": "chat.message", "ticket": ticket_id}
        await layer.group_send(AGENTS_GROUP, {**event, "conversation": 1, "message": 1})
    seen_by_member = {(await member.receive_json_from(timeout=5))["ticket"] for _ in range(2)}
    assert seen_by_member == {setup["ticket"], public}
    assert (await outsider.receive_json_from(timeout=5))["ticket"] == public
    assert await outsider.receive_nothing(timeout=0.5)
    # Typing on a hidden ticket never reaches its visitor: the outsider gets the 404 answer.
    await outsider.send_json_to({"type": "typing", "ticket": setup["ticket"], "typing": True})
    refused = await outsider.receive_json_from(timeout=5)
    assert (refused["type"], refused["code"]) == ("error", "not_found")
    await outsider.disconnect()
    await member.disconnect()


@pytest.mark.django_db
def test_notifications_about_a_hidden_ticket_are_not_listed(legal, agent):
    """A notification made while the agent could see the ticket (e.g. before it moved to a
    restricted team) no longer shows in the API, as in the desk's bell."""
    from tickets.models import Notification, NotificationKind

    Notification.objects.create(
        user=agent, ticket=legal["ticket"], kind=NotificationKind.SLA_AT_RISK, text="at risk"
    )
    Notification.objects.create(user=agent, kind=NotificationKind.SLA_AT_RISK, text="general")
    Notification.objects.create(
        user=legal["member"], ticket=legal["ticket"], kind=NotificationKind.SLA_AT_RISK, text="x"
    )
    seen = _client(agent).get("/api/v1/notifications/").json()["results"]
    assert [n["text"] for n in seen] == ["general"]
    member = _client(legal["member"]).get("/api/v1/notifications/").json()["results"]
    assert [n["ticket"] for n in member] == [legal["ticket"].pk]
