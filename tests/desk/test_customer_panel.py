"""The customer panel beside a ticket, through HTTP: the skeleton on the ticket page, the
fragment with everything we know about the customer, who sees what, the language correction,
marking a call-back done, merging a suggested customer, and a query count that does not grow
with the customer's history."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Customer, Identity, Organisation
from customers.services import identity_add
from surveys.models import Survey, SurveyState
from surveys.services import nps_answer, survey_answer
from tests.factories import inbound
from tickets.models import EventKind, Team, Ticket, Todo
from tickets.services import (
    call_ingest,
    message_ingest,
    sla_policies_default,
    ticket_create,
    ticket_set_status,
    ticket_set_team,
)

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    sla_policies_default()


def answered_survey(ticket: Ticket, *, rating: int, comment: str = "", nps: int | None = None):
    """A solved ticket's survey as the send sweep leaves it, answered by the customer."""
    now = timezone.now()
    survey = Survey.objects.create(
        ticket=ticket,
        customer=ticket.customer,
        channel=ticket.channel,
        state=SurveyState.SENT,
        solved_at=now,
        send_at=now,
        sent_at=now,
        expires_at=now + timedelta(days=30),
    )
    survey_answer(survey=survey, rating=rating, comment=comment)
    if nps is not None:
        nps_answer(survey=survey, score=nps, comment="Ze zijn traag.")
    return survey


@dataclass
class Lotte:
    customer: Customer
    current: Ticket
    solved: Ticket
    waiting: Ticket
    todo: Todo
    other: Customer


def lotte(agent) -> Lotte:
    """Lotte: email, phone and WhatsApp; a solved WhatsApp ticket rated 1/5, the open email
    ticket with a missed call on it (a call-back to-do), a ticket on hold; and "Lotte V.",
    whose number Lotte wrote in her email: a merge suggestion."""
    org = Organisation.objects.create(name="Festival Vrienden", domain="example.nl")
    solved = message_ingest(
        data=inbound(
            "whatsapp",
            value="+31612345678",
            customer_name="Lotte Visser",
            body_text="Waar zijn mijn tickets?",
        )
    ).ticket
    customer = solved.customer
    ticket_set_status(ticket=solved, status="solved", by=agent)
    answered_survey(solved, rating=1, comment="Niemand belde terug.", nps=3)
    identity_add(customer=customer, kind="email", value="lotte@example.nl")
    identity_add(customer=customer, kind="phone", value="06 12345678")
    current = message_ingest(
        data=inbound(
            value="lotte@example.nl",
            subject="Vrijgezellenfeest 13 aug",
            body_text="Beste festival,\nWe komen met 12 mensen. Mijn zus: 06 87654321.",
        )
    ).ticket
    call_ingest(
        data=inbound("phone", value="+31612345678", call_direction="inbound", call_answered=False)
    )
    waiting = ticket_create(
        customer=customer, subject="Factuur klopt niet", channel="email", by=agent
    )
    ticket_set_status(ticket=waiting, status="on_hold", by=agent)
    other = call_ingest(
        data=inbound(
            "phone",
            value="+31687654321",
            customer_name="Lotte V.",
            subject="Kaartjes voor zaterdag",
            body_text="",
            call_direction="inbound",
            call_answered=True,
        )
    ).ticket.customer
    customer.refresh_from_db()
    assert customer.organisation_id == org.pk
    return Lotte(customer, current, solved, waiting, Todo.objects.get(ticket=current), other)


def fragment(client, ticket: Ticket):
    return client.get(f"/desk/tickets/{ticket.pk}/customer/", **HX)


def text_of(response) -> str:
    """The fragment's visible text, whitespace collapsed."""
    html = response.content.decode()
    return re.sub(r" ([,;])", r"\1", " ".join(re.sub(r"<[^>]+>", " ", html).split()))


# --- The skeleton and the fragment --------------------------------------------------------------


def test_the_ticket_page_shows_the_name_at_once_and_loads_the_rest(desk_client, agent) -> None:
    data = lotte(agent)

    html = desk_client.get(f"/desk/tickets/{data.current.pk}/").content.decode()

    assert 'id="customer-name"' in html
    assert "Lotte Visser" in html
    assert f'hx-get="/desk/tickets/{data.current.pk}/customer/"' in html
    assert 'hx-trigger="load, desk:ticket-changed from:body"' in html


