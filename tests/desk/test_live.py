"""Presence and live updates below the browser: the presence socket through the real ASGI
application and Redis channel layer (join, replying, leave, heartbeat, refusals, restricted
teams), the expiry in Redis, and the HTTP fragments that show who is on a ticket."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
import redis
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from desk import presence
from helpdesk.asgi import application
from tests.factories import inbound
from tickets.models import Team
from tickets.services import message_ingest


@pytest.fixture(autouse=True)
def _no_presence_left() -> None:
    """Presence outlives a test in Redis (and ticket ids restart with a new test database):
    each test starts with none."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    keys = list(client.scan_iter(match=f"{prefix}:desk-presence:*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


def _ticket(value: str = "eva@example.com", team_id: int | None = None) -> int:
    return message_ingest(data=inbound("email", value=value, team_id=team_id)).ticket.pk


def _session(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _socket(path: str, session: str | None) -> WebsocketCommunicator:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if session:
        headers.append((b"cookie", f"sessionid={session}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


def _agents(make_agent: Any) -> dict[str, Any]:
    anna = make_agent("anna", first_name="Anna")
    ben = make_agent("ben", first_name="Ben", last_name="Kowalski")
    return {
        "ticket": _ticket(),
        "anna": anna.pk,
        "ben": ben.pk,
        "anna_session": _session(anna),
        "ben_session": _session(ben),
    }


async def _frame(socket: WebsocketCommunicator) -> dict[str, Any]:
    frame: dict[str, Any] = await socket.receive_json_from(timeout=5)
    return frame


def _who(ticket: int, asker: int) -> list[tuple[str, bool]]:
    found = presence.presence_for([ticket], exclude_user=asker).get(ticket, [])
    return [(v.full_name, v.replying) for v in found]


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_viewing_replying_and_leaving_reach_the_others_sockets(make_agent) -> None:
    s = await sync_to_async(_agents)(make_agent)
    ticket = s["ticket"]
    watcher = _socket(f"/ws/tickets/{ticket}/", s["anna_session"])
    feed = _socket("/ws/tickets/", s["anna_session"])
    assert (await watcher.connect())[0]
    assert (await feed.connect())[0]

    ben = _socket(f"/ws/desk/presence/{ticket}/", s["ben_session"])
    assert (await ben.connect())[0]
    expected = {"event": "presence.changed", "ticket": ticket, "data": {"user": s["ben"]}}
    assert await _frame(watcher) == expected
    assert await _frame(feed) == expected  # the list rows hear it too
    assert await sync_to_async(_who)(ticket, s["anna"]) == [("Ben Kowalski", False)]
    # The one asking never sees themself.
    assert await sync_to_async(_who)(ticket, s["ben"]) == []

    await ben.send_json_to({"type": "composing", "composing": True})
    assert await _frame(watcher) == expected
    assert await sync_to_async(_who)(ticket, s["anna"]) == [("Ben Kowalski", True)]
    # The same state again is no news: nothing goes out.
    await ben.send_json_to({"type": "composing", "composing": True})
    assert await watcher.receive_nothing(timeout=0.3)
    await ben.send_json_to({"type": "composing", "composing": False})
    assert await _frame(watcher) == expected
    assert await sync_to_async(_who)(ticket, s["anna"]) == [("Ben Kowalski", False)]

    await ben.disconnect()
    assert await _frame(watcher) == expected
    assert await sync_to_async(_who)(ticket, s["anna"]) == []
    await watcher.disconnect()
    await feed.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_two_tabs_of_one_agent_count_once_and_the_last_one_ends_it(make_agent) -> None:
    s = await sync_to_async(_agents)(make_agent)
    ticket = s["ticket"]
    tab1 = _socket(f"/ws/desk/presence/{ticket}/", s["ben_session"])
    tab2 = _socket(f"/ws/desk/presence/{ticket}/", s["ben_session"])
    assert (await tab1.connect())[0]
    assert (await tab2.connect())[0]
    await tab2.send_json_to({"type": "composing", "composing": True})
    await tab2.send_json_to({"type": "ping"})
    assert await tab2.receive_json_from(timeout=5) == {"type": "pong"}
    assert await sync_to_async(_who)(ticket, s["anna"]) == [("Ben Kowalski", True)]
    await tab2.disconnect()
    assert await sync_to_async(_who)(ticket, s["anna"]) == [("Ben Kowalski", False)]
    await tab1.disconnect()
    assert await sync_to_async(_who)(ticket, s["anna"]) == []


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_bad_frames_get_an_error_and_the_socket_stays(make_agent) -> None:
    s = await sync_to_async(_agents)(make_agent)
    ben = _socket(f"/ws/desk/presence/{s['ticket']}/", s["ben_session"])
    assert (await ben.connect())[0]
    await ben.send_to(text_data="not json")
    assert (await ben.receive_json_from(timeout=5))["code"] == "bad_frame"
    await ben.send_json_to({"type": "shout"})
    assert (await ben.receive_json_from(timeout=5))["code"] == "bad_frame"
    await ben.send_to(text_data="[" * 5000)
    assert (await ben.receive_json_from(timeout=5))["code"] == "bad_frame"
    await ben.send_json_to({"type": "ping"})
    assert await ben.receive_json_from(timeout=5) == {"type": "pong"}
    assert await sync_to_async(_who)(s["ticket"], s["anna"]) == [("Ben Kowalski", False)]
    await ben.disconnect()


def _restricted(make_agent: Any) -> dict[str, Any]:
    member = make_agent("mia", first_name="Mia")
    outsider = make_agent("otto", first_name="Otto")
    manager = make_agent("maud", first_name="Maud", manager=True)
    team = Team.objects.create(name="Legal", restricted=True)
    team.members.add(member)
    return {
        "ticket": _ticket("legal@example.com", team.pk),
        "member": _session(member),
        "outsider": _session(outsider),
        "manager": _session(manager),
    }


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_restricted_ticket_presence_reaches_only_those_who_may_see_it(make_agent) -> None:
    s = await sync_to_async(_restricted)(make_agent)
    ticket = s["ticket"]
    refused = _socket(f"/ws/desk/presence/{ticket}/", s["outsider"])
    connected, code = await refused.connect()
    assert (connected, code) == (False, 4404)
    missing = _socket("/ws/desk/presence/999999/", s["member"])
    assert (await missing.connect()) == (False, 4404)
    anonymous = _socket(f"/ws/desk/presence/{ticket}/", None)
    assert (await anonymous.connect()) == (False, 4403)

    outsider_feed = _socket("/ws/tickets/", s["outsider"])
    manager_feed = _socket("/ws/tickets/", s["manager"])
    assert (await outsider_feed.connect())[0]
    assert (await manager_feed.connect())[0]
    member = _socket(f"/ws/desk/presence/{ticket}/", s["member"])
    assert (await member.connect())[0]
    assert (await _frame(manager_feed))["ticket"] == ticket
    assert await outsider_feed.receive_nothing(timeout=0.5)
    await member.disconnect()
    assert (await _frame(manager_feed))["ticket"] == ticket
    assert await outsider_feed.receive_nothing(timeout=0.3)
    await outsider_feed.disconnect()
    await manager_feed.disconnect()


@pytest.mark.django_db(transaction=True)
def test_a_silent_tab_drops_out_after_the_ttl_and_its_heartbeat_brings_it_back(
    make_agent,
) -> None:
    ben = make_agent("ben", first_name="Ben")
    ticket = _ticket()
    entry = presence.entry_for(ticket_id=ticket, user=ben)
    long_ago = time.time() - presence.TTL_SECONDS - 1
    presence.presence_enter(entry, now=long_ago)
    assert presence.presence_for([ticket]) == {}  # expired, though never removed
    # Just inside the TTL it still counts.
    presence.presence_touch(entry, now=time.time() - presence.TTL_SECONDS + 5)
    assert [v.short_name for v in presence.presence_for([ticket])[ticket]] == ["Ben"]
    presence.presence_touch(entry)
    assert presence.presence_for([ticket])[ticket][0].user_id == ben.pk
    assert presence.HEARTBEAT_SECONDS * 3 <= presence.TTL_SECONDS


# --- HTTP: the fragments that show who is on a ticket ------------------------------------


def _on(ticket: int, user: Any, *, replying: bool = False) -> presence.Entry:
    entry = presence.entry_for(ticket_id=ticket, user=user)
    presence.presence_enter(entry)
    if replying:
        presence.presence_replying(entry, replying=True)
    return entry


@pytest.mark.django_db
def test_the_ticket_presence_fragment_names_the_others(client, make_agent) -> None:
    anna = make_agent("anna", first_name="Anna")
    ticket = _ticket()
    client.force_login(anna)
    url = f"/desk/tickets/{ticket}/presence/"
    assert client.get(url).content.decode().strip() == ""
    _on(ticket, anna)  # herself: not shown to her
    _on(ticket, make_agent("ben", first_name="Ben", last_name="Kowalski"))
    html = client.get(url).content.decode()
    assert "Ben Kowalski is viewing" in html
    _on(ticket, make_agent("sam", first_name="Sam"), replying=True)
    _on(ticket, make_agent("lotte", first_name="Lotte"))
    html = client.get(url).content.decode()
    assert html.index("Sam is replying…") < html.index("Ben Kowalski and Lotte are viewing")
    assert 'class="presence-line replying"' in html
    few = _queries(client, url)
    for name in ("dirk", "eva", "fien"):
        _on(ticket, make_agent(name))
    html = client.get(url).content.decode()
    assert "Ben Kowalski, Dirk and 3 others are viewing" in html
    # Session, user, groups, the ticket's visibility: the same for 3 visitors or 6.
    assert _queries(client, url) == few == 4


@pytest.mark.django_db
def test_the_ticket_page_carries_the_presence_region(client, make_agent) -> None:
    anna = make_agent("anna")
    ticket = _ticket()
    client.force_login(anna)
    html = client.get(f"/desk/tickets/{ticket}/").content.decode()
    assert f'data-live-ticket="{ticket}"' in html
    region = re.search(r'<div class="presence" id="presence"[^>]*>', html)
    assert region is not None
    assert 'aria-live="polite"' in region.group(0)
    assert f'data-presence-url="/desk/tickets/{ticket}/presence/"' in region.group(0)


@pytest.mark.django_db
def test_presence_of_a_restricted_ticket_stays_hidden_from_outsiders(client, make_agent) -> None:
    member = make_agent("mia", first_name="Mia")
    outsider = make_agent("otto", first_name="Otto")
    team = Team.objects.create(name="Legal", restricted=True)
    team.members.add(member)
    secret = _ticket("legal@example.com", team.pk)
    public = _ticket("p@example.com")
    _on(secret, member)
    _on(public, member)
    client.force_login(outsider)
    assert client.get(f"/desk/tickets/{secret}/presence/").status_code == 404
    html = client.get(f"/desk/live/viewers/?ids={secret},{public}").content.decode()
    assert f'<template data-for="{secret}"></template>' in html
    assert "Mia is viewing" in html.split(f'data-for="{public}"')[1]


@pytest.mark.django_db
def test_names_are_escaped(client, make_agent) -> None:
    anna = make_agent("anna")
    ticket = _ticket()
    _on(ticket, make_agent("eve", first_name="<img src=x onerror=alert(1)>"))
    client.force_login(anna)
    for url in (f"/desk/tickets/{ticket}/presence/", f"/desk/live/viewers/?ids={ticket}"):
        html = client.get(url).content.decode()
        assert "<img" not in html
        assert "&lt;img src=x onerror=alert(1)&gt; is viewing" in html


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_rows_viewers_cost_the_same_queries_for_2_or_40_tickets(client, make_agent) -> None:
    anna = make_agent("anna")
    others = [make_agent(f"agent{n}") for n in range(4)]
    tickets = [_ticket(f"c{n}@example.com") for n in range(40)]
    for n, ticket in enumerate(tickets):
        _on(ticket, others[n % 4], replying=n % 3 == 0)
    client.force_login(anna)
    few = _queries(client, f"/desk/live/viewers/?ids={tickets[0]},{tickets[1]}")
    many = _queries(client, "/desk/live/viewers/?ids=" + ",".join(map(str, tickets)))
    # Session, user, groups (the agent check), the visibility of those with someone on them.
    assert few == many == 4
    html = client.get("/desk/live/viewers/?ids=" + ",".join(map(str, tickets))).content.decode()
    assert html.count("<template data-for=") == 40
    assert html.count("presence-chip replying") == 14
    # Nobody on them: Redis only, not a single ticket query.
    nobody = [_ticket(f"n{n}@example.com") for n in range(3)]
    assert _queries(client, "/desk/live/viewers/?ids=" + ",".join(map(str, nobody))) < few


@pytest.mark.django_db
def test_viewers_takes_only_numbers_and_at_most_a_page(client, make_agent) -> None:
    client.force_login(make_agent("anna"))
    html = client.get("/desk/live/viewers/?ids=1,x,,-3,99999999999999,2").content.decode()
    assert html.count("<template") == 2
    ids = ",".join(str(n) for n in range(1, 500))
    assert client.get(f"/desk/live/viewers/?ids={ids}").content.decode().count("<template") == 200


@pytest.mark.django_db
def test_texts_are_translated_and_cached_by_the_browser(client, make_agent) -> None:
    client.force_login(make_agent("anna"))
    response = client.get("/desk/live/texts/?lang=en")
    assert response.json()["newMessage"] == "New message on this ticket."
    assert "max-age=3600" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    client.logout()
    assert client.get("/desk/live/texts/").status_code == 302
