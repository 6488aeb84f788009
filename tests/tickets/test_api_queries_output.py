"""The ticket API writes its tickets, messages and events straight from the rows
(`tickets.api.representations`): the JSON must be exactly what DRF's field-by-field walk of
the same serializers writes — keys, order, time zone, nulls — for every kind of row."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from tests.factories import inbound
from tickets.api.serializers import MessageSerializer, TicketSerializer
from tickets.api.tickets import TicketDetailSerializer, TicketEventSerializer
from tickets.models import Message, Team, Ticket, TicketEvent
from tickets.services import (
    InboundAttachment,
    call_log,
    message_ingest,
    note_add,
    sla_policies_default,
    ticket_create,
    ticket_merge,
    ticket_set_status,
    ticket_set_tags,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def rows(agent) -> list[Ticket]:
    """Tickets of every shape: with and without assignee, team, tags, SLA clocks, a solved
    one, a merged one with a follow-up; messages with files, identities, calls, notes."""
    agent.last_name = "Lovelace"
    agent.save()
    with time_machine.travel(T0, tick=False):
        sla_policies_default()
        team = Team.objects.create(name="Returns")
        first = message_ingest(data=inbound("email", value="a@example.com")).ticket
        second = message_ingest(
            data=inbound(
                "whatsapp",
                value="+31612345678",
                customer_name="Wiśniewski",
                attachments=[InboundAttachment(filename="foto.jpg", content=b"jpg")],
            )
        ).ticket
        message_ingest(data=inbound("chat", value="v-1", thread_key="k"))
        third = ticket_create(customer=second.customer, subject="Phoned", channel="phone", by=agent)
        Ticket.objects.filter(pk=second.pk).update(assignee=agent, team=team, follow_up_of=first)
        ticket_set_tags(ticket=second, tags=["vip", "refund"], by=agent)
        note_add(
            ticket=second,
            author=agent,
            body_text="file",
            attachments=[InboundAttachment(filename="n.txt", content=b"n")],
        )
        call_log(ticket=second, agent=agent, direction="inbound", answered=False)
        call_log(ticket=first, agent=agent, direction="outbound", answered=True, notes="ok")
        ticket_set_status(ticket=first, status="solved", by=agent)
        ticket_merge(source=third, target=second, by=agent)
    return [first, second, third]


def _json(data: Any) -> Any:
    # Through DRF's renderer, as a response: its encoder writes the SLA dicts' datetimes.
    return json.loads(JSONRenderer().render(data))


def _drf(serializer: serializers.Serializer[Any], instance: Any) -> Any:
    """DRF's own output for the serializer's declared fields."""
    return _json(serializers.ModelSerializer.to_representation(serializer, instance))


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "UTC", "America/New_York"])
def test_tickets_are_written_as_drf_writes_them(rows, zone: str) -> None:
    with time_machine.travel(T0, tick=False), timezone.override(zone):
        for ticket in Ticket.objects.select_related("customer", "assignee", "team"):
            serializer = TicketSerializer()
            assert _json(serializer.to_representation(ticket)) == _drf(serializer, ticket)
            detail = TicketDetailSerializer(context={"messaging_windows": []})
            assert list(detail.to_representation(ticket)) == [
                *TicketSerializer.Meta.fields,
                "messaging_windows",
            ]
            assert _json(detail.to_representation(ticket)) == _drf(detail, ticket)


def test_messages_and_events_are_written_as_drf_writes_them(rows, rf) -> None:
    context = {"request": rf.get("/api/v1/")}
    messages = Message.objects.select_related("author_user", "author_customer", "identity")
    assert messages.filter(attachments__isnull=False).exists()
    for message in messages:
        serializer = MessageSerializer(context=context)
        assert _json(serializer.to_representation(message)) == _drf(serializer, message)
    assert MessageSerializer(messages.first()).data == _drf(MessageSerializer(), messages.first())
    events = TicketEvent.objects.select_related("actor")
    assert events.filter(actor__isnull=False).exists()
    assert events.filter(message__isnull=False).exists()
    for event in events:
        serializer = TicketEventSerializer()
        assert _json(serializer.to_representation(event)) == _drf(serializer, event)


def test_the_list_page_is_the_serializers_output(api, rows) -> None:
    live = Ticket.objects.filter(merged_into__isnull=True).order_by("-id")
    with time_machine.travel(T0, tick=False):
        body = api.get("/api/v1/tickets/").json()["results"]
        expected = [_drf(TicketSerializer(), ticket) for ticket in live]
    assert [row["id"] for row in body] == list(live.values_list("id", flat=True))
    assert body == expected
    assert any(row["sla"] for row in body)
    assert any(row["assignee"] for row in body)
    assert any(row["follow_up_of"] for row in body)