def test_the_fragment_shows_everything_we_know(desk_client, agent) -> None:
    data = lotte(agent)

    response = fragment(desk_client, data.current)

    assert response.status_code == 200
    text = text_of(response)
    assert "Festival Vrienden" in text
    # Every identity with its kind; numbers readable.
    assert "Email lotte@example.nl" in text
    assert "Phone +31 6 12345678" in text
    assert "WhatsApp +31 6 12345678" in text
    # The language and where it came from (detected from her Dutch email).
    assert "Dutch: detected from what they wrote" in text
    # Tickets: open ones first, the current one marked, the solved one last.
    assert "3 in all, 2 open" in text
    numbers = re.findall(
        r'class="c-ticket[^"]*">\s*<a href="/desk/tickets/(\d+)/"', response.content.decode()
    )
    assert numbers[-1] == str(data.solved.pk)
    assert set(numbers[:2]) == {str(data.current.pk), str(data.waiting.pk)}
    assert (
        f'<a href="/desk/tickets/{data.current.pk}/" aria-current="page">'
        in response.content.decode()
    )
    # Recent contacts on every channel, newest first: the missed call, the email, WhatsApp.
    contacts = text[text.index("Recent contacts") : text.index("Satisfaction")]
    assert contacts.index("Missed call") < contacts.index("Beste festival,")
    assert contacts.index("Beste festival,") < contacts.index("Waar zijn mijn tickets?")
    assert "Mijn zus" not in contacts  # the first line only
    # Survey answers with the comment.
    assert "CSAT 1/5 Very dissatisfied" in text
    assert "Niemand belde terug." in text
    assert "NPS 3/10 would not recommend us" in text
    # The call-back and the merge suggestion.
    assert "Call back +31 6 12345678" in text
    assert "Mark done" in text
    assert "Lotte V." in text
    assert "this customer mentioned +31 6 87654321, which is theirs" in text
    assert f'href="/desk/tickets/{data.current.pk}/customer/merge/{data.other.pk}/"' in (
        response.content.decode()
    )


def test_every_kind_of_identity_is_named(desk_client) -> None:
    ticket = message_ingest(
        data=inbound("chat", value="visitor-7f3a", customer_name="Sam", body_text="Hoi daar")
    ).ticket
    for kind, value in [("facebook", "2645118"), ("instagram", "17841400"), ("x", "98765")]:
        identity_add(customer=ticket.customer, kind=kind, value=value)

    text = text_of(fragment(desk_client, ticket))

    identities = text[text.index("Identities") : text.index("Language")].strip()
    assert identities == (
        "Identities Messenger 2645118 Instagram 17841400 X 98765 Chat visitor-7f3a"
    )
    assert "Not known yet" in text  # two words say nothing about the language


def test_what_the_customer_wrote_is_escaped(desk_client) -> None:
    ticket = message_ingest(
        data=inbound(
            value="x@example.com",
            customer_name="<script>alert(1)</script>",
            body_text="<img src=x onerror=alert(2)>",
        )
    ).ticket

    html = fragment(desk_client, ticket).content.decode()

    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html


def test_a_plain_get_goes_to_the_ticket_page(desk_client) -> None:
    ticket = message_ingest(data=inbound(value="x@example.com")).ticket

    response = desk_client.get(f"/desk/tickets/{ticket.pk}/customer/")

    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/#customer-panel"


def test_long_histories_are_bounded(desk_client, agent) -> None:
    first = message_ingest(data=inbound(value="many@example.com", body_text="Eerste vraag")).ticket
    for n in range(12):
        ticket_create(customer=first.customer, subject=f"Vraag {n}", channel="email", by=agent)

    text = text_of(fragment(desk_client, first))

    assert "13 in all, 13 open" in text
    assert "and 3 older tickets" in text
    assert len(re.findall(r'class="c-ticket', fragment(desk_client, first).content.decode())) == 10


# --- Who sees what ------------------------------------------------------------------------------


