"""The notifications bell: its fragment (unread count, the latest, each linking to its ticket),
marking read (one, all, a ticket's on opening it), who sees what, the "assigned to you"
notification, the full list, fixed query counts, and the live feed `/ws/notifications/`."""

from __future__ import annotations

import re
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk.asgi import application
from tests.factories import inbound
from tickets.models import Notification, NotificationKind, Team, Ticket
from tickets.services import message_ingest, notifications_add, ticket_assign

BELL = "/desk/notifications/bell/"


def _ticket(subject: str = "Order has not arrived", **extra: Any) -> Ticket:
    ticket = message_ingest(data=inbound(subject=subject, **extra)).ticket
    return ticket


def _notify(user: Any, ticket: Ticket | None, kind: str = NotificationKind.SLA_AT_RISK) -> None:
    notifications_add(users=[user], ticket=ticket, kind=kind, text=f"about {ticket}")


def _count(html: str) -> str:
    """The badge's number as the bell shows it ('' when it is hidden)."""
    badge = re.search(
        r'<span class="bell-count" id="bell-count" hx-swap-oob="true"( hidden)?>([^<]*)<', html
    )
    assert badge is not None, html
    return "" if badge.group(1) else badge.group(2)


@pytest.mark.django_db
def test_every_desk_page_carries_the_bell_which_loads_itself(desk_client: Client) -> None:
    html = desk_client.get("/desk/").content.decode()
    assert 'id="bell"' in html
    assert f'hx-get="{BELL}"' in html
    assert 'hx-trigger="desk:notifications from:body"' in html
    # The menu's real link for when scripts do not run.
    assert 'href="/desk/notifications/"' in html
    assert "desk/bell.js" in html


@pytest.mark.django_db
def test_the_bell_counts_the_unread_and_links_each_to_its_ticket(
    desk_client: Client, agent: Any
) -> None:
    risky = _ticket("Bike <b>broken</b>")
    late = _ticket("Refund please", value="sam@example.com")
    _notify(agent, risky, NotificationKind.SLA_AT_RISK)
    _notify(agent, late, NotificationKind.SLA_BREACHED)
    _notify(agent, late, NotificationKind.CSAT_LOW)
    Notification.objects.filter(kind=NotificationKind.CSAT_LOW).update(read_at=timezone.now())

    html = desk_client.get(BELL, HTTP_HX_REQUEST="true").content.decode()

    assert _count(html) == "2"
    assert f'href="/desk/tickets/{risky.pk}/"' in html
    assert f'href="/desk/tickets/{late.pk}/"' in html
    assert "At risk" in html
    assert "Breached" in html
    assert "Low rating" in html
    # The customer's subject is escaped, never markup.
    assert "Bike &lt;b&gt;broken&lt;/b&gt;" in html
    assert "<b>broken" not in html
    # Newest first; the read one has no "mark read" button and no unread marker.
    assert html.index("Low rating") < html.index("Breached") < html.index("At risk")
    assert html.count('class="bell-read"') == 2
    assert html.count("bell-item kind-") == 3
    assert "Mark all read" in html
    assert html.count("just now") == 3


@pytest.mark.django_db
def test_an_empty_bell_says_so_and_hides_the_badge(desk_client: Client) -> None:
    html = desk_client.get(BELL).content.decode()
    assert _count(html) == ""
    assert "Nothing new" in html
    assert "Mark all read" not in html


@pytest.mark.django_db
def test_the_badge_stops_counting_at_99(desk_client: Client, agent: Any) -> None:
    ticket = _ticket()
    Notification.objects.bulk_create(
        [Notification(user=agent, ticket=ticket, kind="sla_at_risk", text="x") for _ in range(120)]
    )
    assert _count(desk_client.get(BELL).content.decode()) == "99+"


@pytest.mark.django_db
def test_a_restricted_teams_ticket_stays_out_of_an_outsiders_bell(
    desk_client: Client, agent: Any, make_agent: Any
) -> None:
    """Notifications go to whoever the rule picked (a lead, the managers); the bell shows
    each only to someone who may see the ticket, and counts only those."""
    team = Team.objects.create(name="Legal", restricted=True)
    hidden = _ticket("Subpoena for records")
    hidden.team = team
    hidden.save(update_fields=["team"])
    open_ticket = _ticket("Ordinary question", value="sam@example.com")
    _notify(agent, hidden, NotificationKind.SLA_BREACHED)
    _notify(agent, open_ticket)

    html = desk_client.get(BELL).content.decode()
    assert _count(html) == "1"
    assert "Subpoena" not in html
    assert f"/desk/tickets/{hidden.pk}/" not in html
    assert "Ordinary question" in html
    assert "Subpoena" not in desk_client.get("/desk/notifications/").content.decode()

    team.members.add(agent)
    html = desk_client.get(BELL).content.decode()
    assert _count(html) == "2"
    assert "Subpoena" in html

    boss = make_agent("boss", manager=True)
    _notify(boss, hidden, NotificationKind.SLA_BREACHED)
    manager_client = Client()
    manager_client.force_login(boss)
    assert "Subpoena" in manager_client.get(BELL).content.decode()


