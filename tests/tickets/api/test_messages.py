"""/api/v1/tickets/<id>/messages/: replies on the customer's latest channel, notes, and the
replies refused or failed visibly."""

from __future__ import annotations

import pytest

from tests.factories import inbound
from tickets.models import DeliveryState, Direction, Message, Status
from tickets.senders import SendResult, senders_replaced
from tickets.services import message_ingest


@pytest.mark.django_db
def test_reply_goes_out_on_the_customers_latest_channel(
    api, django_capture_on_commit_callbacks
) -> None:
    sent: list[Message] = []

    class FakeWhatsApp:
        channel = "whatsapp"

        def send(self, message: Message) -> SendResult:
            sent.append(message)
            return SendResult(provider_message_id="wamid.out.1")

    with senders_replaced([FakeWhatsApp()]):
        ticket = message_ingest(data=inbound("email", value="lotte@example.nl")).ticket
        from customers.services import identity_add

        identity_add(customer=ticket.customer, kind="phone", value="+31612345678")
        message_ingest(data=inbound("whatsapp", value="31612345678"))
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/v1/tickets/{ticket.pk}/messages/",
                {"kind": "reply", "body_text": "Hoi Lotte!"},
                format="json",
            )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["channel"] == "whatsapp"
    assert body["identity"]["value"] == "+31612345678"
    stored = Message.objects.get(pk=body["id"])
    assert stored.delivery_state == DeliveryState.SENT
    assert stored.provider_message_id == "wamid.out.1"
    assert [m.pk for m in sent] == [stored.pk]
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is not None
    assert ticket.status == Status.OPEN


@pytest.mark.django_db
def test_reply_without_sender_fails_visibly(api, django_capture_on_commit_callbacks) -> None:
    # X has no sender yet (issue 4 builds Messenger, Instagram and WhatsApp).
    ticket = message_ingest(data=inbound("x", value="@someone")).ticket
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            f"/api/v1/tickets/{ticket.pk}/messages/",
            {"kind": "reply", "body_text": "Hi"},
            format="json",
        )
    assert response.status_code == 201
    stored = Message.objects.get(pk=response.json()["id"])
    assert stored.delivery_state == DeliveryState.FAILED
    assert stored.delivery_error == "no sender is configured for the x channel"


@pytest.mark.django_db
def test_note_is_internal_and_not_a_reply(api) -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    response = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "note", "body_text": "Called the warehouse"},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["direction"] == Direction.NOTE
    ticket.refresh_from_db()
    assert ticket.first_ack_at is None
    assert ticket.first_human_reply_at is None
    assert ticket.unanswered_contacts == 1


@pytest.mark.django_db
def test_reply_errors_are_clear(api) -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    empty = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/", {"kind": "reply", "body_text": " "}, format="json"
    )
    assert empty.status_code == 400
    no_identity = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "reply", "body_text": "hi", "channel": "facebook"},
        format="json",
    )
    assert no_identity.status_code == 400
    assert no_identity.json()["detail"] == "the customer has no facebook identity to reply to"
    api.patch(f"/api/v1/tickets/{ticket.pk}/", {"status": "closed"}, format="json")
    closed = api.post(
        f"/api/v1/tickets/{ticket.pk}/messages/",
        {"kind": "reply", "body_text": "hi"},
        format="json",
    )
    assert closed.status_code == 400
    assert "closed" in closed.json()["detail"]
    assert Message.objects.filter(ticket=ticket).count() == 1
    assert api.get("/api/v1/tickets/999999/messages/").status_code == 404


@pytest.mark.django_db
def test_message_list_queries_constant(api, django_assert_num_queries) -> None:
    ticket = message_ingest(data=inbound("email")).ticket
    for _ in range(9):
        message_ingest(data=inbound("email"))
    for size in (2, 10):
        # groups, ticket, messages, attachments prefetch
        with django_assert_num_queries(4):
            response = api.get(f"/api/v1/tickets/{ticket.pk}/messages/?page_size={size}")
        assert len(response.json()["results"]) == size
