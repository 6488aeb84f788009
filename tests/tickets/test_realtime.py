"""Agents' live updates over websockets, through the real Redis channel layer."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group

from helpdesk.asgi import application
from tests.factories import inbound
from tickets.services import message_ingest


def _ingest() -> int:
    return message_ingest(data=inbound("email", value="live@example.com")).ticket.pk


def _agent_session_cookie(django_user_model) -> str:
    from django.test import Client

    user = django_user_model.objects.create_user(username="live", password="pw-live-123")
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_agent_receives_new_messages_live(django_user_model) -> None:
    session = await sync_to_async(_agent_session_cookie)(django_user_model)
    communicator = WebsocketCommunicator(
        application,
        "/ws/tickets/",
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", f"sessionid={session}".encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    ticket_id = await sync_to_async(_ingest)()
    event = await communicator.receive_json_from(timeout=5)
    assert event["event"] == "message.created"
    assert event["ticket"] == ticket_id
    await communicator.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_anonymous_websocket_is_refused() -> None:
    communicator = WebsocketCommunicator(
        application,
        "/ws/tickets/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
    )
    connected, code = await communicator.connect()
    assert not connected
    assert code == 4403
