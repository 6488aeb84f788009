"""The live chat view `/desk/chats/` over HTTP: waiting visitors oldest wait first with the
time their wait began, who is chatting, who left unanswered, what stays out (solved, stale,
a restricted team's), fixed query counts; and a chat ticket's strip: the visitor's state and
wait, what chat.js needs for typing both ways. Chats are made through the real chat
services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import redis
import time_machine
from django.conf import settings
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from channels_inbox.models import ChatConversation, ChatWidget
from channels_inbox.services.chat import (
    chat_session_open,
    chat_visitor_gone,
    chat_visitor_message,
    chat_visitor_present,
)
from customers.models import Identity
from tests.factories import inbound
from tickets.models import Direction, Message, Team, Ticket
from tickets.services import message_ingest, reply_create, ticket_set_status

pytestmark = pytest.mark.django_db

CHATS = "/desk/chats/"


@pytest.fixture(autouse=True)
def _no_presence_left_over() -> Iterator[None]:
    """Visitor presence lives in Redis (our own db): none may leak between tests."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")

    def clean() -> None:
        keys = list(client.scan_iter(match=f"{prefix}:presence:*", count=1000))
        if keys:
            client.delete(*keys)

    clean()
    yield
    clean()
    client.close()


@pytest.fixture
def widget() -> ChatWidget:
    return ChatWidget.objects.create(name="Bike shop", key="shop", allowed_origins=[])


_client_ids = iter(range(1, 10_000))


def chat(
    widget: ChatWidget,
    name: str,
    *,
    said: list[tuple[timedelta, str]],
    online: bool = True,
) -> ChatConversation:
    """A visitor who said each text that long ago, with their widget open now (or not)."""
    with time_machine.travel(timezone.now() - said[0][0], tick=False):
        session = chat_session_open(widget=widget, name=name)
    for ago, text in said:
        with time_machine.travel(timezone.now() - ago, tick=False):
            chat_visitor_message(
                conversation_id=session.conversation_id,
                client_id=f"m{next(_client_ids)}",
                text=text,
            )
    if online:
        chat_visitor_present(conversation_id=session.conversation_id, channel_name=f"sock-{name}")
    return ChatConversation.objects.select_related("ticket").get(pk=session.conversation_id)


def answer(conversation: ChatConversation, agent: Any, ago: timedelta, text: str = "Hi!") -> None:
    assert conversation.ticket is not None
    with time_machine.travel(timezone.now() - ago, tick=False):
        reply_create(ticket=conversation.ticket, author=agent, body_text=text, channel="chat")


def section(html: str, title: str) -> str:
    """The part of the board under one heading (up to the next)."""
    start = html.index(title)
    end = html.find('<h2 class="chats-section"', start)
    return html[start : end if end != -1 else len(html)]


def since(html: str, ticket: Ticket) -> datetime:
    row = html[html.index(f'id="chat-row-{ticket.pk}"') :]
    value = row.split('data-wait-since="', 1)[1].split('"', 1)[0]
    return datetime.fromisoformat(value)


def test_waiting_visitors_come_oldest_wait_first_with_when_their_wait_began(
    desk_client: Client, agent: Any, widget: ChatWidget
) -> None:
    minute = timedelta(minutes=1)
    eva = chat(widget, "Eva", said=[(6 * minute, "Hallo?"), (4 * minute, "Is er iemand?")])
    sam = chat(widget, "Sam", said=[(2 * minute, "Do you ship to Belgium?")])
    # Answered once, then asked again: the wait runs from the question after the answer.
    piotr = chat(widget, "Piotr", said=[(30 * minute, "Dzień dobry"), (9 * minute, "Halo?")])
    answer(piotr, agent, 20 * minute)
    talking = chat(widget, "Lotte", said=[(8 * minute, "Where is my order?")])
    answer(talking, agent, 7 * minute, "It left today.")
    gone = chat(widget, "Gone", said=[(3 * minute, "Anyone?")], online=False)

    html = desk_client.get(CHATS).content.decode()

    waiting = section(html, "Waiting for an answer")
    assert "· 3" in waiting
    order = [waiting.index(f'id="chat-row-{c.ticket.pk}"') for c in (piotr, eva, sam)]
    assert order == sorted(order), "oldest wait first"
    messages = Message.objects.filter(direction=Direction.INBOUND)
    first_unanswered = {
        eva.ticket.pk: messages.get(body_text="Hallo?").created_at,
        sam.ticket.pk: messages.get(body_text="Do you ship to Belgium?").created_at,
        piotr.ticket.pk: messages.get(body_text="Halo?").created_at,
    }
    for conversation in (eva, sam, piotr):
        assert since(waiting, conversation.ticket) == first_unanswered[conversation.ticket.pk]
    # The page's clock for the ticking, the latest line, the visitor's name, the link.
    assert 'data-server-now="' in waiting
    assert "Is er iemand?" in waiting
    assert f'href="/desk/tickets/{eva.ticket.pk}/"' in waiting

    chatting = section(html, "In conversation")
    assert f'id="chat-row-{talking.ticket.pk}"' in chatting
    assert "data-wait-since" not in chatting
    left = section(html, "Left before an answer")
    assert f'id="chat-row-{gone.ticket.pk}"' in left


