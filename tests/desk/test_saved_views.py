"""Saved views through HTTP: save any filtered list under a name, see it in the left column
with its live count, rename and delete it — each agent's own."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from desk.models import SavedView
from tests.factories import inbound
from tickets.models import Ticket
from tickets.services import message_ingest, sla_policies_default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    sla_policies_default()


def _phone(n: int) -> Ticket:
    return message_ingest(data=inbound(channel="phone", value=f"+3161230{n:04d}")).ticket


def _saved_counts(html: str) -> dict[str, str]:
    found = re.findall(
        r'data-saved="\d+".*?<span>([^<]+)</span><span class="count">([^<]+)<', html, re.S
    )
    return dict(found)


def _title(html: str) -> str:
    match = re.search(r'<h1 id="queue-title">(.*?) <span', html, re.S)
    assert match
    return match.group(1).strip()


def test_save_a_filtered_view_and_find_it_in_the_left_column(desk_client, agent):
    for n in range(2):
        _phone(n)
    page = desk_client.get("/desk/?view=unassigned&channel=phone&tag=&sort=newest").content
    assert b"Save this view" in page
    response = desk_client.post(
        "/desk/views/saved/",
        {"name": "  Phone   queue ", "filter": "view=unassigned&channel=phone&sort=newest"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/desk/?view=unassigned&channel=phone&sort=newest"
    saved = SavedView.objects.get(owner=agent)
    assert saved.name == "Phone queue"
    html = desk_client.get(response["Location"]).content.decode()
    assert "Saved as “Phone queue”." in html
    assert _title(html) == "Phone queue"
    # The page lists the saved view; its count comes with the column's own fragment.
    assert "Phone queue" in html
    nav = desk_client.get("/desk/nav/?view=all").content.decode()
    assert _saved_counts(nav) == {"Phone queue": "2"}
    assert re.search(rf'data-saved="{saved.pk}" aria-current="page"', html)
    # The count is live: the left column's fragment counts again.
    _phone(3)
    nav = desk_client.get("/desk/nav/?view=all").content.decode()
    assert _saved_counts(nav) == {"Phone queue": "3"}


def test_a_saved_view_is_marked_instead_of_the_built_in_entry_with_its_filter(desk_client):
    desk_client.post("/desk/views/saved/", {"name": "Mail", "filter": "view=all&channel=email"})
    html = desk_client.get("/desk/?view=all&channel=email").content.decode()
    assert html.count('aria-current="page"') == 1
    assert re.search(r'data-saved="\d+" aria-current="page"', html)
    assert _title(html) == "Mail"


def test_a_name_must_be_given_and_unique_per_agent(desk_client, agent, make_agent):
    ok = desk_client.post("/desk/views/saved/", {"name": "VIP", "filter": "view=all&tag=vip"})
    assert ok.status_code == 302
    twice = desk_client.post("/desk/views/saved/", {"name": "VIP", "filter": "view=mine"})
    assert twice.status_code == 400
    html = twice.content.decode()
    assert "You already have a view named “VIP”." in html
    assert 'aria-invalid="true"' in html
    blank = desk_client.post("/desk/views/saved/", {"name": "  ", "filter": "view=mine"})
    assert blank.status_code == 400
    assert "Give the view a name." in blank.content.decode()
    # Another agent may use the same name.
    other = Client()
    bea = make_agent("bea")
    other.force_login(bea)
    assert (
        other.post("/desk/views/saved/", {"name": "VIP", "filter": "view=all"}).status_code == 302
    )
    assert SavedView.objects.filter(name="VIP").count() == 2


def test_saved_views_are_each_agents_own(desk_client, agent, make_agent):
    desk_client.post("/desk/views/saved/", {"name": "Mine only", "filter": "view=all&tag=x"})
    saved = SavedView.objects.get(owner=agent)
    other = Client()
    other.force_login(make_agent("bea"))
    assert "Mine only" not in other.get("/desk/?view=all").content.decode()
    assert other.post(f"/desk/views/saved/{saved.pk}/rename/", {"name": "Ha"}).status_code == 404
    assert other.post(f"/desk/views/saved/{saved.pk}/delete/").status_code == 404
    assert SavedView.objects.get(pk=saved.pk).name == "Mine only"


def test_rename_and_delete(desk_client, agent):
    desk_client.post("/desk/views/saved/", {"name": "Old", "filter": "view=all&channel=phone"})
    desk_client.post("/desk/views/saved/", {"name": "Taken", "filter": "view=mine"})
    saved = SavedView.objects.get(owner=agent, name="Old")
    html = desk_client.get("/desk/?view=all&channel=phone").content.decode()
    assert f'action="/desk/views/saved/{saved.pk}/rename/"' in html
    assert "Delete “Old”" in html
    clash = desk_client.post(f"/desk/views/saved/{saved.pk}/rename/", {"name": "Taken"})
    assert clash.status_code == 400
    assert "You already have a view named “Taken”." in clash.content.decode()
    renamed = desk_client.post(f"/desk/views/saved/{saved.pk}/rename/", {"name": "New"})
    assert renamed["Location"] == "/desk/?view=all&channel=phone"
    assert SavedView.objects.get(pk=saved.pk).name == "New"
    deleted = desk_client.post(f"/desk/views/saved/{saved.pk}/delete/")
    assert deleted["Location"] == "/desk/?view=all&channel=phone"
    html = desk_client.get(deleted["Location"]).content.decode()
    assert "Deleted the saved view “New”." in html
    assert _saved_counts(desk_client.get("/desk/nav/").content.decode()) == {"Taken": "0"}
    assert not SavedView.objects.filter(pk=saved.pk).exists()


def test_no_more_than_thirty(desk_client, agent):
    SavedView.objects.bulk_create(
        SavedView(owner=agent, name=f"View {n}", query=f"view=all&tag=t{n}") for n in range(30)
    )
    response = desk_client.post("/desk/views/saved/", {"name": "One more", "filter": "view=all"})
    assert response.status_code == 400
    assert "You can keep 30 saved views; delete one first." in response.content.decode()


def test_saved_view_pages_need_a_post_and_an_agent(client, desk_client, django_user_model):
    assert desk_client.get("/desk/views/saved/").status_code == 405
    customer = django_user_model.objects.create_user(username="cust", password="pw-cust-1")
    client.force_login(customer)
    assert client.post("/desk/views/saved/", {"name": "x", "filter": ""}).status_code == 403
