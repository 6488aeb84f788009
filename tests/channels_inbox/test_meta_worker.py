"""A Meta webhook answered at once, then processed by a real worker process."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pytest
from django.test import Client

from channels_inbox.models import InboundReceipt, ReceiptState, SocialAccount
from tickets.models import Ticket

FIXTURE = Path(__file__).parent / "fixtures" / "meta" / "whatsapp_text.json"
SECRET = "meta-app-secret-worker"


@pytest.mark.django_db(transaction=True)
def test_meta_receipt_is_processed_by_a_worker(process_on_worker, settings) -> None:
    settings.META_APP_SECRET = SECRET
    SocialAccount.objects.create(
        platform="whatsapp", external_id="106540352242922", name="Shop", access_token="t"
    )
    body = FIXTURE.read_bytes()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = Client().post(
        "/webhooks/meta/", body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
    )
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    # Answered before any processing: the receipt waits for a worker.
    assert receipt.state == ReceiptState.PENDING
    assert Ticket.objects.count() == 0

    process_on_worker(receipt)
    ticket = Ticket.objects.get()
    assert ticket.channel == "whatsapp"
    assert receipt.message_ids == [ticket.messages.get().pk]