def test_solved_stale_and_answered_and_gone_chats_stay_off_the_board(
    desk_client: Client, agent: Any, widget: ChatWidget
) -> None:
    solved = chat(widget, "Solved", said=[(timedelta(minutes=1), "Thanks, bye")])
    assert solved.ticket is not None
    ticket_set_status(ticket=solved.ticket, status="solved", by=agent)
    stale = chat(widget, "Stale", said=[(timedelta(hours=6), "Hello?")], online=False)
    done = chat(widget, "Done", said=[(timedelta(minutes=9), "Q")], online=False)
    answer(done, agent, timedelta(minutes=8))
    message_ingest(data=inbound(subject="An email, not a chat"))

    html = desk_client.get(CHATS).content.decode()
    for conversation in (solved, stale, done):
        assert f'id="chat-row-{conversation.ticket.pk}"' not in html
    assert "Nobody is waiting" in html
    assert "In conversation" not in html
    assert "Left before an answer" not in html


def test_a_restricted_teams_chats_show_only_to_its_members(
    desk_client: Client, agent: Any, widget: ChatWidget
) -> None:
    team = Team.objects.create(name="VIP", restricted=True)
    widget.team = team
    widget.save(update_fields=["team"])
    vip = chat(widget, "Vip", said=[(timedelta(minutes=1), "Secret order")])
    assert vip.ticket is not None
    assert vip.ticket.team_id == team.pk

    html = desk_client.get(CHATS).content.decode()
    assert "Secret order" not in html
    assert desk_client.get(f"/desk/chats/tickets/{vip.ticket.pk}/").status_code == 404
    team.members.add(agent)
    assert "Secret order" in desk_client.get(CHATS).content.decode()


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_board_asks_a_fixed_number_of_queries(
    desk_client: Client, agent: Any, widget: ChatWidget
) -> None:
    chat(widget, "One", said=[(timedelta(minutes=1), "Hi")])
    small = (_queries(desk_client, CHATS), _queries(desk_client, "/desk/chats/board/"))
    for n in range(12):
        conversation = chat(widget, f"V{n}", said=[(timedelta(minutes=n + 2), f"Q{n}")])
        if n % 3 == 0:
            answer(conversation, agent, timedelta(minutes=1))
        if n % 4 == 0:
            conversation.ticket.assignee = agent
            conversation.ticket.save(update_fields=["assignee"])
    large = (_queries(desk_client, CHATS), _queries(desk_client, "/desk/chats/board/"))
    assert small == large
    # Session, user and role, then the board in one query (Redis answers who is online).
    assert small[1] == 4


def test_the_board_fragment_is_the_same_board(desk_client: Client, widget: ChatWidget) -> None:
    eva = chat(widget, "Eva", said=[(timedelta(minutes=1), "Hallo?")])
    html = desk_client.get("/desk/chats/board/", HTTP_HX_REQUEST="true").content.decode()
    assert f'id="chat-row-{eva.ticket.pk}"' in html
    assert "<html" not in html
    page = desk_client.get(CHATS).content.decode()
    assert 'hx-get="/desk/chats/board/"' in page
    assert "desk:chats-changed from:body" in page
    assert "desk/chat.js" in page


# --- A chat ticket's strip ---------------------------------------------------------------------


