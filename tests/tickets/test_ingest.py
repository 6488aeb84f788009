"""The ingestion service: threading rules, chasing, reopen and follow-up, idempotency."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from customers.services import identity_add
from tests.factories import inbound
from tickets.models import EventKind, Message, Priority, Status, Ticket
from tickets.services import message_ingest, reply_create, ticket_set_status


@pytest.mark.django_db
def test_first_message_creates_customer_and_ticket() -> None:
    result = message_ingest(
        data=inbound("email", value="Eva@Example.com", subject="Order 1234 missing")
    )
    assert result.created_ticket
    ticket = result.ticket
    assert ticket.status == Status.NEW
    assert ticket.channel == "email"
    assert ticket.subject == "Order 1234 missing"
    assert ticket.unanswered_contacts == 1
    assert [e.kind for e in ticket.events.all()] == [EventKind.CREATED, EventKind.SLA]


@pytest.mark.django_db
def test_thread_key_wins_over_open_ticket() -> None:
    first = message_ingest(data=inbound("email", thread_key="<a@mail>", subject="Refund"))
    second = message_ingest(data=inbound("email", thread_key="<b@mail>", subject="Other"))
    # Both open for the same customer: the second joined the first (same customer's open ticket).
    assert second.ticket == first.ticket
    assert second.reason == "same customer's open ticket"
    # Split the second off, then a reply to it threads by its key, not to the older ticket.
    from tickets.services import message_move

    split = message_move(message=second.message, to_ticket=None, by=None)
    reply = message_ingest(data=inbound("email", reply_to_keys=["<b@mail>"], thread_key="<c@mail>"))
    assert reply.ticket == split
    assert reply.reason == f"replied to message {second.message.pk}"
    event = reply.ticket.events.filter(kind=EventKind.JOINED).last()
    assert event.text == f"joined: replied to message {second.message.pk}"


@pytest.mark.django_db
def test_ticket_token_threads_only_for_the_same_customer() -> None:
    own = message_ingest(data=inbound("email", value="eva@example.com")).ticket
    ticket_set_status(ticket=own, status=Status.SOLVED, by=None)
    by_token = message_ingest(data=inbound("email", value="eva@example.com", ticket_number=own.pk))
    assert by_token.ticket == own
    assert by_token.reason == f"ticket token #{own.pk}"
    stranger = message_ingest(
        data=inbound("email", value="mallory@example.com", ticket_number=own.pk)
    )
    assert stranger.ticket != own
    assert stranger.created_ticket


@pytest.mark.django_db
def test_open_ticket_on_any_channel_email_then_whatsapp() -> None:
    """A customer known by email and phone emails, then writes on WhatsApp: one ticket."""
    email = message_ingest(data=inbound("email", value="lotte@example.nl", customer_name="Lotte"))
    identity_add(customer=email.ticket.customer, kind="phone", value="06 12345678", region="NL")
    whatsapp = message_ingest(data=inbound("whatsapp", value="31612345678", thread_key="wa-conv-1"))
    assert whatsapp.ticket == email.ticket
    assert whatsapp.reason == "same customer's open ticket"
    assert whatsapp.ticket.customer == email.ticket.customer
    assert Ticket.objects.count() == 1
    assert whatsapp.ticket.latest_inbound_channel == "whatsapp"


@pytest.mark.django_db
def test_no_open_ticket_makes_a_new_one() -> None:
    old = message_ingest(data=inbound("chat", value="visitor-1", thread_key="conv-1")).ticket
    ticket_set_status(ticket=old, status=Status.SOLVED, by=None)
    fresh = message_ingest(data=inbound("chat", value="visitor-1", thread_key="conv-2"))
    assert fresh.created_ticket
    assert fresh.ticket != old


@pytest.mark.django_db
def test_reply_to_solved_ticket_reopens_it() -> None:
    first = message_ingest(data=inbound("email", thread_key="<m1@mail>"))
    ticket_set_status(ticket=first.ticket, status=Status.SOLVED, by=None)
    again = message_ingest(data=inbound("email", reply_to_keys=["<m1@mail>"]))
    ticket = Ticket.objects.get(pk=first.ticket.pk)
    assert again.ticket == ticket
    assert ticket.status == Status.OPEN
    assert ticket.solved_at is None
    assert ticket.events.filter(kind=EventKind.REOPENED).count() == 1


@pytest.mark.django_db
def test_reply_to_closed_ticket_opens_linked_follow_up() -> None:
    first = message_ingest(data=inbound("email", thread_key="<m1@mail>"))
    ticket_set_status(ticket=first.ticket, status=Status.CLOSED, by=None)
    again = message_ingest(data=inbound("email", reply_to_keys=["<m1@mail>"], subject="Re: order"))
    assert again.created_ticket
    assert again.ticket.follow_up_of == first.ticket
    assert Ticket.objects.get(pk=first.ticket.pk).status == Status.CLOSED
    assert (
        again.ticket.events.get(kind=EventKind.FOLLOW_UP).text
        == f"follow-up of closed ticket #{first.ticket.pk}"
    )
    assert first.ticket.events.filter(kind=EventKind.FOLLOW_UP).exists()


@pytest.mark.django_db
def test_pending_ticket_opens_when_customer_answers() -> None:
    first = message_ingest(data=inbound("email"))
    ticket_set_status(ticket=first.ticket, status=Status.PENDING, by=None)
    message_ingest(data=inbound("email"))
    assert Ticket.objects.get(pk=first.ticket.pk).status == Status.OPEN


@pytest.mark.django_db
def test_chasing_counts_and_raises_priority_once(agent) -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    assert ticket.priority == Priority.NORMAL
    message_ingest(data=inbound("email"))  # first repeat contact
    ticket.refresh_from_db()
    assert (ticket.unanswered_contacts, ticket.repeat_contacts, ticket.priority) == (
        2,
        1,
        Priority.NORMAL,
    )
    message_ingest(data=inbound("email"))  # second repeat contact: one step up
    ticket.refresh_from_db()
    assert (ticket.unanswered_contacts, ticket.repeat_contacts, ticket.priority) == (
        3,
        2,
        Priority.HIGH,
    )
    assert ticket.events.filter(kind=EventKind.CHASING).last().text == (
        "customer contacted you 3 times without an answer"
    )
    message_ingest(data=inbound("email"))
    ticket.refresh_from_db()
    assert ticket.priority == Priority.HIGH  # raised once only
    assert ticket.events.filter(kind=EventKind.PRIORITY).count() == 1

    reply_create(ticket=ticket, author=agent, body_text="Sorry for the wait, here is your answer.")
    ticket.refresh_from_db()
    assert ticket.unanswered_contacts == 0
    message_ingest(data=inbound("email"))  # answered before: not a repeat contact
    ticket.refresh_from_db()
    assert (ticket.unanswered_contacts, ticket.repeat_contacts) == (1, 3)


@pytest.mark.django_db
def test_automatic_ack_does_not_stop_chasing() -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    reply_create(ticket=ticket, author=None, body_text="We got your message.", is_automatic=True)
    message_ingest(data=inbound("email"))
    ticket.refresh_from_db()
    assert ticket.first_ack_at is not None
    assert ticket.first_human_reply_at is None
    assert ticket.repeat_contacts == 1


@pytest.mark.django_db
def test_same_provider_id_twice_stores_one_message() -> None:
    first = message_ingest(
        data=inbound("whatsapp", value="+48512345678", provider_message_id="wamid.1")
    )
    second = message_ingest(
        data=inbound("whatsapp", value="+48512345678", provider_message_id="wamid.1")
    )
    assert second.duplicate
    assert second.message == first.message
    assert Message.objects.count() == 1
    # The same id on another channel is another message.
    message_ingest(data=inbound("facebook", value="fb-1", provider_message_id="wamid.1"))
    assert Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_same_provider_id_from_two_threads_at_once() -> None:
    barrier = threading.Barrier(4)
    results: list[object] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(
                message_ingest(
                    data=inbound("email", value="new@example.com", provider_message_id="<dup@mail>")
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Message.objects.filter(provider_message_id="<dup@mail>").count() == 1
    assert Ticket.objects.count() == 1
    assert sum(1 for r in results if not r.duplicate) == 1


@pytest.mark.django_db
def test_unknown_sender_is_refused_with_reason() -> None:
    from customers.normalise import InvalidIdentity

    with pytest.raises(InvalidIdentity, match="not a valid phone number"):
        message_ingest(data=inbound("phone", value="123"))
    assert Message.objects.count() == 0


@pytest.mark.django_db
def test_web_form_request_is_answered_by_email(agent) -> None:
    ticket = message_ingest(data=inbound("web", value="form@example.com")).ticket
    reply = reply_create(ticket=ticket, author=agent, body_text="Thanks for your form.")
    assert reply.channel == "email"
    assert reply.identity.value == "form@example.com"


@pytest.mark.django_db
def test_late_delivery_does_not_move_last_contact_back() -> None:
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    ticket = message_ingest(data=inbound("email", sent_at=now)).ticket
    message_ingest(data=inbound("email", sent_at=now - timedelta(hours=3)))
    ticket.refresh_from_db()
    assert ticket.last_inbound_at == now