def test_a_restricted_teams_ticket_is_404_and_never_listed(desk_client, agent, make_agent) -> None:
    data = lotte(agent)
    vip = Team.objects.create(name="VIP", restricted=True)
    manager = make_agent("boss", manager=True)
    ticket_set_team(ticket=data.solved, team=vip, by=manager)
    ticket_set_team(ticket=data.waiting, team=vip, by=manager)

    for path in (
        f"/desk/tickets/{data.waiting.pk}/customer/",
        f"/desk/tickets/{data.waiting.pk}/customer/merge/{data.other.pk}/",
    ):
        assert desk_client.get(path, **HX).status_code == 404
    for path in (
        f"/desk/tickets/{data.waiting.pk}/customer/language/",
        f"/desk/tickets/{data.waiting.pk}/customer/todos/{data.todo.pk}/done/",
        f"/desk/tickets/{data.waiting.pk}/customer/merge/{data.other.pk}/",
    ):
        assert (
            desk_client.post(path, {"language": "en", "keep": data.customer.pk}).status_code == 404
        )

    text = text_of(fragment(desk_client, data.current))
    assert "1 in all, 1 open" in text
    assert "Factuur klopt niet" not in text
    # The hidden WhatsApp ticket's message and its survey answers stay hidden too.
    assert "Waar zijn mijn tickets?" not in text
    assert "CSAT" not in text
    assert "NPS" not in text
    assert "Niemand belde terug." not in text

    # A member of the team sees it all.
    vip.members.add(agent)
    assert "3 in all, 2 open" in text_of(fragment(desk_client, data.current))


def test_a_todo_of_a_hidden_ticket_cannot_be_marked_done(desk_client, agent, make_agent) -> None:
    data = lotte(agent)
    vip = Team.objects.create(name="VIP", restricted=True)
    ticket_set_team(ticket=data.current, team=vip, by=make_agent("boss", manager=True))

    # Through a ticket the agent sees (the one on hold), the hidden ticket's to-do is a 404.
    response = desk_client.post(
        f"/desk/tickets/{data.waiting.pk}/customer/todos/{data.todo.pk}/done/", **HX
    )

    assert response.status_code == 404
    data.todo.refresh_from_db()
    assert data.todo.done_at is None


def test_only_agents_get_in(client, django_user_model, agent) -> None:
    ticket = message_ingest(data=inbound(value="x@example.com")).ticket
    path = f"/desk/tickets/{ticket.pk}/customer/"
    assert client.get(path, **HX).status_code == 302
    client.force_login(django_user_model.objects.create_user(username="cust", password="pw-c-1"))
    assert client.get(path, **HX).status_code == 403
    assert client.post(f"{path}language/", {"language": "en"}).status_code == 403


# --- Query count --------------------------------------------------------------------------------