def test_the_strip_asks_a_fixed_number_of_queries(desk_client: Client, widget: ChatWidget) -> None:
    eva = chat(widget, "Eva", said=[(timedelta(minutes=3), "Hallo?")])
    urls = (f"/desk/chats/tickets/{eva.ticket.pk}/", f"/desk/chats/tickets/{eva.ticket.pk}/state/")
    small = tuple(_queries(desk_client, url) for url in urls)
    # The same visitor back on two more devices, and many more messages on the ticket.
    for _ in range(2):
        session = chat_session_open(widget=widget, name="Eva")
        ChatConversation.objects.filter(pk=session.conversation_id).update(ticket=eva.ticket)
    for n in range(10):
        chat_visitor_message(conversation_id=eva.pk, client_id=f"more-{n}", text=f"Nog {n}")
    large = tuple(_queries(desk_client, url) for url in urls)
    assert small == large
    # Session, user, role, the ticket, its conversations (+ the chat identities for the panel).
    assert small == (6, 5)


def test_the_strip_shows_who_is_in_the_chat_and_how_long_they_wait(
    desk_client: Client, widget: ChatWidget
) -> None:
    eva = chat(widget, "Eva <3", said=[(timedelta(minutes=2), "Hallo?")])
    html = desk_client.get(f"/desk/chats/tickets/{eva.ticket.pk}/").content.decode()
    assert f'data-chat-ticket="{eva.ticket.pk}"' in html
    assert "Eva &lt;3 is typing…" in html  # what chat.js shows, escaped
    assert "In the chat now" in html
    assert "data-wait-since" in html
    assert 'id="chat-typing" role="status"' in html
    # The composer's typing reaches the widget only when it answers on her chat identity.
    identity = Identity.objects.get(kind="chat", value=eva.visitor_id)
    assert f'data-chat-identities="{identity.pk}"' in html
    assert "<form" not in html  # the reply is the composer's

    chat_visitor_gone(conversation_id=eva.pk, channel_name="sock-Eva <3")
    state = desk_client.get(f"/desk/chats/tickets/{eva.ticket.pk}/state/").content.decode()
    assert "Left the chat" in state
    assert "In the chat now" not in state


def test_a_ticket_nobody_chats_on_has_no_strip(desk_client: Client) -> None:
    ticket = message_ingest(data=inbound()).ticket
    assert desk_client.get(f"/desk/chats/tickets/{ticket.pk}/").status_code == 204
    assert render_to_string("desk/ticket/_chat.html", {"ticket": ticket}).strip() == ""
    assert desk_client.get("/desk/chats/tickets/999999/").status_code == 404


def test_the_strip_loader_is_there_for_chat_tickets(widget: ChatWidget) -> None:
    eva = chat(widget, "Eva", said=[(timedelta(minutes=1), "Hallo?")])
    html = render_to_string("desk/ticket/_chat.html", {"ticket": eva.ticket})
    assert f'hx-get="/desk/chats/tickets/{eva.ticket.pk}/"' in html
    assert 'hx-trigger="load"' in html


def test_an_answer_ends_the_wait_on_the_strip_and_the_board(
    desk_client: Client, agent: Any, widget: ChatWidget
) -> None:
    eva = chat(widget, "Eva", said=[(timedelta(minutes=2), "Hallo?")])
    state_url = f"/desk/chats/tickets/{eva.ticket.pk}/state/"
    assert "data-wait-since" in desk_client.get(state_url).content.decode()
    # An automatic message answers nobody.
    reply_create(
        ticket=eva.ticket, author=None, body_text="We reply soon", channel="chat", is_automatic=True
    )
    assert "data-wait-since" in desk_client.get(state_url).content.decode()

    answer(eva, agent, timedelta(0), "Goedemiddag Eva!")

    state = desk_client.get(state_url).content.decode()
    assert "Answered" in state
    assert "data-wait-since" not in state
    board = desk_client.get(CHATS).content.decode()
    assert f'id="chat-row-{eva.ticket.pk}"' in section(board, "In conversation")
    # The next question starts a new wait.
    chat_visitor_message(conversation_id=eva.pk, client_id="again", text="Nog een vraag")
    assert "data-wait-since" in desk_client.get(state_url).content.decode()


def test_the_chat_pages_need_an_agent(client: Client, widget: ChatWidget) -> None:
    eva = chat(widget, "Eva", said=[(timedelta(minutes=1), "Hallo?")])
    for url in (CHATS, "/desk/chats/board/", f"/desk/chats/tickets/{eva.ticket.pk}/"):
        assert client.get(url)["Location"].startswith("/desk/signin/")
