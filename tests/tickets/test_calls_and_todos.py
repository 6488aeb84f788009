"""Agents log calls from a phone number (`POST /api/v1/calls/`) and work a ticket's to-dos
(`/api/v1/tickets/{id}/todos/`), through the REST API."""

from __future__ import annotations

import pytest

from customers.models import Identity
from customers.services import identity_add
from tests.factories import inbound
from tickets.models import EventKind, Message, Ticket, TicketEvent, Todo, TodoKind
from tickets.services import TicketError, message_ingest, todo_add, todo_done

pytestmark = pytest.mark.django_db


def _call(api, **fields):
    return api.post("/api/v1/calls/", fields, format="json")


def test_agent_logs_an_inbound_call_as_a_new_ticket(api, agent) -> None:
    response = _call(
        api,
        phone="06 12345678",
        name="Eva de Vries",
        direction="inbound",
        answered=True,
        duration_seconds=310,
        notes="Order 48213 never arrived; promised to check with the carrier.",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    ticket = Ticket.objects.get(pk=body["ticket"]["id"])
    assert ticket.channel == "phone"
    assert ticket.subject == "Call from Eva de Vries"
    assert ticket.customer.name == "Eva de Vries"
    assert ticket.customer.identities.get().value == "+31612345678"
    assert ticket.unanswered_contacts == 1  # the customer's contact: the clock runs
    message = body["message"]
    assert (message["direction"], message["call_direction"]) == ("inbound", "inbound")
    assert (message["call_answered"], message["call_duration_seconds"]) == (True, 310)
    assert message["body_text"].startswith("Order 48213")
    assert Message.objects.get(pk=message["id"]).meta["logged_by"] == agent.pk
    assert not Todo.objects.exists()


def test_logged_inbound_call_joins_the_customers_open_ticket(api) -> None:
    email = message_ingest(data=inbound("email", value="eva@example.com")).ticket
    identity_add(customer=email.customer, kind="phone", value="+31 6 1234 5678")

    response = _call(api, phone="0612345678", direction="inbound", answered=False)

    assert response.status_code == 201
    assert response.json()["ticket"]["id"] == email.pk
    email.refresh_from_db()
    assert email.unanswered_contacts == 2
    assert email.repeat_contacts == 1  # chasing counts calls as well
    assert email.events.filter(kind=EventKind.CALL_MISSED).count() == 1
    todo = Todo.objects.get(ticket=email)
    assert (todo.kind, todo.text) == (TodoKind.CALL_BACK, "Call back +31612345678")


def test_outbound_call_is_the_agents_reply_and_settles_the_call_back(api, agent) -> None:
    ticket = Ticket.objects.get(
        pk=_call(api, phone="+48 512 345 678", direction="inbound", answered=False).json()[
            "ticket"
        ]["id"]
    )
    assert Todo.objects.get().done_at is None

    response = _call(
        api,
        phone="512 345 678",
        region="PL",
        direction="outbound",
        answered=True,
        duration_seconds=125,
        notes="Refund approved",
    )

    assert response.status_code == 201
    assert response.json()["ticket"]["id"] == ticket.pk
    message = Message.objects.get(pk=response.json()["message"]["id"])
    assert (message.direction, message.author_user_id) == ("outbound", agent.pk)
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is not None  # an answered outbound call meets it
    assert ticket.unanswered_contacts == 0
    todo = Todo.objects.get()
    assert (todo.done_by_id, todo.done_at is not None) == (agent.pk, True)


def test_outbound_call_to_a_new_number_opens_a_phone_ticket(api, agent) -> None:
    response = _call(api, phone="+31 20 123 4567", direction="outbound", answered=False)

    assert response.status_code == 201
    ticket = Ticket.objects.get(pk=response.json()["ticket"]["id"])
    assert (ticket.channel, ticket.subject) == ("phone", "Call to +31201234567")
    assert ticket.events.filter(kind=EventKind.CREATED, actor=agent).exists()
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is None  # nobody answered: nothing met
    assert Identity.objects.get().value == "+31201234567"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"phone": "not a number", "direction": "inbound", "answered": True}, "phone number"),
        ({"phone": "+31612345678", "direction": "sideways", "answered": True}, "direction"),
        (
            {
                "phone": "+31612345678",
                "direction": "inbound",
                "answered": True,
                "duration_seconds": -5,
            },
            "duration_seconds",
        ),
    ],
)
def test_bad_call_is_refused_with_a_reason(api, fields, reason) -> None:
    response = _call(api, **fields)
    assert response.status_code == 400
    assert reason in str(response.json())
    assert not Ticket.objects.exists()


