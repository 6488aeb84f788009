"""An inbound webhook answered at once, then parsed and ingested by a real worker process."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from django.test import Client

from channels_inbox.models import InboundReceipt, ReceiptState
from tickets.models import Ticket

FIXTURE = Path(__file__).parent / "fixtures" / "postmark" / "inbound.json"
SECRET = "anymail:hook-secret-4"


@pytest.mark.django_db(transaction=True)
def test_receipt_is_stored_first_and_processed_by_a_worker(process_on_worker, settings) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    auth = "Basic " + base64.b64encode(SECRET.encode()).decode()
    response = Client().post(
        "/anymail/postmark/inbound/",
        FIXTURE.read_bytes(),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    # Answered before any parsing: the receipt waits for a worker.
    assert receipt.state == ReceiptState.PENDING
    assert Ticket.objects.count() == 0

    process_on_worker(receipt)
    ticket = Ticket.objects.get()
    assert ticket.subject == "Zamówienie 48213 nie dotarło"
    assert receipt.message_ids == [ticket.messages.get().pk]
    # Delivered again by the ESP: same receipt, nothing new.
    again = Client().post(
        "/anymail/postmark/inbound/",
        FIXTURE.read_bytes(),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert again.status_code == 200
    assert InboundReceipt.objects.count() == 1
