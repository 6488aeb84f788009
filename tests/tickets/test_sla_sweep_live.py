"""The SLA sweep's live events, through the Celery task and the real Redis channel layer:
a batch is one publish whatever its size, yet an open ticket page still hears of its own
ticket's breach or warning (its socket forwards its part of the batch), the queue feed
gets one summary, and no page hears of another ticket's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import Group
from django.utils import timezone

from helpdesk.asgi import application
from tests.factories import inbound
from tickets.models import SlaTimer
from tickets.services import message_ingest
from tickets.tasks import sla_sweep

pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


def _setup(django_user_model: Any) -> dict[str, Any]:
    """Three tickets with running first-response clocks and a signed-in agent."""
    from django.test import Client

    from tickets.services import sla_policies_default

    sla_policies_default()
    user = django_user_model.objects.create_user(username="sweep-live", password="pw-123456")
    user.groups.add(Group.objects.get_or_create(name="Agents")[0])
    client = Client()
    client.force_login(user)
    ids = [
        message_ingest(data=inbound("email", value=f"live{n}@example.com")).ticket.pk
        for n in range(3)
    ]
    return {"session": client.cookies["sessionid"].value, "tickets": ids}


def _due(breached: list[int], at_risk: list[int]) -> None:
    """Move the clocks as time would: some past their due time, some only at risk."""
    now = timezone.now()
    SlaTimer.objects.filter(ticket_id__in=breached).update(
        due_at=now - timedelta(minutes=1), at_risk_at=now - timedelta(hours=1)
    )
    SlaTimer.objects.filter(ticket_id__in=at_risk).update(at_risk_at=now - timedelta(minutes=1))


def _socket(path: str, session: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        path,
        headers=[
            (b"origin", b"http://127.0.0.1"),
            (b"host", b"127.0.0.1"),
            (b"cookie", f"sessionid={session}".encode()),
        ],
    )


async def test_a_sweep_reaches_each_open_ticket_page_and_the_queue_once(
    django_user_model,
) -> None:
    setup = await sync_to_async(_setup)(django_user_model)
    breached, at_risk, quiet = setup["tickets"]
    pages = {t: _socket(f"/ws/tickets/{t}/", setup["session"]) for t in setup["tickets"]}
    feed = _socket("/ws/tickets/", setup["session"])
    for socket in [*pages.values(), feed]:
        assert (await socket.connect())[0]
    await sync_to_async(_due)([breached], [at_risk])

    await sync_to_async(sla_sweep.apply)()

    frame = {"event": "sla.breached", "ticket": breached, "data": {"metric": "first_response"}}
    assert await pages[breached].receive_json_from(timeout=5) == frame
    frame = {"event": "sla.at_risk", "ticket": at_risk, "data": {"metric": "first_response"}}
    assert await pages[at_risk].receive_json_from(timeout=5) == frame
    summaries = [await feed.receive_json_from(timeout=5) for _ in range(2)]
    assert {(s["event"], s["ticket"], tuple(s["data"]["tickets"])) for s in summaries} == {
        ("sla.breached", None, (breached,)),
        ("sla.at_risk", None, (at_risk,)),
    }
    assert await pages[quiet].receive_nothing(timeout=0.3)
    assert await pages[breached].receive_nothing(timeout=0.1)
    assert await feed.receive_nothing(timeout=0.1)
    for socket in [*pages.values(), feed]:
        await socket.disconnect()
