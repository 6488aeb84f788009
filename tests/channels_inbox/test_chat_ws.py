"""Live chat over websockets (channels' WebsocketCommunicator on the real ASGI application,
real Redis channel layer): visitor ↔ ticket ↔ agent, resends, origins, rate limit, pre-chat
email, presence and typing."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
import time_machine
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from django.core.cache import cache
from django.test import Client

from channels_inbox import selectors
from channels_inbox.models import ChatConversation, ChatWidget
from customers.models import Customer, Identity
from helpdesk.asgi import application
from tests.factories import inbound
from tickets.models import DeliveryState, Direction, Message, Ticket
from tickets.services import message_ingest

SHOP = "https://www.shop.test"

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _clean_redis() -> None:
    # Our own Redis db: presence and rate-limit counters must not leak between tests.
    cache.clear()


@pytest.fixture
def widget(transactional_db: Any) -> ChatWidget:
    return ChatWidget.objects.create(name="Shop", key="shop", allowed_origins=[SHOP])


def visitor(key: str = "shop", origin: str | None = SHOP) -> WebsocketCommunicator:
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append((b"origin", origin.encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{key}/", headers=headers)


def _session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def agent_socket(user: Any, path: str) -> WebsocketCommunicator:
    cookie = await sync_to_async(_session_cookie)(user)
    communicator = WebsocketCommunicator(
        application,
        path,
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", f"sessionid={cookie}".encode()),
        ],
    )
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def until(
    communicator: WebsocketCommunicator, match: dict[str, Any], timeout: float = 5
) -> dict[str, Any]:
    """The first frame whose keys equal `match` (others are skipped)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        frame = await communicator.receive_json_from(timeout=max(deadline - loop.time(), 0.01))
        if all(frame.get(k) == v for k, v in match.items()):
            return frame


async def start(communicator: WebsocketCommunicator, **hello: Any) -> dict[str, Any]:
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "hello", **hello})
    session = await communicator.receive_json_from(timeout=5)
    assert session["type"] == "session", session
    return session


async def say(communicator: WebsocketCommunicator, client_id: str, text: str) -> dict[str, Any]:
    await communicator.send_json_to({"type": "message", "id": client_id, "text": text})
    return await communicator.receive_json_from(timeout=5)


async def test_visitor_chats_agents_see_it_and_the_reply_comes_back_live(
    widget: ChatWidget, agent: Any, api: Any
) -> None:
    tickets_socket = await agent_socket(agent, "/ws/tickets/")
    chat_socket = await agent_socket(agent, "/ws/agents/chat/")
    assert (await chat_socket.receive_json_from(timeout=5)) == {
        "type": "presence",
        "agents_online": True,
    }

    widget_socket = visitor()
    session = await start(widget_socket, language="en")
    assert session["agents_online"] is True
    assert session["history"] == []
    assert session["resumed"] is False

    ack = await say(widget_socket, "c-1", "Hello, is my order shipped?")
    assert ack["type"] == "ack"
    assert ack["id"] == "c-1"
    assert ack["duplicate"] is False
    message = await sync_to_async(Message.objects.select_related("ticket", "identity").get)(
        pk=ack["message"]
    )
    assert message.channel == "chat"
    assert message.direction == Direction.INBOUND
    assert message.body_text == "Hello, is my order shipped?"
    assert message.identity.kind == "chat"
    ticket_id = message.ticket_id

    created = await until(tickets_socket, {"event": "message.created", "ticket": ticket_id})
    assert created["data"] == {"message": message.pk}
    started = await until(chat_socket, {"type": "chat.started"})
    assert started["ticket"] == ticket_id
    assert started["message"] == message.pk
    await until(chat_socket, {"type": "chat.message", "message": message.pk})

    response = await sync_to_async(api.post)(
        f"/api/v1/tickets/{ticket_id}/messages/",
        {"kind": "reply", "channel": "chat", "body_text": "Yes, it left this morning."},
        format="json",
    )
    assert response.status_code == 201, response.content
    pushed = await until(widget_socket, {"type": "message"})
    assert pushed["message"]["from"] == "agent"
    assert pushed["message"]["text"] == "Yes, it left this morning."
    assert pushed["message"]["author"] == "Ada"
    assert pushed["message"]["id"] == response.json()["id"]
    reply = await sync_to_async(Message.objects.get)(pk=response.json()["id"])
    assert reply.delivery_state == DeliveryState.SENT
    assert reply.thread_key == f"chat-{session_conversation(message)}"
    assert mail.outbox == []  # the visitor is connected and left no email

    for communicator in (widget_socket, tickets_socket, chat_socket):
        await communicator.disconnect()


