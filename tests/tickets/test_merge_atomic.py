"""A merge takes its own transaction: called outside one (as the desk's view calls it under
ASGI, without ATOMIC_REQUESTS) it locks both tickets and merges, instead of failing on
SELECT … FOR UPDATE outside a transaction (a refactor once moved the decorator away)."""

from __future__ import annotations

import pytest

from tests.factories import inbound
from tickets.models import Message, Ticket
from tickets.services import message_ingest, ticket_merge

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_merge_outside_a_transaction_commits(agent) -> None:
    source = message_ingest(data=inbound("email", value="eva@example.com")).ticket
    data = inbound("email", value="eva@example.com", new_ticket=True)
    target = message_ingest(data=data).ticket
    assert source.pk != target.pk
    ticket_merge(source=source, target=target, by=agent)
    assert Ticket.objects.get(pk=source.pk).merged_into_id == target.pk
    assert Message.objects.filter(ticket=target).count() == 2
