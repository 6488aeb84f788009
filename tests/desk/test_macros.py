"""Macros: managers maintain them at /desk/macros/ (agents are refused), and the placeholder
rules (values, fallbacks, what is missing, the promise in the customer's language)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from desk.macros import (
    answer_by_text,
    first_name,
    placeholders_fill,
    placeholders_unknown,
    tags_parse,
)
from desk.models import Macro
from tests.factories import inbound
from tickets.models import Ticket
from tickets.services import message_ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(client, make_agent):
    client.force_login(make_agent("mia", manager=True, first_name="Mia"))
    return client


def _form(**overrides) -> dict[str, str]:
    data = {
        "title": "Refund done",
        "body": "Hi {first_name|there}, your refund for #{ticket_number} is sent. {agent_name}",
        "set_status": "solved",
        "add_tags": "Refund, vip , refund",
        "active": "on",
    }
    data.update(overrides)
    return data


# --- managing ------------------------------------------------------------------------------


def test_a_manager_creates_a_macro(manager_client):
    page = manager_client.get("/desk/macros/new/")
    assert page.status_code == 200
    assert "{first_name}" in page.content.decode()  # the placeholders are listed
    response = manager_client.post("/desk/macros/new/", _form())
    assert response.status_code == 303
    assert response["Location"] == "/desk/macros/"
    macro = Macro.objects.get()
    assert (macro.title, macro.set_status, macro.add_tags, macro.active) == (
        "Refund done",
        "solved",
        ["refund", "vip"],
        True,
    )
    assert macro.created_by.username == "mia"
    listing = manager_client.get("/desk/macros/").content.decode()
    assert "Macro “Refund done” saved." in listing
    assert "status Solved" in listing
    assert "tags refund, vip" in listing


def test_a_manager_edits_a_macro(manager_client):
    macro = Macro.objects.create(title="Old", body="Hello", add_tags=["a"])
    page = manager_client.get(f"/desk/macros/{macro.pk}/").content.decode()
    assert 'value="Old"' in page
    assert 'value="a"' in page
    response = manager_client.post(
        f"/desk/macros/{macro.pk}/", _form(title="New", set_status="", add_tags="")
    )
    assert response.status_code == 303
    macro.refresh_from_db()
    assert (macro.title, macro.set_status, macro.add_tags) == ("New", "", [])


def test_a_manager_deactivates_and_brings_back_a_macro(manager_client):
    macro = Macro.objects.create(title="Seasonal", body="Happy holidays")
    off = manager_client.post(f"/desk/macros/{macro.pk}/active/", {"active": "0"})
    assert off.status_code == 303
    macro.refresh_from_db()
    assert macro.active is False
    listing = manager_client.get("/desk/macros/").content.decode()
    assert "is no longer offered" in listing
    assert "Deactivated" in listing
    manager_client.post(f"/desk/macros/{macro.pk}/active/", {"active": "1"})
    macro.refresh_from_db()
    assert macro.active is True


def test_a_macro_form_refuses_unknown_placeholders_duplicates_and_empty_text(manager_client):
    Macro.objects.create(title="Taken", body="x")
    response = manager_client.post(
        "/desk/macros/new/", _form(title="taken", body="Hi {frist_name}")
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Another macro already has this title." in html
    assert "Not a placeholder: {frist_name}." in html
    assert 'aria-invalid="true"' in html
    assert "Hi {frist_name}" in html  # what was typed stays
    empty = manager_client.post("/desk/macros/new/", _form(body="   "))
    assert "A macro needs some text." in empty.content.decode()
    assert Macro.objects.count() == 1


def test_a_macro_may_only_set_a_status_an_agent_could(manager_client):
    response = manager_client.post("/desk/macros/new/", _form(set_status="closed"))
    assert response.status_code == 400
    assert not Macro.objects.exists()


def test_agents_cannot_manage_macros(desk_client):
    macro = Macro.objects.create(title="Keep", body="x")
    for path in ("/desk/macros/", "/desk/macros/new/", f"/desk/macros/{macro.pk}/"):
        assert desk_client.get(path).status_code == 403
    assert desk_client.post("/desk/macros/new/", _form()).status_code == 403
    assert desk_client.post(f"/desk/macros/{macro.pk}/", _form()).status_code == 403
    assert desk_client.post(f"/desk/macros/{macro.pk}/active/", {"active": "0"}).status_code == 403
    macro.refresh_from_db()
    assert (macro.title, macro.active, Macro.objects.count()) == ("Keep", True, 1)


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get("/desk/macros/new/")["Location"].startswith("/desk/signin/")


def test_a_missing_macro_is_a_404(manager_client):
    assert manager_client.get("/desk/macros/999/").status_code == 404
    assert manager_client.post("/desk/macros/999/active/", {"active": "0"}).status_code == 404


def test_the_list_shows_active_first_and_escapes_titles(manager_client):
    Macro.objects.create(title="Zeta", body="z")
    Macro.objects.create(title="<b>Alpha</b>", body="a", active=False)
    html = manager_client.get("/desk/macros/").content.decode()
    assert html.index("Zeta") < html.index("&lt;b&gt;Alpha&lt;/b&gt;")
    assert "<b>Alpha</b>" not in html


# --- placeholders --------------------------------------------------------------------------

VALUES = {"first_name": "Lotte", "ticket_number": "1042", "agent_name": "Anna", "answer_by": ""}


def test_placeholders_are_filled_and_fallbacks_used():
    filled = placeholders_fill(
        "Hi {first_name|there}, #{ticket_number}. {agent_name}. By {answer_by|tomorrow}.", VALUES
    )
    assert filled.text == "Hi Lotte, #1042. Anna. By tomorrow."
    assert filled.missing == ()


def test_a_placeholder_without_value_or_fallback_stays_and_is_missing():
    filled = placeholders_fill(
        "By {answer_by}, {first_name}, {answer_by}", {**VALUES, "first_name": ""}
    )
    assert filled.text == "By {answer_by}, {first_name}, {answer_by}"
    assert filled.missing == ("answer_by", "first_name")


def test_unknown_names_and_stray_braces_are_left_alone():
    text = "Order {order_id} {} {FIRST_NAME} {first_name|a|b} {first_name"
    assert placeholders_fill(text, VALUES).text == text
    assert placeholders_unknown(text) == ["order_id"]


def test_an_empty_fallback_is_no_fallback():
    assert placeholders_fill("Hi {first_name|}", {"first_name": ""}).missing == ("first_name",)


@pytest.mark.parametrize(
    ("name", "first"),
    [
        ("Lotte Visser", "Lotte"),
        ("  Piotr  ", "Piotr"),
        ("", ""),
        ("lotte@example.nl", ""),
        ("+31612345678", ""),
    ],
)
def test_first_name(name: str, first: str) -> None:
    assert first_name(name) == first


def test_tags_parse():
    assert tags_parse(" Refund, vip,, REFUND ,x" + "y" * 60) == ["refund", "vip", "x" + "y" * 49]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Tuesday 4 August, 11:00"),
        ("nl", "dinsdag 4 augustus, 11:00"),
        ("pl", "wtorek 4 sierpnia, 11:00"),
        ("", "Tuesday 4 August, 11:00"),
    ],
)
def test_answer_by_in_the_customers_language_and_the_organisations_zone(language, expected):
    ticket = message_ingest(data=inbound(value="x@example.com", body_text="?")).ticket
    ticket.customer.language = language
    # 09:00 UTC is 11:00 in Amsterdam in summer.
    ticket.sla_due_at = datetime(2026, 8, 4, 9, 0, tzinfo=UTC)
    assert answer_by_text(ticket=ticket, now=datetime(2026, 8, 3, 9, 0, tzinfo=UTC)) == expected


def test_answer_by_is_empty_when_nothing_is_due():
    ticket = Ticket(sla_due_at=None)
    assert answer_by_text(ticket=ticket) == ""


def test_answer_by_is_empty_when_the_promise_is_already_missed():
    ticket = Ticket(sla_due_at=datetime(2026, 8, 4, 9, 0, tzinfo=UTC))
    assert answer_by_text(ticket=ticket, now=datetime(2026, 8, 4, 9, 0, tzinfo=UTC)) == ""
    assert answer_by_text(ticket=ticket, now=datetime(2026, 8, 5, tzinfo=UTC)) == ""
