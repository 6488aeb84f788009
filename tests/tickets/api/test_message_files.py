"""POST /api/v1/tickets/<id>/messages/ as multipart/form-data: files on a reply (sent with the
mail) or a note, names cleaned like inbound ones, the limits refused before anything is
stored, and JSON unchanged."""

from __future__ import annotations

import pytest
import yaml
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import inbound
from tickets.models import Attachment, Direction, Message, Ticket
from tickets.services import message_ingest

pytestmark = pytest.mark.django_db


@pytest.fixture
def email_ticket() -> Ticket:
    return message_ingest(data=inbound("email", value="lotte@example.nl")).ticket


def _url(ticket: Ticket) -> str:
    return f"/api/v1/tickets/{ticket.pk}/messages/"


def _file(name: str, content: bytes = b"%PDF-1.4 hello", kind: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=kind)


def test_a_reply_with_files_goes_out_by_email_with_them(
    api, email_ticket, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(
            _url(email_ticket),
            {
                "kind": "reply",
                "body_text": "Your invoice and the map are attached.",
                "files": [_file("invoice.pdf"), _file("map.png", b"\x89PNG", "image/png")],
            },
            format="multipart",
        )
    assert response.status_code == 201, response.content
    body = response.json()
    assert [(a["filename"], a["size"]) for a in body["attachments"]] == [
        ("invoice.pdf", 14),
        ("map.png", 4),
    ]
    assert Message.objects.get(pk=body["id"]).delivery_state == "sent"
    [sent] = mail.outbox
    assert sent.to == ["lotte@example.nl"]
    assert [(name, content) for name, content, _ in sent.attachments] == [
        ("invoice.pdf", b"%PDF-1.4 hello"),
        ("map.png", b"\x89PNG"),
    ]


def test_file_names_are_cleaned_and_never_reach_a_path(api, email_ticket) -> None:
    response = api.post(
        _url(email_ticket),
        {"kind": "note", "body_text": "From the customer's USB stick", "files": [_file("x.pdf")]},
        format="multipart",
    )
    assert response.status_code == 201
    # The test client cannot send a path or a control character in a part's filename
    # (Django's parser already drops the directories), so the service is asked directly
    # with what a hostile client could put there.
    from tickets.services import InboundAttachment, note_add

    note = note_add(
        ticket=email_ticket,
        author=None,
        body_text="names",
        attachments=[InboundAttachment(filename="../../etc/pass\u202ewd\x00.txt", content=b"x")],
    )
    stored = note.attachments.get()
    assert stored.filename == "passwd.txt"
    assert stored.file.name.startswith(f"attachments/{email_ticket.pk}/{note.pk}/")
    assert "pass" not in stored.file.name


def test_a_note_keeps_its_files_and_sends_nothing(api, email_ticket) -> None:
    response = api.post(
        _url(email_ticket),
        {"kind": "note", "body_text": "Screenshot of the error", "files": [_file("shot.png")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    note = Message.objects.get(pk=response.json()["id"])
    assert note.direction == Direction.NOTE
    assert [a.filename for a in note.attachments.all()] == ["shot.png"]
    assert mail.outbox == []


def test_files_on_a_whatsapp_reply_are_refused(api) -> None:
    ticket = message_ingest(data=inbound("whatsapp", value="31612345678")).ticket
    response = api.post(
        _url(ticket),
        {"kind": "reply", "body_text": "Here you go", "files": [_file("a.pdf")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == (
        "files cannot be sent on WhatsApp: reply by email or add them to a note"
    )
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).exists()
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_refused_before_anything_is_stored(
    api, email_ticket, settings
) -> None:
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10
    response = api.post(
        _url(email_ticket),
        {"kind": "reply", "body_text": "Big one", "files": [_file("big.pdf", b"x" * 11)]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json() == {"files": ["big.pdf is larger than the 10 bytes a file may be"]}
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_the_service_refuses_an_oversized_file_too(email_ticket, settings) -> None:
    # A caller that skips the API's early check (the desk, a script) meets the same limit.
    from tickets.services import InboundAttachment, TicketError, reply_create

    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 2 * 2**20
    big = InboundAttachment(filename="big.bin", content=b"x" * (2 * 2**20 + 1))
    with pytest.raises(TicketError, match=r"big\.bin is larger than the 2\.0 MB a file may be"):
        reply_create(ticket=email_ticket, author=None, body_text="x", attachments=[big])


def test_at_most_ten_files(api, email_ticket) -> None:
    files = [_file(f"f{n}.pdf") for n in range(11)]
    response = api.post(
        _url(email_ticket),
        {"kind": "note", "body_text": "Many", "files": files},
        format="multipart",
    )
    assert response.status_code == 400
    assert "files" in response.json()
    assert not Attachment.objects.exists()


def test_json_keeps_working_and_cannot_smuggle_files(api, email_ticket) -> None:
    plain = api.post(_url(email_ticket), {"kind": "reply", "body_text": "Hello"}, format="json")
    assert plain.status_code == 201, plain.content
    assert plain.json()["attachments"] == []
    smuggled = api.post(
        _url(email_ticket),
        {"kind": "reply", "body_text": "Hello", "files": ["/etc/passwd"]},
        format="json",
    )
    assert smuggled.status_code == 400
    assert "files" in smuggled.json()


def test_multipart_without_files_and_with_a_template(api) -> None:
    ticket = message_ingest(data=inbound("whatsapp", value="31612345678")).ticket
    response = api.post(
        _url(ticket),
        {
            "kind": "reply",
            "channel": "whatsapp",
            "template.name": "order_update",
            "template.language": "nl",
        },
        format="multipart",
    )
    assert response.status_code == 201, response.content
    assert response.json()["body_text"] == "WhatsApp template order_update (nl)"


def test_the_schema_documents_files_for_multipart_only(api) -> None:
    schema = yaml.safe_load(api.get("/api/schema/").content)
    body = schema["paths"]["/api/v1/tickets/{ticket_pk}/messages/"]["post"]["requestBody"]
    content = body["content"]
    assert content["application/json"]["schema"]["$ref"].endswith("/MessageCreateRequest")
    upload = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    files = schema["components"]["schemas"][upload]["properties"]["files"]
    assert files["items"] == {"type": "string", "format": "binary"}
    assert files["maxItems"] == 10
    assert "files" not in schema["components"]["schemas"]["MessageCreateRequest"]["properties"]
