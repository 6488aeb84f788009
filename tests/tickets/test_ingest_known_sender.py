"""Ingest for a sender we already know (a customer signed in to the portal) and for a new
request that must not join the customer's open ticket."""

from __future__ import annotations

import pytest

from customers.models import Customer
from customers.services import customer_merge
from tests.factories import inbound
from tickets.models import Direction, SlaTimer, Status
from tickets.services import message_ingest, sla_policies_default

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _policies() -> None:
    sla_policies_default()


def test_a_known_customer_without_an_email_identity_writes_on_the_web_channel() -> None:
    started = message_ingest(data=inbound(channel="whatsapp", value="+31612345678")).ticket
    customer = started.customer
    result = message_ingest(
        data=inbound(
            channel="web",
            value="",
            customer_id=customer.pk,
            ticket_number=started.pk,
            body_text="Still waiting",
        )
    )
    assert result.ticket.pk == started.pk
    assert result.message.direction == Direction.INBOUND
    assert result.message.author_customer_id == customer.pk
    assert result.message.identity_id is None
    # No second customer was made from an empty identity.
    assert Customer.objects.count() == 1


def test_a_known_customer_writes_from_their_identity_of_the_channels_kind() -> None:
    customer = message_ingest(data=inbound(value="eva@example.com")).ticket.customer
    result = message_ingest(
        data=inbound(channel="web", value="", customer_id=customer.pk, new_ticket=True)
    )
    assert result.message.identity is not None
    assert result.message.identity.value == "eva@example.com"


def test_a_new_request_opens_its_own_ticket_with_its_tags_and_clock() -> None:
    open_ticket = message_ingest(data=inbound(value="eva@example.com")).ticket
    assert open_ticket.status == Status.NEW
    result = message_ingest(
        data=inbound(
            channel="web",
            value="",
            customer_id=open_ticket.customer_id,
            new_ticket=True,
            tags=["category:returns", "category:returns", ""],
            subject="Return the tent",
        )
    )
    assert result.created_ticket
    assert result.ticket.pk != open_ticket.pk
    assert result.ticket.channel == "web"
    assert result.ticket.tags == ["category:returns"]
    assert SlaTimer.objects.filter(ticket=result.ticket, metric="first_response").exists()


def test_without_new_ticket_a_web_message_joins_the_open_ticket() -> None:
    open_ticket = message_ingest(data=inbound(value="eva@example.com")).ticket
    result = message_ingest(
        data=inbound(channel="web", value="", customer_id=open_ticket.customer_id)
    )
    assert result.ticket.pk == open_ticket.pk


def test_a_merged_customer_writes_as_the_survivor() -> None:
    first = message_ingest(data=inbound(value="eva@example.com")).ticket.customer
    second = message_ingest(data=inbound(value="eva.b@example.com")).ticket.customer
    customer_merge(source=first, target=second)
    result = message_ingest(
        data=inbound(channel="web", value="", customer_id=first.pk, new_ticket=True)
    )
    assert result.ticket.customer_id == second.pk
