""" "My requests" and one request: the customer's own tickets from every channel, in plain
words, public messages only; another customer's ticket, the desk and the API stay shut."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.models import Identity
from tickets.models import Status, Ticket
from tickets.services import note_add, reply_create

pytestmark = pytest.mark.django_db


def test_my_requests_lists_every_channel_newest_first_in_plain_words(
    customer_client, ask, make_agent
) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    first = Ticket.objects.get(subject="Order 7 is late")
    reply_create(ticket=first, author=make_agent("anna"), body_text="We are on it")
    Ticket.objects.filter(pk=first.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    Identity.objects.create(customer=eva, kind="whatsapp", value="+31612345678")
    ask("+31612345678", "Wrong size", channel="whatsapp", body_text="Size M please")
    other = ask("sam@example.com", "Sam's secret order")
    page = customer_client(eva).get("/support/").content.decode()
    assert page.index("Wrong size") < page.index("Order 7 is late")
    assert "Started on WhatsApp" in page
    assert "Started by email" in page
    assert "Closed" in page
    assert "We are working on it" in page
    assert "2 messages" in page
    assert "1 message" in page
    assert "we will answer by" in page
    assert other.tickets.first().subject not in page


def test_the_promise_is_the_sla_due_time_in_the_customers_language(customer_client, ask):
    eva = ask("eva@example.com", "Order 7 is late")
    eva.language = "nl"
    eva.save()
    ticket = eva.tickets.get()
    due = timezone.localtime(ticket.sla_due_at)
    page = customer_client(eva).get("/support/").content.decode()
    assert "We are working on it" not in page  # Dutch words instead
    assert f"{due:%H:%M}" in page


def test_my_requests_takes_a_fixed_number_of_queries(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 1")
    client = customer_client(eva)
    client.get("/support/")
    with CaptureQueriesContext(connection) as few:
        client.get("/support/")
    for n in range(2, 7):
        # Each on a new ticket: an open one would take the next message.
        Ticket.objects.filter(customer=eva).update(status=Status.CLOSED)
        ask("eva@example.com", f"Order {n}")
    with CaptureQueriesContext(connection) as many:
        page = client.get("/support/").content.decode()
    assert page.count('class="portal-card"') == Ticket.objects.filter(customer=eva).count() > 1
    assert len(many) == len(few) == 8, [q["sql"] for q in many.captured_queries]


def test_the_request_page_shows_public_messages_only(customer_client, ask, make_agent) -> None:
    eva = ask("eva@example.com", "Order 7 is late", body_text="Where is order 7?")
    ticket = eva.tickets.get()
    anna = make_agent("anna")
    note_add(ticket=ticket, author=anna, body_text="Internal: customer is grumpy")
    reply_create(ticket=ticket, author=anna, body_text="It ships tomorrow")
    page = customer_client(eva).get(f"/support/requests/{ticket.pk}/").content.decode()
    assert page.index("Where is order 7?") < page.index("It ships tomorrow")
    assert "grumpy" not in page
    assert "anna" not in page.lower()


def test_another_customers_request_is_a_404(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    sam = ask("sam@example.com", "Sam's order")
    client = customer_client(eva)
    assert client.get(f"/support/requests/{sam.tickets.get().pk}/").status_code == 404
    assert client.get("/support/requests/999999/").status_code == 404


def test_a_customer_session_never_reaches_the_desk_or_the_api(customer_client, ask) -> None:
    client = customer_client(ask("eva@example.com", "Order 7 is late"))
    assert client.get("/desk/").status_code == 403
    assert client.get("/api/v1/tickets/").status_code in (401, 403)


def test_a_staff_session_is_not_a_customer(client, make_agent) -> None:
    client.force_login(make_agent("anna"))
    response = client.get("/support/")
    assert response.status_code == 302
    assert response.url == "/support/signin/"


def test_an_anonymous_visitor_is_sent_to_sign_in(client) -> None:
    assert client.get("/support/").url == "/support/signin/"
    assert client.get("/support/requests/1/").url == "/support/signin/"


@pytest.mark.parametrize(
    ("status", "words"),
    [(Status.SOLVED, "Solved — tell us if it is not"), (Status.PENDING, "Waiting for your answer")],
)
def test_a_request_not_waiting_on_us_promises_nothing(customer_client, ask, status, words):
    eva = ask("eva@example.com", "Order 7 is late")
    Ticket.objects.filter(customer=eva).update(
        status=status, solved_at=timezone.now() - timedelta(hours=1)
    )
    page = customer_client(eva).get("/support/").content.decode()
    assert words in page
    assert "we will answer by" not in page


def test_a_missed_promise_is_said_as_missed_not_as_a_future_time(customer_client, ask) -> None:
    """The demo's festival ticket read "we will answer by Thursday 22 October" in late
    November: a past time shown as a promise. A missed one says we are late."""
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    missed = timezone.now() - timedelta(days=3)
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=missed)
    for url in ("/support/", f"/support/requests/{ticket.pk}/"):
        page = customer_client(eva).get(url).content.decode()
        assert "we will answer by" not in page
        assert "we promised to answer by" in page
        assert "are late" in page
        assert f"{timezone.localtime(missed):%H:%M}" in page