@pytest.mark.django_db
def test_marking_one_read_changes_only_that_one_of_mine(
    desk_client: Client, agent: Any, make_agent: Any
) -> None:
    ticket = _ticket()
    _notify(agent, ticket)
    _notify(agent, ticket, NotificationKind.SLA_BREACHED)
    other = make_agent("bob")
    _notify(other, ticket)
    mine = Notification.objects.filter(user=agent).order_by("pk").first()
    theirs = Notification.objects.get(user=other)

    response = desk_client.post(f"/desk/notifications/{mine.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert _count(response.content.decode()) == "1"
    mine.refresh_from_db()
    assert mine.read_at is not None

    # Someone else's: nothing changes, the answer is just my bell.
    response = desk_client.post(f"/desk/notifications/{theirs.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    theirs.refresh_from_db()
    assert theirs.read_at is None


@pytest.mark.django_db
def test_mark_all_read_leaves_other_users_alone(
    desk_client: Client, agent: Any, make_agent: Any
) -> None:
    ticket = _ticket()
    for kind in (NotificationKind.SLA_AT_RISK, NotificationKind.SLA_BREACHED):
        _notify(agent, ticket, kind)
    other = make_agent("bob")
    _notify(other, ticket)

    response = desk_client.post("/desk/notifications/read/", HTTP_HX_REQUEST="true")
    assert _count(response.content.decode()) == ""
    assert not Notification.objects.filter(user=agent, read_at__isnull=True).exists()
    assert Notification.objects.get(user=other).read_at is None


@pytest.mark.django_db
def test_without_htmx_marking_read_goes_back_to_a_page_of_ours(
    desk_client: Client, agent: Any
) -> None:
    _notify(agent, _ticket())
    response = desk_client.post("/desk/notifications/read/", {"next": "/desk/?view=mine"})
    assert (response.status_code, response["Location"]) == (302, "/desk/?view=mine")
    response = desk_client.post("/desk/notifications/read/", {"next": "https://evil.test/"})
    assert response["Location"] == "/desk/notifications/"


@pytest.mark.django_db
def test_opening_a_ticket_reads_its_notifications(desk_client: Client, agent: Any) -> None:
    first, second = _ticket(), _ticket("Other", value="sam@example.com")
    _notify(agent, first)
    _notify(agent, first, NotificationKind.SLA_BREACHED)
    _notify(agent, second)

    response = desk_client.post(f"/desk/notifications/tickets/{first.pk}/read/")
    assert response.status_code == 204
    unread = Notification.objects.filter(user=agent, read_at__isnull=True)
    assert list(unread.values_list("ticket_id", flat=True)) == [second.pk]
    # The ticket page tells bell.js which ticket is open; its read URL is on the bell.
    html = desk_client.get(f"/desk/tickets/{first.pk}/").content.decode()
    assert f'data-live-ticket="{first.pk}"' in html
    assert 'data-read-ticket-url="/desk/notifications/tickets/0/read/"' in html


@pytest.mark.django_db
def test_reads_and_marks_need_an_agent_and_a_post(client: Client, django_user_model: Any) -> None:
    assert client.get(BELL)["Location"].startswith("/desk/signin/")
    customer = django_user_model.objects.create_user(username="cust", password="pw-cust-123")
    client.force_login(customer)
    assert client.get(BELL).status_code == 403
    assert client.post("/desk/notifications/read/").status_code == 403
    staff = django_user_model.objects.create_user(username="ag", password="pw-ag-12345")
    staff.groups.add(Group.objects.get_or_create(name="Agents")[0])
    client.force_login(staff)
    assert client.get("/desk/notifications/read/").status_code == 405


@pytest.mark.django_db
def test_assigning_someone_else_notifies_them_and_taking_it_oneself_does_not(
    agent: Any, make_agent: Any
) -> None:
    ticket = _ticket("Broken pedal")
    lead = make_agent("lena", first_name="Lena")
    ticket_assign(ticket=ticket, agent=agent, by=agent)
    assert not Notification.objects.exists()

    ticket_assign(ticket=ticket, agent=lead, by=agent)
    [note] = Notification.objects.all()
    assert (note.user, note.ticket_id, note.kind) == (lead, ticket.pk, NotificationKind.ASSIGNED)
    assert "assigned to you by Ada" in note.text

    ticket_assign(ticket=ticket, agent=None, by=agent)  # unassigning tells nobody
    assert Notification.objects.count() == 1

    client = Client()
    client.force_login(lead)
    html = client.get(BELL).content.decode()
    assert "Assigned to you" in html
    assert f'href="/desk/tickets/{ticket.pk}/"' in html


@pytest.mark.django_db
def test_the_full_list_shows_more_than_the_bell(desk_client: Client, agent: Any) -> None:
    ticket = _ticket()
    Notification.objects.bulk_create(
        [Notification(user=agent, ticket=ticket, kind="sla_at_risk", text="x") for _ in range(12)]
    )
    page = desk_client.get("/desk/notifications/").content.decode()
    html = page[page.index('class="page notifications-page"') :]
    assert html.count("bell-item kind-") == 12
    assert "12 unread" in html
    # Plain forms that come back here: one per item and "mark all read".
    assert html.count('name="next" value="/desk/notifications/"') == 13
    assert desk_client.get(BELL).content.decode().count("bell-item kind-") == 8


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_the_bell_and_the_list_ask_a_fixed_number_of_queries(
    desk_client: Client, agent: Any
) -> None:
    team = Team.objects.create(name="Legal", restricted=True)
    ticket = _ticket()
    _notify(agent, ticket)
    small = (_queries(desk_client, BELL), _queries(desk_client, "/desk/notifications/"))

    for n in range(15):
        other = _ticket(f"Question {n}", value=f"c{n}@example.com")
        if n % 3 == 0:
            other.team = team
            other.save(update_fields=["team"])
        _notify(agent, other, NotificationKind.SLA_BREACHED)
        _notify(agent, other, NotificationKind.ASSIGNED)
    large = (_queries(desk_client, BELL), _queries(desk_client, "/desk/notifications/"))

    assert small == large
    # Session, user and role, then the unread count and the latest (with their tickets).
    assert small[0] == 5


# --- The live feed ----------------------------------------------------------------------------


def _session_cookie(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


async def _socket(user: Any | None) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    if user is not None:
        cookie = await sync_to_async(_session_cookie)(user)
        headers.append((b"cookie", f"sessionid={cookie}".encode()))
    communicator = WebsocketCommunicator(application, "/ws/notifications/", headers=headers)
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_new_notification_reaches_only_its_users_open_pages(
    agent: Any, make_agent: Any
) -> None:
    other = await sync_to_async(make_agent)("bob")
    mine, ok, _ = await _socket(agent)
    theirs, ok_too, _ = await _socket(other)
    assert ok
    assert ok_too
    ticket = await sync_to_async(_ticket)()

    await sync_to_async(_notify)(agent, ticket)
    # Content-free: the bell reads what it may show over HTTP.
    assert await mine.receive_json_from(timeout=5) == {"event": "notification.created"}
    assert await theirs.receive_nothing(timeout=0.5)

    client = Client()
    await sync_to_async(client.force_login)(agent)
    await sync_to_async(client.post)("/desk/notifications/read/")
    assert await mine.receive_json_from(timeout=5) == {"event": "notification.read"}
    await mine.disconnect()
    await theirs.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_an_assignment_by_someone_else_arrives_live(agent: Any, make_agent: Any) -> None:
    lead = await sync_to_async(make_agent)("lena")
    socket, ok, _ = await _socket(lead)
    assert ok
    ticket = await sync_to_async(_ticket)()
    await sync_to_async(ticket_assign)(ticket=ticket, agent=lead, by=agent)
    assert await socket.receive_json_from(timeout=5) == {"event": "notification.created"}
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_feed_refuses_anyone_but_an_agent(django_user_model: Any) -> None:
    _, connected, code = await _socket(None)
    assert (connected, code) == (False, 4403)
    customer = await sync_to_async(django_user_model.objects.create_user)(
        username="cust", password="pw-cust-123"
    )
    _, connected, code = await _socket(customer)
    assert (connected, code) == (False, 4403)