def session_conversation(message: Message) -> int:
    return int(message.meta["chat_conversation"])


async def test_a_resend_after_reconnect_is_stored_once_and_acknowledged_again(
    widget: ChatWidget,
) -> None:
    first = visitor()
    session = await start(first)
    ack = await say(first, "resend-1", "Are you there?")
    await first.disconnect()

    again = visitor()
    resumed = await start(again, token=session["token"])
    assert resumed["resumed"] is True
    assert resumed["token"] == session["token"]
    assert [(m["client_id"], m["text"]) for m in resumed["history"]] == [
        ("resend-1", "Are you there?")
    ]
    repeat = await say(again, "resend-1", "Are you there?")
    assert repeat["type"] == "ack"
    assert repeat["message"] == ack["message"]
    assert repeat["duplicate"] is True
    assert await sync_to_async(Message.objects.filter(channel="chat").count)() == 1
    await again.disconnect()


async def test_an_unknown_token_starts_a_new_conversation(widget: ChatWidget) -> None:
    communicator = visitor()
    session = await start(communicator, token="not-a-real-token")
    assert session["resumed"] is False
    assert session["token"] != "not-a-real-token"
    await communicator.disconnect()


@pytest.mark.parametrize("origin", ["https://evil.test", "https://www.shop.test.evil.test", None])
async def test_a_page_off_the_allow_list_is_refused(widget: ChatWidget, origin: str | None) -> None:
    connected, code = await visitor(origin=origin).connect()
    assert not connected
    assert code == 4403


async def test_the_allow_list_ignores_case_and_a_trailing_slash(widget: ChatWidget) -> None:
    communicator = visitor(origin="https://WWW.Shop.test/")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()


async def test_an_unknown_or_switched_off_widget_is_refused(widget: ChatWidget) -> None:
    connected, code = await visitor(key="nope").connect()
    assert (connected, code) == (False, 4404)
    await sync_to_async(ChatWidget.objects.filter(pk=widget.pk).update)(active=False)
    connected, code = await visitor().connect()
    assert (connected, code) == (False, 4404)


