"""The outbox through a real Celery worker process and the real Redis broker."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.factories import inbound
from tests.waiting import wait_until
from tickets.models import DeliveryState, Message
from tickets.services import message_ingest, reply_create

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db(transaction=True)
def test_outbox_sweep_redrives_a_lost_send_through_a_real_worker(worker, agent) -> None:
    from helpdesk.celery import app

    queue, log = worker
    app.conf.task_always_eager = False
    ticket = message_ingest(
        data=inbound(
            "email",
            value="kees@example.nl",
            subject="Kapotte fiets",
            thread_key="<in-1@example.nl>",
        )
    ).ticket
    # The reply's own send task goes to the default queue, which no worker serves here: it is
    # "lost" as if Redis had been flushed. The row is the outbox, so the sweep finds it.
    reply = reply_create(ticket=ticket, author=agent, body_text="We sturen een nieuwe band op.")
    assert Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.QUEUED

    app.send_task("tickets.outbox_sweep", queue=queue)
    wait_until(
        lambda: Message.objects.get(pk=reply.pk).delivery_state == DeliveryState.SENT,
        timeout=30,
        message=lambda: f"the reply to be sent; worker log:\n{log.read_text()}",
    )
    sent = Message.objects.get(pk=reply.pk)
    assert sent.send_attempts == 1
    assert f".hd{reply.pk}@helpdesk.localhost>" in sent.thread_key
    # A second sweep (or a duplicate task) does not send it again.
    app.send_task("tickets.outbox_sweep", queue=queue)
    app.send_task("tickets.deliver_message", args=[reply.pk], queue=queue)
    time.sleep(2)
    assert Message.objects.get(pk=reply.pk).send_attempts == 1
    output = log.read_text()
    assert output.count(f"Re: Kapotte fiets [#{ticket.pk}]") == 1
    assert "In-Reply-To: <in-1@example.nl>" in output

    # The customer's answer to that mail threads back onto the same ticket.
    answer = message_ingest(
        data=inbound("email", value="kees@example.nl", reply_to_keys=[sent.thread_key])
    )
    assert answer.ticket == ticket
    assert answer.reason == f"replied to message {sent.pk}"
