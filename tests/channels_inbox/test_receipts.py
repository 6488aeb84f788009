"""The receipt pipeline every channel uses (`channels_inbox.services.receipts`): outcomes,
the handler registry and its default, the receipt settling on its worst event, and the
stored request rebuilt for a provider's parser."""

from __future__ import annotations

import ast
import dataclasses
import hashlib
from pathlib import Path

import pytest

from channels_inbox.models import InboundReceipt, ReceiptState
from channels_inbox.services import receipts
from channels_inbox.services.receipts import (
    Outcome,
    receipt_handler_register,
    receipt_process,
    stored_request_replay,
)

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def handlers(monkeypatch):
    """A registry of our own for the test; the real one is restored afterwards."""
    registry: dict[str, receipts.ReceiptHandler] = {}
    monkeypatch.setattr(receipts, "_receipt_handlers", registry)
    return registry


def _receipt(channel: str = "fax", body: bytes = b"{}", **fields) -> InboundReceipt:
    return InboundReceipt.objects.create(
        channel=channel,
        provider=fields.pop("provider", "acme"),
        view=fields.pop("view", ""),
        path=fields.pop("path", "/webhooks/acme/"),
        body=body,
        body_sha256=hashlib.sha256(body).hexdigest(),
        size=len(body),
        **fields,
    )


# --- Outcome -------------------------------------------------------------------------------


def test_an_outcome_names_state_note_and_message() -> None:
    assert [f.name for f in dataclasses.fields(Outcome)] == ["state", "note", "message_id"]
    ignored = Outcome(ReceiptState.IGNORED)
    assert (ignored.state, ignored.note, ignored.message_id) == ("ignored", "", None)
    done = Outcome(ReceiptState.DONE, "duplicate", 42)
    assert done == Outcome(state="done", note="duplicate", message_id=42)


