"""The desk's list through HTTP: who gets in, the views and their counts, promise order,
keyset pages, and a query count that does not grow with the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import inbound
from tickets.models import Team, Ticket
from tickets.services import message_ingest, sla_policies_default, ticket_assign

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    sla_policies_default()


def _ticket(n: int, **kwargs) -> Ticket:
    return message_ingest(
        data=inbound(value=f"c{n}@example.com", body_text=f"Question number {n}", **kwargs)
    ).ticket


def _ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-ticket="(\d+)" id="row-', html)]


def test_anonymous_is_sent_to_sign_in_and_a_customer_account_is_refused(client, django_user_model):
    response = client.get("/desk/?view=unassigned")
    assert response.status_code == 302
    assert response["Location"] == "/desk/signin/?next=/desk/%3Fview%3Dunassigned"
    customer = django_user_model.objects.create_user(username="cust", password="pw-cust-1")
    client.force_login(customer)
    for path in ("/desk/", "/desk/rows/", "/desk/nav/", "/desk/search/?q=x"):
        assert client.get(path).status_code == 403


def test_sign_in_sign_out_and_root_redirect(client, agent):
    page = client.get("/desk/signin/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    wrong = client.post("/desk/signin/", {"username": "agent1", "password": "nope"})
    assert wrong.status_code == 400
    assert b"correct username and password" in wrong.content
    right = client.post(
        "/desk/signin/", {"username": "agent1", "password": "pw-agent-1", "next": "/desk/?view=all"}
    )
    assert right.status_code == 302
    assert right["Location"] == "/desk/?view=all"
    assert client.get("/")["Location"] == "/desk/"
    client.post("/desk/signout/")
    assert client.get("/desk/").status_code == 302


def test_a_customer_account_cannot_sign_in_to_the_desk(client, django_user_model):
    django_user_model.objects.create_user(username="cust", password="pw-cust-1")
    response = client.post("/desk/signin/", {"username": "cust", "password": "pw-cust-1"})
    assert response.status_code == 400
    assert client.get("/desk/").status_code == 302


def test_an_offsite_next_is_ignored(client, agent):
    response = client.post(
        "/desk/signin/",
        {"username": "agent1", "password": "pw-agent-1", "next": "https://evil.example/desk/"},
    )
    assert response["Location"] == "/desk/"


def test_password_change_keeps_the_agent_signed_in(desk_client, agent):
    response = desk_client.post(
        "/desk/password/",
        {
            "old_password": "pw-agent-1",
            "new_password1": "a-new-long-passphrase-7",
            "new_password2": "a-new-long-passphrase-7",
        },
    )
    assert response.status_code == 200
    assert b"was changed" in response.content
    agent.refresh_from_db()
    assert agent.check_password("a-new-long-passphrase-7")
    assert desk_client.get("/desk/").status_code == 200
    bad = desk_client.post(
        "/desk/password/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    )
    assert bad.status_code == 400
    assert b"field-error" in bad.content


def test_views_count_and_order_by_the_nearest_promise(desk_client, agent):
    tickets = [_ticket(n) for n in range(3)]
    # Make the middle one the most urgent and the first one breached.
    now = timezone.now()
    Ticket.objects.filter(pk=tickets[1].pk).update(sla_due_at=now + timedelta(minutes=30))
    Ticket.objects.filter(pk=tickets[0].pk).update(sla_due_at=now - timedelta(minutes=5))
    ticket_assign(ticket=tickets[2], agent=agent, by=agent)

    page = desk_client.get("/desk/?view=unassigned").content.decode()
    assert _ids(page) == [tickets[0].pk, tickets[1].pk]
    assert "missed 5 min ago" in page
    mine = desk_client.get("/desk/").content.decode()
    assert _ids(mine) == [tickets[2].pk]
    nav = desk_client.get("/desk/nav/").content.decode()
    counts = dict(re.findall(r'data-view="(\w+)".*?class="count">([^<]+)<', nav, re.S))
    assert counts["mine"] == "1"
    assert counts["unassigned"] == "2"
    assert counts["breached"] == "1"


def test_keyset_pages_cover_every_ticket_once(desk_client, monkeypatch):
    from desk import queues

    for n in range(7):
        _ticket(n)
    Ticket.objects.filter(pk__in=Ticket.objects.order_by("id").values("pk")[:2]).update(
        sla_due_at=None
    )
    monkeypatch.setattr(queues, "PAGE_SIZE", 3)
    seen: list[int] = []
    url = "/desk/rows/?view=all"
    while url:
        html = desk_client.get(url).content.decode()
        seen += _ids(html)
        match = re.search(r'hx-get="(/desk/rows/\?[^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else ""
    assert sorted(seen) == sorted(Ticket.objects.values_list("pk", flat=True))
    assert len(seen) == len(set(seen))


def test_restricted_team_tickets_stay_out_of_lists_and_counts(desk_client, agent):
    secret = Team.objects.create(name="Legal", restricted=True)
    hidden = _ticket(1)
    Ticket.objects.filter(pk=hidden.pk).update(team=secret)
    shown = _ticket(2)
    page = desk_client.get("/desk/?view=all").content.decode()
    assert _ids(page) == [shown.pk]
    assert desk_client.get(f"/desk/tickets/{hidden.pk}/").status_code == 404
    assert desk_client.get(f"/desk/tickets/{shown.pk}/").status_code == 200


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_3_or_30_tickets(desk_client):
    for n in range(3):
        _ticket(n)
    few = _queries(desk_client, "/desk/?view=all")
    for n in range(3, 30):
        _ticket(n)
    assert _queries(desk_client, "/desk/?view=all") == few


# --- The rows, the filter bar, the agent's own order (issue 12, items 2, 7) ---------------


def _row(html: str, ticket_id: int) -> str:
    match = re.search(rf'<li class="row" data-ticket="{ticket_id}".*?</li>', html, re.S)
    assert match, f"no row for #{ticket_id}"
    return match.group(0)


def test_a_row_names_the_customer_or_their_first_address(desk_client):
    named = message_ingest(
        data=inbound(value="lotte@example.nl", customer_name="Lotte Visser", body_text="Hallo?")
    ).ticket
    mailed = message_ingest(data=inbound(value="Sam.K@Example.com")).ticket
    called = message_ingest(
        data=inbound(channel="phone", value="+31612345678", body_text="Call back please")
    ).ticket
    html = desk_client.get("/desk/?view=all").content.decode()
    assert ">Lotte Visser<" in _row(html, named.pk)
    assert ">sam.k@example.com<" in _row(html, mailed.pk).lower()
    assert ">+31 6 12345678<" in _row(html, called.pk)
    # The rest of the row as UI.md lists it: channel, number, subject, latest line, countdown.
    row = _row(html, called.pk)
    assert "ch-phone" in row
    assert f"#{called.pk}" in row
    assert "Call back please" in row
    assert 'class="chip due' in row
    assert "Unassigned" in row


def test_the_filter_bar_narrows_by_status_channel_team_and_tag(desk_client, agent):
    events = Team.objects.create(name="Events")
    email = _ticket(1)
    phone = message_ingest(data=inbound(channel="phone", value="+31612345679")).ticket
    tagged = _ticket(2)
    Ticket.objects.filter(pk=tagged.pk).update(tags=["vip"], team=events, status="pending")
    page = desk_client.get("/desk/?view=all")
    html = page.content.decode()
    # Every filter is a labelled control of one GET form.
    for name in ("status", "channel", "team", "tag", "sort"):
        assert f'name="{name}"' in html
    assert f'<option value="{events.pk}">Events</option>' in html
    assert _ids(desk_client.get("/desk/?view=all&channel=phone").content.decode()) == [phone.pk]
    assert _ids(desk_client.get("/desk/?view=all&tag=vip").content.decode()) == [tagged.pk]
    assert _ids(desk_client.get(f"/desk/?view=all&team={events.pk}").content.decode()) == [
        tagged.pk
    ]
    pending = desk_client.get("/desk/?view=all&status=pending").content.decode()
    assert _ids(pending) == [tagged.pk]
    assert "Pending" in _row(pending, tagged.pk)
    assert email.pk not in _ids(pending)
    # Junk in the URL falls back to the defaults, never to an error page.
    assert desk_client.get("/desk/?view=nope&team=x&status=zz&sort=up").status_code == 200


def test_a_restricted_team_is_not_offered_in_the_filter_bar(desk_client):
    Team.objects.create(name="Legal", restricted=True)
    Team.objects.create(name="Sales")
    html = desk_client.get("/desk/?view=all").content.decode()
    assert ">Sales</option>" in html
    assert ">Legal</option>" not in html


def test_the_agents_order_sticks_until_they_choose_another(desk_client, make_agent):
    older, newer = _ticket(1), _ticket(2)
    now = timezone.now()
    Ticket.objects.filter(pk=older.pk).update(sla_due_at=now + timedelta(hours=1))
    Ticket.objects.filter(pk=newer.pk).update(sla_due_at=now + timedelta(hours=5))
    assert _ids(desk_client.get("/desk/?view=all").content.decode()) == [older.pk, newer.pk]
    chosen = desk_client.get("/desk/?view=all&sort=newest").content.decode()
    assert _ids(chosen) == [newer.pk, older.pk]
    # Another view, no order in the URL: the agent's own order, and the select says so.
    later = desk_client.get("/desk/?view=unassigned").content.decode()
    assert _ids(later) == [newer.pk, older.pk]
    assert '<option value="newest" selected>' in later
    # The rows fragment keeps the page's order explicitly.
    assert "sort=newest" in re.search(r'id="queue-rows"[^>]*hx-get="([^"]+)"', later).group(1)
    # Back to the promise order by choice: that sticks too.
    desk_client.get("/desk/?view=all&sort=due")
    assert _ids(desk_client.get("/desk/?view=all").content.decode()) == [older.pk, newer.pk]
    # It is this agent's order, not everybody's.
    desk_client.get("/desk/?view=all&sort=newest")
    from django.test import Client

    other = Client()
    other.force_login(make_agent("bea"))
    assert _ids(other.get("/desk/?view=all").content.decode()) == [older.pk, newer.pk]


def test_the_current_view_stays_marked_in_any_order(desk_client):
    html = desk_client.get("/desk/?view=unassigned&sort=newest").content.decode()
    assert re.search(r'data-view="unassigned" aria-current="page"', html)


def test_the_rows_fragment_brings_the_fresh_count_into_the_heading(desk_client):
    for n in range(3):
        _ticket(n)
    html = desk_client.get("/desk/rows/?view=all", HTTP_HX_REQUEST="true").content.decode()
    assert re.search(r'id="queue-count"[^>]*hx-swap-oob="true">· 3<', html)
    more = desk_client.get("/desk/rows/?view=all&after=-_1").content.decode()
    assert "queue-count" not in more


def _nameless(n: int) -> Ticket:
    return message_ingest(data=inbound(channel="phone", value=f"+3161234{n:04d}")).ticket


# The list page as an agent with saved views sees it: session, user, the agent's groups
# twice (may they enter; are they a manager, for the menu), the page with every row's
# customer label and latest line in one, the saved views, the list's own bounded count, the
# filter bar's teams (two: the restricted teams this agent sees, then the teams) and the
# bulk bar's agents. The left column's counts are not counted by the page: it shows the
# agent's cached ones and fetches fresh ones as its own fragment (/desk/nav/).
LIST_QUERIES = 10


def test_the_list_costs_the_same_queries_for_3_or_30_tickets_with_every_row_part(
    desk_client, agent
):
    from desk.models import SavedView

    SavedView.objects.create(owner=agent, name="Phones", query="view=all&channel=phone")
    Team.objects.create(name="Events")
    for n in range(3):
        _ticket(n)
        _nameless(n)
    few = _queries(desk_client, "/desk/?view=all")
    for n in range(3, 30):
        _ticket(n)
        ticket_assign(ticket=_nameless(n), agent=agent, by=agent)
    assert _queries(desk_client, "/desk/?view=all") == few == LIST_QUERIES
    assert _queries(desk_client, "/desk/?view=all&tag=vip") == LIST_QUERIES
    # Once the column has counted, a view it lists takes its count from there.
    desk_client.get("/desk/nav/")
    assert _queries(desk_client, "/desk/?view=all") == LIST_QUERIES - 1
    assert _queries(desk_client, "/desk/?view=all&tag=vip") == LIST_QUERIES


def test_the_rows_fragment_costs_the_same_queries_for_3_or_30_tickets(desk_client):
    for n in range(3):
        _nameless(n)
    few = _queries(desk_client, "/desk/rows/?view=all")
    for n in range(3, 30):
        _nameless(n)
    # Session, user, groups, the page, and the list's bounded count for the heading.
    assert _queries(desk_client, "/desk/rows/?view=all") == few == 5