def _queries(client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert fragment(client, ticket).status_code == 200
    return len(captured)


def test_the_fragment_reads_the_same_number_of_queries_small_or_large(desk_client, agent) -> None:
    # Both customers mention someone else's number and have a name, so the merge suggestions
    # run the same queries for both; only the size differs.
    message_ingest(data=inbound("phone", value="+31611111111", customer_name="Els", body_text=""))
    small = message_ingest(
        data=inbound(value="small@example.com", customer_name="Sam", body_text="Bel 06 11111111")
    ).ticket
    small_count = _queries(desk_client, small)

    big = message_ingest(
        data=inbound(value="big@example.com", customer_name="Bea", body_text="Bel 06 11111111")
    ).ticket
    customer = big.customer
    for kind, value in [
        ("phone", "+31622222222"),
        ("whatsapp", "+31633333333"),
        ("email", "bea@work.example"),
        ("instagram", "ig-1234"),
        ("x", "x-5678"),
    ]:
        identity_add(customer=customer, kind=kind, value=value)
    for n in range(14):
        t = ticket_create(customer=customer, subject=f"Vraag {n}", channel="email", by=agent)
        message_ingest(
            data=inbound(value="big@example.com", body_text=f"Nog {n}", ticket_number=t.pk)
        )
        if n < 4:
            ticket_set_status(ticket=t, status="solved", by=agent)
            answered_survey(
                t, rating=2 + n % 3, comment=f"Opmerking {n}", nps=7 if n == 0 else None
            )
    for n in range(3):
        call_ingest(
            data=inbound(
                "phone",
                value="+31622222222",
                call_direction="inbound",
                call_answered=False,
                provider_message_id=f"call-{n}",
            )
        )
    assert customer.identities.count() == 6
    assert Ticket.objects.filter(customer=customer).count() == 15

    # Sign-in (session, user, groups), the ticket, the customer and identities, the six lists,
    # and the merge suggestions' three (texts, mentioned identities, same name).
    assert small_count == 15
    assert _queries(desk_client, big) == small_count


# --- Writes -------------------------------------------------------------------------------------


def test_an_agent_corrects_the_language(desk_client, agent) -> None:
    data = lotte(agent)
    path = f"/desk/tickets/{data.current.pk}/customer/language/"

    response = desk_client.post(path, {"language": "en"}, **HX)

    assert response.status_code == 200
    data.customer.refresh_from_db()
    assert (data.customer.language, data.customer.language_source) == ("en", "agent")
    text = text_of(response)
    assert "English: set by an agent" in text
    assert 'hx-swap-oob="innerHTML:#c-notice"' in response.content.decode()
    assert "Language saved." in text
    trigger = json.loads(response["HX-Trigger"])
    assert trigger["desk:customer-changed"]["ticket"] == data.current.pk


def test_a_language_we_do_not_write_is_refused(desk_client, agent) -> None:
    data = lotte(agent)

    response = desk_client.post(
        f"/desk/tickets/{data.current.pk}/customer/language/", {"language": "de"}, **HX
    )

    assert response.status_code == 200
    assert "Choose one of the languages listed." in text_of(response)
    data.customer.refresh_from_db()
    assert data.customer.language == "nl"


def test_without_htmx_a_write_returns_to_the_ticket(desk_client, agent) -> None:
    data = lotte(agent)

    response = desk_client.post(
        f"/desk/tickets/{data.current.pk}/customer/language/", {"language": "pl"}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/desk/tickets/{data.current.pk}/#customer-panel"
    data.customer.refresh_from_db()
    assert data.customer.language == "pl"


def test_an_agent_marks_the_call_back_done(desk_client, agent) -> None:
    data = lotte(agent)
    path = f"/desk/tickets/{data.current.pk}/customer/todos/{data.todo.pk}/done/"

    response = desk_client.post(path, **HX)

    assert response.status_code == 200
    data.todo.refresh_from_db()
    assert data.todo.done_at is not None
    assert data.todo.done_by == agent
    text = text_of(response)
    assert "Call back" not in text
    assert "To-do done." in text
    assert data.current.events.filter(kind=EventKind.TODO, text__startswith="to-do done").exists()
    # A second click (or a colleague's) changes nothing.
    assert desk_client.post(path, **HX).status_code == 200
    assert data.current.events.filter(text__startswith="to-do done").count() == 1


def test_a_todo_of_another_customer_is_404(desk_client, agent) -> None:
    data = lotte(agent)
    stranger = message_ingest(data=inbound(value="stranger@example.com")).ticket

    response = desk_client.post(
        f"/desk/tickets/{stranger.pk}/customer/todos/{data.todo.pk}/done/", **HX
    )

    assert response.status_code == 404


# --- Merging a suggested customer ---------------------------------------------------------------


def test_the_merge_box_shows_what_moves_for_each_choice(desk_client, agent) -> None:
    data = lotte(agent)

    response = desk_client.get(
        f"/desk/tickets/{data.current.pk}/customer/merge/{data.other.pk}/", **HX
    )

    assert response.status_code == 200
    text = text_of(response)
    assert "Merge Lotte Visser and Lotte V.?" in text
    keep_lotte = text[text.index("Keep Lotte Visser") :]
    assert keep_lotte.startswith(
        "Keep Lotte Visser · this ticket's customer "
        "From Lotte V., 1 identity moves here: Phone +31 6 87654321 1 ticket moves here."
    )
    assert (
        "Keep Lotte V. From Lotte Visser, 3 identities move here: "
        "Email lotte@example.nl, Phone +31 6 12345678, WhatsApp +31 6 12345678 "
        "3 tickets move here."
    ) in text
    html = response.content.decode()
    assert f'value="{data.customer.pk}" checked autofocus' in html


def test_a_plain_get_of_the_merge_box_is_a_full_page(desk_client, agent) -> None:
    data = lotte(agent)

    response = desk_client.get(f"/desk/tickets/{data.current.pk}/customer/merge/{data.other.pk}/")

    assert response.status_code == 200
    assert b"<!doctype html>" in response.content
    assert b"Back to the ticket" in response.content


def test_merging_keeps_the_chosen_customer(desk_client, agent) -> None:
    data = lotte(agent)
    other_ticket = Ticket.objects.get(customer=data.other)

    response = desk_client.post(
        f"/desk/tickets/{data.current.pk}/customer/merge/{data.other.pk}/",
        {"keep": data.customer.pk},
        **HX,
    )

    assert response.status_code == 200
    assert response["HX-Retarget"] == "#customer-panel"
    assert response["HX-Reswap"] == "innerHTML"
    data.other.refresh_from_db()
    assert data.other.merged_into_id == data.customer.pk
    assert Identity.objects.get(value="+31687654321").customer_id == data.customer.pk
    other_ticket.refresh_from_db()
    assert other_ticket.customer_id == data.customer.pk
    assert other_ticket.events.filter(kind=EventKind.CUSTOMER_MERGE).exists()
    text = text_of(response)
    assert "Lotte V. was merged into Lotte Visser." in text
    assert "Phone +31 6 87654321" in text
    assert "4 in all, 3 open" in text
    assert "Probably the same person" not in text
    html = response.content.decode()
    assert 'hx-swap-oob="innerHTML:#c-merge"' in html  # the box closes
    assert 'id="customer-name" class="c-name" tabindex="-1" autofocus' in html


def test_merging_into_the_other_customer(desk_client, agent) -> None:
    data = lotte(agent)

    response = desk_client.post(
        f"/desk/tickets/{data.current.pk}/customer/merge/{data.other.pk}/",
        {"keep": data.other.pk},
        **HX,
    )

    assert response.status_code == 200
    data.customer.refresh_from_db()
    assert data.customer.merged_into_id == data.other.pk
    data.current.refresh_from_db()
    assert data.current.customer_id == data.other.pk
    text = text_of(response)
    assert "Lotte Visser was merged into Lotte V." in text
    # The kept customer's name stays; every identity is there now.
    assert "Lotte V." in text[: text.index("Identities")]
    assert "Email lotte@example.nl" in text


def test_a_choice_that_is_neither_customer_is_a_form_error(desk_client, agent) -> None:
    data = lotte(agent)

    response = desk_client.post(
        f"/desk/tickets/{data.current.pk}/customer/merge/{data.other.pk}/", {"keep": 999999}, **HX
    )

    assert response.status_code == 200
    assert "Choose which of the two customers stays." in text_of(response)
    assert 'role="alert"' in response.content.decode()
    data.other.refresh_from_db()
    assert data.other.merged_into_id is None


def test_a_customer_merged_meanwhile_is_no_longer_offered(desk_client, agent) -> None:
    data = lotte(agent)
    url = f"/desk/tickets/{data.current.pk}/customer/merge/{data.other.pk}/"
    assert desk_client.post(url, {"keep": data.customer.pk}, **HX).status_code == 200

    again = desk_client.post(url, {"keep": data.customer.pk}, **HX)

    assert again.status_code == 200
    assert again["HX-Retarget"] == "#customer-panel"
    assert "no longer suggested" in text_of(again)
    assert desk_client.get(url, **HX).status_code == 404


def test_a_customer_the_panel_does_not_suggest_cannot_be_merged(desk_client, agent) -> None:
    data = lotte(agent)
    stranger = message_ingest(data=inbound(value="stranger@example.com")).ticket.customer
    url = f"/desk/tickets/{data.current.pk}/customer/merge/{stranger.pk}/"

    assert desk_client.get(url, **HX).status_code == 404
    response = desk_client.post(url, {"keep": data.customer.pk}, **HX)

    assert "no longer suggested" in text_of(response)
    stranger.refresh_from_db()
    assert stranger.merged_into_id is None


def test_cancel_closes_the_box_and_returns_focus_to_its_button(desk_client, agent) -> None:
    data = lotte(agent)

    response = desk_client.get(
        f"/desk/tickets/{data.current.pk}/customer/?cancelled={data.other.pk}", **HX
    )

    html = response.content.decode()
    assert 'hx-swap-oob="innerHTML:#c-merge"' in html
    assert re.search(rf'id="c-merge-open-{data.other.pk}"[^>]*autofocus', html)