def test_an_outcome_cannot_be_changed_once_made() -> None:
    outcome = Outcome(ReceiptState.DONE, "", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        outcome.state = ReceiptState.FAILED


# --- the registry and the settling ---------------------------------------------------------


def test_a_receipt_settles_on_its_worst_event_with_every_note_and_message(handlers) -> None:
    receipt_handler_register(
        channel="fax",
        handler=lambda receipt: [
            Outcome(ReceiptState.DONE, "first page", 7),
            Outcome(ReceiptState.IGNORED),
            Outcome(ReceiptState.REJECTED, "page two too large"),
            Outcome(ReceiptState.DONE, "", 8),
        ],
    )
    receipt = receipt_process(receipt_id=_receipt().pk)
    assert receipt is not None
    receipt.refresh_from_db()
    assert receipt.state == ReceiptState.REJECTED
    assert receipt.error == "first page; page two too large"
    assert receipt.message_ids == [7, 8]
    assert receipt.attempts == 1
    assert receipt.processed_at is not None


def test_a_receipt_without_events_is_ignored(handlers) -> None:
    receipt_handler_register(channel="fax", handler=lambda receipt: [])
    receipt = receipt_process(receipt_id=_receipt().pk)
    assert receipt is not None
    assert receipt.state == ReceiptState.IGNORED


def test_a_channel_without_a_handler_is_processed_as_email(handlers) -> None:
    seen: list[int] = []

    def email(receipt: InboundReceipt) -> list[Outcome]:
        seen.append(receipt.pk)
        return [Outcome(ReceiptState.DONE, "read as email")]

    receipt_handler_register(channel="email", handler=email)
    stored = _receipt(channel="fax")
    receipt = receipt_process(receipt_id=stored.pk)
    assert seen == [stored.pk]
    assert receipt is not None
    assert (receipt.state, receipt.error) == (ReceiptState.DONE, "read as email")


def test_the_real_registry_sends_an_unknown_channel_to_the_email_handler() -> None:
    from channels_inbox.services.email import email_receipt_outcomes

    assert "fax" not in receipts._receipt_handlers
    assert receipts._receipt_handlers[receipts.DEFAULT_CHANNEL] is email_receipt_outcomes


def test_no_handler_at_all_fails_the_receipt_with_the_reason(handlers) -> None:
    receipt = receipt_process(receipt_id=_receipt(channel="fax").pk)
    assert receipt is not None
    assert (receipt.state, receipt.error) == (ReceiptState.FAILED, "no handler for fax receipts")


def test_a_handler_that_raises_fails_the_receipt_instead_of_the_task(handlers) -> None:
    def broken(receipt: InboundReceipt) -> list[Outcome]:
        raise KeyError("page")

    receipt_handler_register(channel="fax", handler=broken)
    receipt = receipt_process(receipt_id=_receipt().pk)
    assert receipt is not None
    assert receipt.state == ReceiptState.FAILED
    assert receipt.error == "unexpected error: KeyError('page')"


def test_a_settled_receipt_is_not_processed_again(handlers) -> None:
    calls: list[int] = []
    receipt_handler_register(
        channel="fax", handler=lambda receipt: calls.append(1) or [Outcome(ReceiptState.DONE)]
    )
    stored = _receipt()
    receipt_process(receipt_id=stored.pk)
    assert receipt_process(receipt_id=stored.pk) is None
    assert calls == [1]


# --- replaying the stored request ----------------------------------------------------------


def test_the_replay_rebuilds_path_query_body_and_headers(settings) -> None:
    settings.ALLOWED_HOSTS = ["help.example.com"]
    receipt = _receipt(
        body=b"subject=Hello&to=support%40example.com",
        path="/anymail/acme/inbound/?token=s%C3%A9cret&x=1&x=2",
        content_type="application/x-www-form-urlencoded",
        headers={"HTTP_HOST": "help.example.com", "HTTP_X_ACME_SIGNATURE": "sig-123"},
    )
    request = stored_request_replay(receipt=receipt)
    assert request.method == "POST"
    assert request.path == "/anymail/acme/inbound/"
    assert request.GET["token"] == "sécret"
    assert request.GET.getlist("x") == ["1", "2"]
    assert request.body == b"subject=Hello&to=support%40example.com"
    assert request.POST["to"] == "support@example.com"
    assert request.headers["X-Acme-Signature"] == "sig-123"
    assert request.content_type == "application/x-www-form-urlencoded"
    assert request.get_host() == "help.example.com"


def test_the_replay_reads_a_multipart_body_as_the_parser_would() -> None:
    body = (
        b"--XyZ\r\n"
        b'Content-Disposition: form-data; name="email"; filename="m.eml"\r\n'
        b"Content-Type: message/rfc822\r\n\r\n"
        b"From: a@example.com\r\n\r\nHi\r\n"
        b"--XyZ--\r\n"
    )
    receipt = _receipt(body=body, content_type="multipart/form-data; boundary=XyZ", headers={})
    request = stored_request_replay(receipt=receipt)
    upload = request.FILES["email"]
    assert upload.read() == b"From: a@example.com\r\n\r\nHi"
    assert request.path == "/webhooks/acme/"
    assert request.GET.dict() == {}


def test_headers_kept_with_a_receipt_replay_as_they_came() -> None:
    original = stored_request_replay(
        receipt=_receipt(
            body=b"{}",
            content_type="application/json",
            headers={
                "HTTP_X_REQUEST_ID": "r-1",
                "HTTP_AUTHORIZATION": "Basic c2VjcmV0",
                "HTTP_COOKIE": "sessionid=abc",
            },
        )
    )
    kept = receipts.request_headers(original)
    # Credentials and cookies are never stored; everything else is, to be replayed.
    assert kept == {"HTTP_X_REQUEST_ID": "r-1"}
    replayed = stored_request_replay(receipt=_receipt(body=b"[]", headers=kept))
    assert replayed.headers["X-Request-Id"] == "r-1"
    assert "Authorization" not in replayed.headers


def test_no_application_code_imports_django_test() -> None:
    """Test tooling stays in tests: the replay builds its own request."""
    offenders = []
    for app in ("helpdesk", "customers", "tickets", "channels_inbox", "surveys"):
        for path in (ROOT / app).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                if any(n == "django.test" or n.startswith("django.test.") for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