async def test_the_agents_socket_keeps_the_host_origin_check(
    agent: Any, widget: ChatWidget
) -> None:
    cookie = await sync_to_async(_session_cookie)(agent)
    communicator = WebsocketCommunicator(
        application,
        "/ws/agents/chat/",
        headers=[(b"origin", SHOP.encode()), (b"cookie", f"sessionid={cookie}".encode())],
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_an_anonymous_agent_socket_is_refused(widget: ChatWidget) -> None:
    communicator = WebsocketCommunicator(
        application,
        "/ws/agents/chat/",
        headers=[(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")],
    )
    connected, code = await communicator.connect()
    assert (connected, code) == (False, 4403)


async def test_messages_beyond_the_rate_limit_get_an_error(
    widget: ChatWidget, settings: Any
) -> None:
    settings.HELPDESK_CHAT_RATE_LIMIT = 2
    communicator = visitor()
    await start(communicator)
    first = await say(communicator, "r-1", "one")
    assert (await say(communicator, "r-2", "two"))["type"] == "ack"
    refused = await say(communicator, "r-3", "three")
    assert refused["type"] == "error"
    assert refused["code"] == "rate_limited"
    assert refused["id"] == "r-3"
    assert 0 < refused["retry_after"] <= 60
    # A resend of a stored message is still acknowledged: it costs nothing.
    repeat = await say(communicator, "r-1", "one")
    assert (repeat["type"], repeat["message"]) == ("ack", first["message"])
    assert await sync_to_async(Message.objects.filter(channel="chat").count)() == 2
    await communicator.disconnect()


async def test_the_prechat_email_joins_the_existing_customer_and_open_ticket(
    widget: ChatWidget,
) -> None:
    earlier = await sync_to_async(message_ingest)(
        data=inbound("email", value="Eva@Example.com", body_text="My parcel is late, secret 42")
    )
    communicator = visitor()
    session = await start(communicator, name="Eva", email="eva@example.com")
    ack = await say(communicator, "p-1", "Following up on my email")
    message = await sync_to_async(Message.objects.select_related("identity").get)(pk=ack["message"])
    assert message.ticket_id == earlier.ticket.pk
    assert message.author_customer_id == earlier.message.author_customer_id
    assert message.meta["prechat_email"] == "eva@example.com"
    customer = await sync_to_async(Customer.objects.get)(pk=earlier.message.author_customer_id)
    kinds = await sync_to_async(
        lambda: sorted(customer.identities.values_list("kind", flat=True))
    )()
    assert kinds == ["chat", "email"]
    assert await sync_to_async(Customer.objects.count)() == 1
    await communicator.disconnect()

    # The visitor sees their own chat only, never the customer's other messages.
    again = visitor()
    resumed = await start(again, token=session["token"])
    assert [m["text"] for m in resumed["history"]] == ["Following up on my email"]
    await again.disconnect()


async def test_an_email_given_after_an_anonymous_start_merges_the_chat_only_record(
    widget: ChatWidget,
) -> None:
    known = await sync_to_async(message_ingest)(data=inbound("email", value="jan@example.com"))
    first = visitor()
    session = await start(first)
    await say(first, "a-1", "Hi")
    await first.disconnect()
    again = visitor()
    await start(again, token=session["token"], email="jan@example.com")
    ack = await say(again, "a-2", "It is Jan")
    message = await sync_to_async(Message.objects.get)(pk=ack["message"])
    assert message.author_customer_id == known.message.author_customer_id
    chat = await sync_to_async(Identity.objects.get)(kind="chat")
    assert chat.customer_id == known.message.author_customer_id
    await again.disconnect()


async def test_an_invalid_prechat_email_is_refused_before_anything_starts(
    widget: ChatWidget,
) -> None:
    communicator = visitor()
    await communicator.connect()
    await communicator.send_json_to({"type": "hello", "email": "not an address"})
    error = await communicator.receive_json_from(timeout=5)
    assert (error["type"], error["code"]) == ("error", "invalid_email")
    assert await sync_to_async(ChatConversation.objects.count)() == 0
    await communicator.disconnect()


async def test_with_no_agent_online_the_session_says_so_and_still_takes_the_message(
    widget: ChatWidget, agent: Any
) -> None:
    communicator = visitor()
    session = await start(communicator)
    assert session["agents_online"] is False
    ack = await say(communicator, "o-1", "Anyone?")
    assert ack["type"] == "ack"

    # An agent coming online is announced to waiting visitors; leaving too.
    chat_socket = await agent_socket(agent, "/ws/agents/chat/")
    assert (await until(communicator, {"type": "presence"}))["agents_online"] is True
    await chat_socket.disconnect()
    assert (await until(communicator, {"type": "presence"}))["agents_online"] is False
    await communicator.disconnect()


async def test_a_crashed_agent_process_stops_counting_as_online(agent: Any) -> None:
    from channels_inbox.services import chat_agent_present

    await sync_to_async(chat_agent_present)(user_id=agent.pk, channel_name="gone-process")
    assert await sync_to_async(selectors.chat_agents_online)() is True
    # Nobody calls chat_agent_gone: the entry simply expires.
    with time_machine.travel(time.time() + selectors.PRESENCE_TTL + 5):
        assert await sync_to_async(selectors.chat_agents_online)() is False


async def test_typing_goes_both_ways(widget: ChatWidget, agent: Any) -> None:
    communicator = visitor()
    await start(communicator)
    ack = await say(communicator, "t-1", "Question")
    ticket_id = (await sync_to_async(Message.objects.get)(pk=ack["message"])).ticket_id
    watcher = await agent_socket(agent, f"/ws/tickets/{ticket_id}/")
    chat_socket = await agent_socket(agent, "/ws/agents/chat/")

    await communicator.send_json_to({"type": "typing", "typing": True})
    typing = await until(watcher, {"event": "chat.typing"})
    assert typing["ticket"] == ticket_id
    assert typing["data"]["typing"] is True
    assert (await until(chat_socket, {"type": "chat.typing"}))["ticket"] == ticket_id

    await chat_socket.send_json_to({"type": "typing", "ticket": ticket_id, "typing": True})
    shown = await until(communicator, {"type": "typing"})
    assert shown == {"type": "typing", "typing": True, "name": "Ada"}
    for socket in (communicator, watcher, chat_socket):
        await socket.disconnect()


async def test_a_typing_frame_per_keystroke_reaches_agents_as_changes_of_state(
    widget: ChatWidget, agent: Any
) -> None:
    communicator = visitor()
    await start(communicator)
    ack = await say(communicator, "k-1", "Question")
    ticket_id = (await sync_to_async(Message.objects.get)(pk=ack["message"])).ticket_id
    watcher = await agent_socket(agent, f"/ws/tickets/{ticket_id}/")

    for _ in range(30):
        await communicator.send_json_to({"type": "typing", "typing": True})
    await communicator.send_json_to({"type": "typing", "typing": False})
    frames = []
    while not frames or frames[-1]["data"]["typing"] is not False:
        frames.append(await until(watcher, {"event": "chat.typing"}))
    assert [frame["data"]["typing"] for frame in frames] == [True, False]
    assert await watcher.receive_nothing(timeout=0.3)
    for socket in (communicator, watcher):
        await socket.disconnect()


async def test_a_reply_to_a_visitor_who_left_goes_out_by_email_too(
    widget: ChatWidget, api: Any
) -> None:
    communicator = visitor()
    await start(communicator, name="Lena", email="lena@example.com", language="nl")
    ack = await say(communicator, "e-1", "Please call me back")
    await communicator.disconnect()
    ticket = await sync_to_async(Ticket.objects.get)(messages__pk=ack["message"])

    response = await sync_to_async(api.post)(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "reply", "channel": "chat", "body_text": "We will call you at 3."},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["lena@example.com"]
    assert f"[#{ticket.pk}]" in sent.subject
    assert "We will call you at 3." in sent.body
    assert "verder chatten" in sent.body  # the footer in the visitor's language
    assert sent.extra_headers["Reply-To"].endswith(f"+t{ticket.pk}@helpdesk.localhost")
    reply = await sync_to_async(Message.objects.get)(pk=response.json()["id"])
    assert reply.delivery_state == DeliveryState.SENT
    assert reply.provider_message_id == sent.extra_headers["Message-ID"]

    # Coming back, the visitor finds the reply in the conversation.
    back = visitor()
    session = await start(back, token=(await conversation_token()))
    assert [m["from"] for m in session["history"]] == ["visitor", "agent"]
    await back.disconnect()


async def conversation_token() -> str:
    return await sync_to_async(lambda: ChatConversation.objects.get().token)()


async def test_bad_frames_get_errors_not_a_dead_socket(widget: ChatWidget) -> None:
    communicator = visitor()
    await communicator.connect()
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from())["code"] == "bad_frame"
    await communicator.send_json_to({"type": "message", "id": "x", "text": "early"})
    assert (await communicator.receive_json_from())["code"] == "no_session"
    await communicator.send_json_to({"type": "hello"})
    await communicator.receive_json_from()
    for frame, code in [
        ({"type": "message", "id": "bad id!", "text": "x"}, "invalid_id"),
        ({"type": "message", "id": "ok", "text": "   "}, "empty"),
        ({"type": "message", "id": "ok", "text": "x" * 5001}, "too_long"),
        ({"type": "dance"}, "bad_frame"),
    ]:
        await communicator.send_json_to(frame)
        assert (await communicator.receive_json_from())["code"] == code
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_agent_typing_on_a_ticket_without_chat_reaches_nobody(
    widget: ChatWidget, agent: Any
) -> None:
    """An agent typing on a ticket with no chat reaches nobody and breaks nothing."""
    other = await sync_to_async(message_ingest)(data=inbound("email", value="x@example.com"))
    chat_socket = await agent_socket(agent, "/ws/agents/chat/")
    await chat_socket.receive_json_from()
    await chat_socket.send_json_to({"type": "typing", "ticket": other.ticket.pk, "typing": True})
    await chat_socket.send_json_to({"type": "typing", "ticket": "x"})
    assert (await chat_socket.receive_json_from())["code"] == "bad_frame"
    await chat_socket.disconnect()
