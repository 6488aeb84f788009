"""Customer A against customer B on the request pages: by URL, by a form posted with B's
request number, by B's attachment id or a guessed one, A sees nothing of B's and stores
nothing on B's requests (a 404 each, the same as for a number that does not exist). An
internal note's files are never the customer's to download; anonymous visitors sign in."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tickets.models import Attachment, Message, Status, Ticket
from tickets.services import InboundAttachment, note_add, reply_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(ask, make_agent):
    """Eva (A) and Sam (B), each with a request carrying a file from them and one from us,
    and an internal note with a file on Eva's."""
    secret = [InboundAttachment(filename="sams-passport.pdf", content=b"SAM-SECRET")]
    sam = ask("sam@example.com", "Sam's order", body_text="Sam's private words", attachments=secret)
    eva = ask(
        "eva@example.com",
        "Eva's order",
        attachments=[InboundAttachment(filename="eva.pdf", content=b"EVA")],
    )
    anna = make_agent("anna")
    sams, evas = sam.tickets.get(), eva.tickets.get()
    reply_create(
        ticket=sams,
        author=anna,
        body_text="Your refund",
        attachments=[InboundAttachment(filename="sam-refund.pdf", content=b"SAM-REFUND")],
    )
    note_add(
        ticket=evas,
        author=anna,
        body_text="Internal: checked her account",
        attachments=[InboundAttachment(filename="internal-audit.xlsx", content=b"AUDIT")],
    )
    return eva, sam, evas, sams


def _reply(body: str = "Let me in") -> dict:
    return {
        "body": body,
        "form_id": str(uuid.uuid4()),
        "attachments": [SimpleUploadedFile("x.pdf", b"X", content_type="application/pdf")],
    }


def test_a_cannot_see_bs_request(customer_client, two) -> None:
    eva, _sam, _evas, sams = two
    client = customer_client(eva)
    response = client.get(f"/support/requests/{sams.pk}/")
    assert response.status_code == 404
    assert "Sam" not in response.content.decode()
    listing = client.get("/support/").content.decode()
    assert "Sam's order" not in listing
    assert f"/support/requests/{sams.pk}/" not in listing


def test_a_cannot_reply_to_bs_request(customer_client, two) -> None:
    eva, _sam, _evas, sams = two
    messages, files = Message.objects.count(), Attachment.objects.count()
    before = Ticket.objects.values().get(pk=sams.pk)
    response = customer_client(eva).post(f"/support/requests/{sams.pk}/reply/", _reply())
    assert response.status_code == 404
    assert (Message.objects.count(), Attachment.objects.count()) == (messages, files)
    assert Ticket.objects.values().get(pk=sams.pk) == before


def test_a_cannot_reply_to_bs_closed_request_to_get_a_follow_up(customer_client, two) -> None:
    eva, _sam, _evas, sams = two
    Ticket.objects.filter(pk=sams.pk).update(status=Status.CLOSED)
    tickets = Ticket.objects.count()
    response = customer_client(eva).post(f"/support/requests/{sams.pk}/reply/", _reply())
    assert response.status_code == 404
    assert Ticket.objects.count() == tickets


@pytest.mark.parametrize("guess", [0, 999_999, 2**31 - 1])
def test_guessed_request_numbers_are_404(customer_client, two, guess: int) -> None:
    eva, *_ = two
    client = customer_client(eva)
    messages = Message.objects.count()
    assert client.get(f"/support/requests/{guess}/").status_code == 404
    assert client.post(f"/support/requests/{guess}/reply/", _reply()).status_code == 404
    assert Message.objects.count() == messages


def test_a_cannot_download_bs_files(customer_client, two) -> None:
    eva, _sam, _evas, sams = two
    client = customer_client(eva)
    for attachment in Attachment.objects.filter(message__ticket=sams):
        response = client.get(f"/support/attachments/{attachment.pk}/")
        assert response.status_code == 404
        assert b"SAM" not in response.content


def test_guessed_attachment_ids_are_404(customer_client, two) -> None:
    eva, *_ = two
    client = customer_client(eva)
    highest = Attachment.objects.order_by("-pk").first().pk
    for guess in (0, highest + 1, highest + 1000):
        assert client.get(f"/support/attachments/{guess}/").status_code == 404


def test_an_internal_notes_file_is_never_the_customers(customer_client, two) -> None:
    eva, _sam, evas, _sams = two
    client = customer_client(eva)
    note_file = Attachment.objects.get(filename="internal-audit.xlsx")
    assert note_file.message.ticket_id == evas.pk  # on Eva's own request
    assert client.get(f"/support/attachments/{note_file.pk}/").status_code == 404
    page = client.get(f"/support/requests/{evas.pk}/").content.decode()
    assert "internal-audit" not in page
    assert f"/support/attachments/{note_file.pk}/" not in page
    # Her own file on the same request is hers.
    own = Attachment.objects.get(filename="eva.pdf")
    response = client.get(f"/support/attachments/{own.pk}/")
    assert b"".join(response.streaming_content) == b"EVA"


def test_b_reads_their_own_files(customer_client, two) -> None:
    _eva, sam, _evas, sams = two
    client = customer_client(sam)
    page = client.get(f"/support/requests/{sams.pk}/").content.decode()
    for attachment in Attachment.objects.filter(message__ticket=sams):
        assert f"/support/attachments/{attachment.pk}/" in page
        assert client.get(f"/support/attachments/{attachment.pk}/").status_code == 200


def test_a_request_merged_into_someone_elses_is_a_404_not_a_redirect(customer_client, two):
    """Merges never cross customers, but a row that says so must not lead A to B's number."""
    eva, _sam, evas, sams = two
    Ticket.objects.filter(pk=evas.pk).update(merged_into=sams, status=Status.CLOSED)
    response = customer_client(eva).get(f"/support/requests/{evas.pk}/")
    assert response.status_code == 404
    assert str(sams.pk) not in response.get("Location", "")


def test_bs_merged_request_is_a_404_for_a(customer_client, two, ask) -> None:
    eva, sam, _evas, sams = two
    Ticket.objects.filter(pk=sams.pk).update(status=Status.SOLVED)
    newer = ask("sam@example.com", "Sam again").tickets.exclude(pk=sams.pk).get()
    Ticket.objects.filter(pk=sams.pk).update(merged_into=newer, status=Status.CLOSED)
    client = customer_client(eva)
    assert client.get(f"/support/requests/{sams.pk}/").status_code == 404
    assert customer_client(sam).get(f"/support/requests/{sams.pk}/").status_code == 302


def test_anonymous_visitors_are_sent_to_sign_in_and_store_nothing(client, two) -> None:
    _eva, _sam, evas, _sams = two
    messages = Message.objects.count()
    own = Attachment.objects.get(filename="eva.pdf")
    for response in (
        client.get(f"/support/requests/{evas.pk}/"),
        client.post(f"/support/requests/{evas.pk}/reply/", _reply()),
        client.get(f"/support/attachments/{own.pk}/"),
    ):
        assert response.status_code == 302
        assert response.url == "/support/signin/"
    assert Message.objects.count() == messages


def test_a_staff_session_cannot_download_through_the_portal(client, two, make_agent) -> None:
    client.force_login(make_agent("bo"))
    own = Attachment.objects.get(filename="eva.pdf")
    assert client.get(f"/support/attachments/{own.pk}/").url == "/support/signin/"
