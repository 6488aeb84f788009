"""Twilio voice status callbacks at `/webhooks/twilio/voice/`, replaying callbacks in Twilio's
published form format (fixtures/twilio/), signed as Twilio signs them."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from django.http import QueryDict
from django.test import Client

from channels_inbox.models import InboundReceipt, ReceiptState
from channels_inbox.webhooks.twilio import signature_valid, twilio_signature
from customers.models import Identity
from customers.services import customer_resolve, identity_add
from tests.factories import inbound
from tickets.models import CallDirection, Direction, EventKind, Message, Ticket, Todo, TodoKind
from tickets.services import message_ingest

FIXTURES = Path(__file__).parent / "fixtures" / "twilio"
TOKEN = "twilio-auth-token-test-1"
URL = "http://testserver/webhooks/twilio/voice/"
FORM = "application/x-www-form-urlencoded"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


def _body(name: str, **changes: str) -> bytes:
    """A fixture's form body, with fields changed in place (Twilio's own field order kept)."""
    pairs = parse_qsl((FIXTURES / f"{name}.txt").read_text(), keep_blank_values=True)
    pairs = [(key, changes.pop(key, value)) for key, value in pairs] + list(changes.items())
    return urlencode(pairs).encode()


def _sign(body: bytes, token: str = TOKEN, url: str = URL) -> str:
    params = QueryDict(body.decode())
    return twilio_signature(token=token, url=url, params=list(params.lists()))


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """POST a signed callback and run what it enqueued after commit, as the worker would."""

    def post(name: str, *, signature: str | None = None, **changes: str):
        body = _body(name, **changes)
        headers: dict[str, Any] = {}
        signature = _sign(body) if signature is None else signature
        if signature:
            headers["HTTP_X_TWILIO_SIGNATURE"] = signature
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(URL, body, content_type=FORM, **headers)

    return post


# --- the signature, against the examples Twilio's own library is tested with ---------------


def test_signature_matches_twilios_published_examples() -> None:
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {
        "CallSid": ["CA1234567890ABCDE"],
        "Caller": ["+14158675309"],
        "Digits": ["1234"],
        "From": ["+14158675309"],
        "To": ["+18005551212"],
    }
    assert twilio_signature(token="12345", url=url, params=params.items()) == (
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    # A repeated parameter: its values are sorted too.
    repeated = QueryDict("Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234")
    assert twilio_signature(token="12345", url=url, params=repeated.lists()) == (
        "IK+Dwps556ElfBT0I3Rgjkr1wJU="
    )
    form = QueryDict(urlencode([(k, v[0]) for k, v in params.items()]))
    # Signed with the default port spelled out, or received through a proxy on another port.
    assert signature_valid(
        token="12345", url=url, params=form, signature="kvajT1Ptam85bY51eRf/AJRuM3w="
    )
    with_port = url.replace(".com", ".com:1234")
    assert signature_valid(
        token="12345", url=with_port, params=form, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )
    assert not signature_valid(
        token="54321", url=url, params=form, signature="RSOYDt4T1cUTdK1PDd93/VVr8B8="
    )


# --- refusals: nothing written ----------------------------------------------------------------


@pytest.mark.parametrize(
    "signature",
    [
        "",  # missing
        "not-a-signature",
        _sign(_body("inbound_completed"), token="someone-elses-token"),
        # Twilio's signature of the genuine callback, on a body changed on the way.
        _sign(_body("inbound_completed", CallStatus="no-answer")),
    ],
    ids=["missing", "garbage", "wrong-token", "tampered-body"],
)
def test_bad_or_missing_signature_is_refused_and_nothing_is_written(deliver, signature) -> None:
    response = deliver("inbound_completed", signature=signature)
    assert response.status_code == 403
    assert InboundReceipt.objects.count() == 0
    assert Message.objects.count() == 0
    assert Identity.objects.count() == 0


def test_unset_auth_token_refuses_everything_and_says_so(deliver, settings, caplog) -> None:
    settings.TWILIO_AUTH_TOKEN = ""
    with caplog.at_level(logging.ERROR, logger="channels_inbox.webhooks.twilio"):
        response = deliver("inbound_completed", signature=_sign(_body("inbound_completed"), ""))
    assert response.status_code == 403
    assert "TWILIO_AUTH_TOKEN is not set" in caplog.text
    assert InboundReceipt.objects.count() == 0


def test_get_is_not_allowed() -> None:
    assert Client().get(URL).status_code == 405


def test_database_outage_answers_retryable(deliver, monkeypatch) -> None:
    from django.db import OperationalError

    from channels_inbox import services

    def down(**kwargs: Any) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(services, "phone_webhook_store", down)
    response = deliver("inbound_completed")
    assert response.status_code == 503
    assert response["Retry-After"] == "60"


# --- calls on the timeline ----------------------------------------------------------------------


def test_answered_call_lands_on_the_customer_who_wrote_the_number_differently(deliver) -> None:
    email = message_ingest(data=inbound("email", value="eva@example.com")).ticket
    # The customer once gave her number as "06 12345678"; Twilio reports +31612345678.
    identity_add(customer=email.customer, kind="phone", value="06 12345678")

    response = deliver("inbound_completed")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response/>" in response.content
    receipt = InboundReceipt.objects.get()
    assert (receipt.channel, receipt.provider, receipt.state) == ("phone", "twilio", "done")
    call = Message.objects.get(channel="phone")
    assert call.ticket_id == email.pk  # the same customer's open ticket, not a new one
    assert receipt.message_ids == [call.pk]
    assert call.author_customer_id == email.customer_id
    assert call.identity.value == "+31612345678"
    assert call.direction == Direction.INBOUND
    assert call.call_direction == CallDirection.INBOUND
    assert call.call_answered is True
    assert call.call_duration_seconds == 95
    assert call.provider_message_id == "CA9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c42"
    assert call.body_text == "Phone call (1 min 35 s)"
    assert call.sent_by_customer_at.isoformat() == "2026-03-02T14:03:45+00:00"
    assert call.meta["our_number"] == "+31201234567"
    email.refresh_from_db()
    assert email.latest_inbound_channel == "phone"
    assert email.unanswered_contacts == 2
    assert email.events.filter(kind=EventKind.JOINED, message=call).exists()
    assert not Todo.objects.exists()  # answered: nobody needs calling back


def test_missed_call_is_a_contact_with_one_call_back_to_do(deliver, api) -> None:
    # Twilio reports the call ringing first: kept, but it records nothing.
    assert deliver("inbound_ringing").status_code == 200
    ringing = InboundReceipt.objects.get()
    assert ringing.state == ReceiptState.IGNORED
    assert "ringing: not final" in ringing.error
    assert not Message.objects.exists()

    assert deliver("inbound_no_answer").status_code == 200
    ticket = Ticket.objects.get()
    missed = ticket.messages.get()
    assert (missed.call_direction, missed.call_answered) == ("inbound", False)
    assert missed.body_text == "Missed call: not answered"
    assert ticket.channel == "phone"
    assert ticket.subject == "Call from +31612345678"
    assert ticket.unanswered_contacts == 1  # a missed call is a contact moment
    assert ticket.last_inbound_at is not None
    assert ticket.events.filter(kind=EventKind.CALL_MISSED, message=missed).exists()
    todo = Todo.objects.get()
    assert (todo.ticket_id, todo.kind, todo.message_id) == (
        ticket.pk,
        TodoKind.CALL_BACK,
        missed.pk,
    )
    assert todo.text == "Call back +31612345678"

    # She tries again an hour later and the line is busy: chasing, but still one call-back.
    assert deliver("inbound_busy").status_code == 200
    ticket.refresh_from_db()
    assert ticket.messages.count() == 2
    assert ticket.unanswered_contacts == 2
    assert ticket.repeat_contacts == 1
    assert ticket.events.filter(kind=EventKind.CHASING).exists()
    todo.refresh_from_db()
    assert Todo.objects.count() == 1
    assert todo.text == "Call back +31612345678 (2 missed calls)"
    assert ticket.events.filter(kind=EventKind.CALL_MISSED).count() == 2

    listed = api.get(f"/api/v1/tickets/{ticket.pk}/todos/?open=true").json()["results"]
    assert [(t["id"], t["kind"], t["done_at"]) for t in listed] == [(todo.pk, "call_back", None)]


def test_the_same_call_is_recorded_once_however_often_twilio_calls_back(deliver) -> None:
    deliver("inbound_no_answer")
    # The very same request again (one receipt), then a retry Twilio stamped anew.
    deliver("inbound_no_answer")
    deliver("inbound_no_answer", SequenceNumber="3", Timestamp="Mon, 02 Mar 2026 09:15:09 +0000")
    assert InboundReceipt.objects.count() == 2
    assert Message.objects.count() == 1
    assert Todo.objects.count() == 1
    ticket = Ticket.objects.get()
    assert ticket.unanswered_contacts == 1
    retry = InboundReceipt.objects.order_by("id").last()
    assert retry.state == ReceiptState.DONE
    assert "already recorded" in retry.error
    assert retry.message_ids == [Message.objects.get().pk]


def test_answered_call_back_settles_the_to_do(deliver) -> None:
    deliver("inbound_no_answer")
    deliver("inbound_completed")  # she got through later the same day
    todo = Todo.objects.get()
    assert todo.done_at is not None
    assert todo.done_by is None
    assert todo.ticket.events.filter(kind=EventKind.TODO, text__startswith="to-do done").exists()


def test_outbound_call_is_ours_on_the_customers_open_ticket(deliver) -> None:
    deliver("inbound_no_answer")
    ticket = Ticket.objects.get()

    response = deliver("outbound_api_completed")

    assert response.status_code == 200
    call = Message.objects.get(provider_message_id="CA7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a25")
    assert call.ticket_id == ticket.pk
    assert call.direction == Direction.OUTBOUND
    assert (call.call_direction, call.call_answered, call.call_duration_seconds) == (
        "outbound",
        True,
        212,
    )
    assert call.author_user is None  # Twilio does not say which agent called
    assert call.meta["twilio_direction"] == "outbound-api"
    ticket.refresh_from_db()
    # An acknowledgement, not a human reply nobody can be credited with.
    assert ticket.first_ack_at is not None
    assert ticket.first_human_reply_at is None
    assert Todo.objects.get().done_at is not None  # we reached her: call-back settled
    # Twilio's retry of the same callback adds nothing.
    deliver("outbound_api_completed", SequenceNumber="4")
    assert Message.objects.filter(call_direction="outbound").count() == 1


def test_outbound_call_to_a_number_without_open_ticket_opens_nothing(deliver) -> None:
    customer_resolve(kind="phone", value="+31612345678")  # known, but nothing open

    assert deliver("outbound_api_completed").status_code == 200

    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.IGNORED
    assert "no open ticket" in receipt.error
    assert not Ticket.objects.exists()


def test_withheld_number_records_nothing(deliver) -> None:
    assert deliver("inbound_anonymous").status_code == 200
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.IGNORED
    assert "withheld" in receipt.error
    assert not Ticket.objects.exists()


def test_unreadable_callback_is_kept_as_failed(deliver) -> None:
    response = deliver("inbound_completed", Direction="sideways")
    assert response.status_code == 200  # signed by Twilio: stored, and the admins see why
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.FAILED
    assert "unknown call direction" in receipt.error


# --- through a real worker ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_missed_call_reaches_the_ticket_through_a_real_worker(process_on_worker) -> None:
    body = _body("inbound_no_answer")
    response = Client().post(URL, body, content_type=FORM, HTTP_X_TWILIO_SIGNATURE=_sign(body))
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.PENDING  # answered before anything was recorded

    process_on_worker(receipt)
    ticket = Ticket.objects.get()
    assert ticket.unanswered_contacts == 1
    assert Todo.objects.get(ticket=ticket).kind == TodoKind.CALL_BACK