def test_calls_need_an_agent(client) -> None:
    response = client.post("/api/v1/calls/", {"phone": "+31612345678"})
    assert response.status_code in (401, 403)
    assert not Ticket.objects.exists()


# --- to-dos -------------------------------------------------------------------------------------


def _missed_call_ticket(api) -> Ticket:
    response = _call(api, phone="+31612345678", direction="inbound", answered=False)
    return Ticket.objects.get(pk=response.json()["ticket"]["id"])


def test_todo_done_via_api_leaves_an_event(api, agent) -> None:
    ticket = _missed_call_ticket(api)
    todo = Todo.objects.get()

    response = api.post(f"/api/v1/tickets/{ticket.pk}/todos/{todo.pk}/done/")

    assert response.status_code == 200
    assert response.json()["done_by"]["id"] == agent.pk
    assert response.json()["done_at"] is not None
    done = TicketEvent.objects.get(
        ticket=ticket, kind=EventKind.TODO, text__startswith="to-do done"
    )
    assert done.actor == agent
    assert done.data == {"todo": todo.pk}
    # A second click is harmless: still done, no second event.
    assert api.post(f"/api/v1/tickets/{ticket.pk}/todos/{todo.pk}/done/").status_code == 200
    assert ticket.events.filter(text__startswith="to-do done").count() == 1
    assert api.get(f"/api/v1/tickets/{ticket.pk}/todos/?open=true").json()["results"] == []
    assert len(api.get(f"/api/v1/tickets/{ticket.pk}/todos/").json()["results"]) == 1


def test_todo_of_another_ticket_is_not_found(api) -> None:
    ticket = _missed_call_ticket(api)
    other = message_ingest(data=inbound("email", value="someone@example.com")).ticket
    todo = Todo.objects.get()
    assert api.post(f"/api/v1/tickets/{other.pk}/todos/{todo.pk}/done/").status_code == 404
    assert api.get("/api/v1/tickets/999999/todos/").status_code == 404
    todo.refresh_from_db()
    assert todo.done_at is None
    assert ticket.pk != other.pk


def test_a_ticket_holds_one_open_call_back_but_other_todos_stack(api) -> None:
    ticket = _missed_call_ticket(api)
    first = Todo.objects.get()
    again = todo_add(ticket=ticket, kind=TodoKind.CALL_BACK, text="Call back, urgent")
    assert again.pk == first.pk
    assert again.text == "Call back, urgent"
    todo_add(ticket=ticket, kind=TodoKind.OTHER, text="Send the return label")
    todo_add(ticket=ticket, kind=TodoKind.OTHER, text="Check the carrier")
    assert ticket.todos.count() == 3
    # Once the call-back is done, the next missed call opens a new one.
    todo_done(todo=first, by=None)
    _call(api, phone="+31612345678", direction="inbound", answered=False)
    assert ticket.todos.filter(kind=TodoKind.CALL_BACK, done_at__isnull=True).count() == 1
    assert ticket.todos.filter(kind=TodoKind.CALL_BACK).count() == 2


def test_todo_add_refuses_nonsense(api) -> None:
    ticket = _missed_call_ticket(api)
    with pytest.raises(TicketError, match="needs some text"):
        todo_add(ticket=ticket, kind=TodoKind.OTHER, text="   ")
    with pytest.raises(TicketError, match="kind"):
        todo_add(ticket=ticket, kind="laundry", text="Wash")


def test_todo_list_queries_constant(api, django_assert_num_queries) -> None:
    ticket = _missed_call_ticket(api)
    for number in range(9):
        todo_add(ticket=ticket, kind=TodoKind.OTHER, text=f"Task {number}")
    for todo in ticket.todos.all()[:4]:
        todo_done(todo=todo, by=None)
    for size in (2, 10):
        # groups, ticket, to-dos with who did them
        with django_assert_num_queries(3):
            response = api.get(f"/api/v1/tickets/{ticket.pk}/todos/?page_size={size}")
        assert response.status_code == 200
        assert len(response.json()["results"]) == size
