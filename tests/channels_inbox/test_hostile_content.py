"""A message is never lost to its content (issue 10): NUL characters and lone surrogates
(which PostgreSQL refuses) are cleaned at the edge and the message says so; hostile
attachment names are stored under generated names; no positioning styles survive in email
HTML. Each through the interface a customer's message arrives by: ESP webhook, signed Meta
webhook, chat websocket — and found again through the REST API."""

from __future__ import annotations

import base64
import json
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import respx
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import Client

from channels_inbox.models import ChatConversation, ChatWidget, InboundReceipt, ReceiptState
from customers.models import Customer
from helpdesk.asgi import application
from tickets.models import Attachment, Message

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "anymail:hook-secret-1"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}
NUL = "\x00"

pytestmark = pytest.mark.filterwarnings("ignore::anymail.exceptions.AnymailNotSupportedWarning")


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.META_APP_SECRET = "meta-app-secret-test"
    settings.META_VERIFY_TOKEN = "verify-me"
    settings.META_GRAPH_URL = "https://graph.meta.test/v21.0"


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """POST a webhook and run what it enqueued after commit, as the worker would."""

    def post(path: str, body: bytes, content_type: str, **extra: Any):
        with django_capture_on_commit_callbacks(execute=True):
            return Client().generic("POST", path, body, content_type=content_type, **extra)

    return post


def _postmark(**changes: Any) -> bytes:
    payload = json.loads((FIXTURES / "postmark" / "inbound.json").read_text())
    payload.update(changes)
    return json.dumps(payload).encode()


def _post_postmark(deliver, body: bytes) -> None:
    response = deliver("/anymail/postmark/inbound/", body, "application/json", **AUTH)
    assert response.status_code == 200, response.content
    receipt = InboundReceipt.objects.order_by("-pk").first()
    assert receipt is not None
    assert receipt.state == ReceiptState.DONE, receipt.error


def _only_message(api, channel: str) -> tuple[dict[str, Any], dict[str, Any]]:
    tickets = api.get(f"/api/v1/tickets/?channel={channel}").json()["results"]
    assert len(tickets) == 1, tickets
    (message,) = api.get(f"/api/v1/tickets/{tickets[0]['id']}/messages/").json()["results"]
    return tickets[0], message


def _no_bad_characters(*values: str) -> None:
    for value in values:
        assert NUL not in value
        assert not re.search("[\ud800-\udfff]", value), repr(value)


# --- 1. NUL and lone surrogates ------------------------------------------------------------


@pytest.mark.django_db
def test_an_email_with_nul_characters_everywhere_is_kept_clean_and_flagged(api, deliver) -> None:
    body = _postmark(
        Subject=f"Zam{NUL}ówienie 48213",
        FromName=f"Zofia{NUL} Wójcik",
        FromFull={"Email": "zofia.wojcik@example.pl", "Name": f"Zofia{NUL} Wójcik"},
        TextBody=f"Dzień dobry,{NUL}\n\npaczka nie dotarła.{NUL}{NUL}",
        HtmlBody=f"<p>Dzień dobry,{NUL}</p><p>paczka{NUL} nie dotarła.</p>",
    )
    _post_postmark(deliver, body)
    ticket, message = _only_message(api, "email")
    _no_bad_characters(
        ticket["subject"],
        ticket["customer"]["name"],
        message["subject"],
        message["body_text"],
        message["body_html"],
    )
    assert ticket["subject"] == "Zamówienie 48213"
    assert ticket["customer"]["name"] == "Zofia Wójcik"
    assert "paczka nie dotarła." in message["body_text"]
    assert "nie dotarła" in message["body_html"]
    assert message["cleaned"]["subject"] == {"U+0000": 1}
    assert message["cleaned"]["body_text"]["U+0000"] >= 1
    assert message["attachments"][0]["filename"] == "potwierdzenie.pdf"


@pytest.mark.django_db
def test_a_clean_email_is_not_flagged(api, deliver) -> None:
    _post_postmark(deliver, _postmark())
    _ticket, message = _only_message(api, "email")
    assert message["cleaned"] == {}


@pytest.fixture
def social():
    from channels_inbox.models import SocialAccount
    from tickets.models import Team

    team = Team.objects.create(name="Social")
    for platform, external_id in (("facebook", "106123456789012"), ("whatsapp", "106540352242922")):
        SocialAccount.objects.create(
            platform=platform,
            external_id=external_id,
            name=f"Shop on {platform}",
            access_token=f"token-{platform}",
            team=team,
        )
    return team


@pytest.fixture
def meta_post(django_capture_on_commit_callbacks, settings):
    import hashlib
    import hmac

    def send(payload: dict[str, Any]):
        # Meta escapes non-ASCII as \\uXXXX, so a lone surrogate travels as valid JSON text.
        body = json.dumps(payload).encode()
        digest = hmac.new(settings.META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(
                "/webhooks/meta/",
                body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=f"sha256={digest}",
            )
        assert response.status_code == 200, response.content
        receipt = InboundReceipt.objects.order_by("-pk").first()
        assert receipt is not None
        assert receipt.state == ReceiptState.DONE, receipt.error
        return receipt

    return send


def _meta_sample(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / "meta" / name).read_text())


@pytest.mark.django_db
def test_whatsapp_text_and_profile_name_with_nul_are_kept_clean(api, social, meta_post) -> None:
    payload = _meta_sample("whatsapp_text.json")
    value = payload["entry"][0]["changes"][0]["value"]
    value["contacts"][0]["profile"]["name"] = f"Sanne{NUL} de Vries\ud800"
    value["messages"][0]["text"]["body"] = f"Mijn pakket{NUL} is beschadigd.\udc00"
    meta_post(payload)
    ticket, message = _only_message(api, "whatsapp")
    _no_bad_characters(ticket["customer"]["name"], message["body_text"], ticket["subject"])
    assert ticket["customer"]["name"] == "Sanne de Vries\ufffd"
    assert message["body_text"] == "Mijn pakket is beschadigd.\ufffd"
    assert message["cleaned"]["body_text"] == {"U+0000": 1, "U+DC00": 1}
    assert message["cleaned"]["customer_name"] == {"U+0000": 1, "U+D800": 1}


@pytest.mark.django_db
def test_messenger_text_and_quick_reply_with_nul_are_kept_clean(api, social, meta_post) -> None:
    payload = _meta_sample("messenger_text.json")
    message_in = payload["entry"][0]["messaging"][0]["message"]
    message_in["text"] = f"Hoi!{NUL} Waar blijft 51877?"
    # Kept in Message.meta (jsonb refuses \u0000 as well).
    message_in["reply_to"] = {"mid": f"m_earlier{NUL}"}
    meta_post(payload)
    _ticket, message = _only_message(api, "facebook")
    assert message["body_text"] == "Hoi! Waar blijft 51877?"
    assert message["cleaned"]["body_text"] == {"U+0000": 1}
    stored = Message.objects.get(pk=message["id"])
    assert stored.meta["reply_to"] == "m_earlier"
    assert stored.meta["cleaned"]["meta"] == {"U+0000": 1}


# --- chat ----------------------------------------------------------------------------------

SHOP = "https://www.shop.test"


def _visitor() -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        "/ws/chat/shop/",
        headers=[(b"host", b"127.0.0.1"), (b"origin", SHOP.encode())],
    )


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_chat_message_and_name_with_nul_are_acknowledged_and_stored(api) -> None:
    await sync_to_async(cache.clear)()
    await sync_to_async(ChatWidget.objects.create)(name="Shop", key="shop", allowed_origins=[SHOP])
    socket = _visitor()
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "hello", "name": f"Ada{NUL} Lovelace", "language": "en"})
    session = await socket.receive_json_from(timeout=5)
    assert session["type"] == "session", session
    await socket.send_json_to({"type": "message", "id": "c-1", "text": f"Hallo{NUL} daar\ud800"})
    ack = await socket.receive_json_from(timeout=5)
    assert ack["type"] == "ack", ack
    assert ack["id"] == "c-1"
    # The socket is still open and answering.
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from(timeout=5) == {"type": "pong"}
    await socket.disconnect()

    conversation = await sync_to_async(ChatConversation.objects.get)()
    assert conversation.visitor_name == "Ada Lovelace"
    ticket, message = await sync_to_async(_only_message)(api, "chat")
    assert message["id"] == ack["message"]
    assert message["body_text"] == "Hallo daar\ufffd"
    assert message["cleaned"]["body_text"] == {"U+0000": 1, "U+D800": 1}
    assert ticket["customer"]["name"] == "Ada Lovelace"


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_chat_token_with_nul_starts_a_new_conversation() -> None:
    await sync_to_async(cache.clear)()
    await sync_to_async(ChatWidget.objects.create)(name="Shop", key="shop", allowed_origins=[SHOP])
    socket = _visitor()
    connected, _ = await socket.connect()
    assert connected
    await socket.send_json_to({"type": "hello", "token": f"abc{NUL}def"})
    session = await socket.receive_json_from(timeout=5)
    assert session["type"] == "session", session
    assert session["resumed"] is False
    await socket.disconnect()


# --- 2. hostile attachment names -----------------------------------------------------------

HOSTILE_NAMES = [
    "..",
    "../../x.txt",
    "a/../../b.txt",
    "con.txt\x00.html",
    "C:\\Windows\\system32\\evil.txt",
    "bell\x07\x1b[31mred.txt",
    "/etc/passwd",
    "x" * 400 + ".pdf",
    "\u202egnp.exe",
]


def _pdf(name: str, index: int) -> dict[str, Any]:
    content = f"%PDF-1.4 file {index}".encode()
    return {
        "Name": name,
        "Content": base64.b64encode(content).decode(),
        "ContentType": "application/pdf",
        "ContentLength": len(content),
    }


@pytest.mark.django_db
def test_hostile_attachment_names_are_stored_safely_and_the_email_kept(
    api, deliver, settings
) -> None:
    attachments = [_pdf(name, i) for i, name in enumerate(HOSTILE_NAMES)]
    _post_postmark(deliver, _postmark(Attachments=attachments))
    _ticket, message = _only_message(api, "email")
    assert "zamówienie 48213" in message["body_text"]
    stored = message["attachments"]
    assert len(stored) == len(HOSTILE_NAMES)
    media = Path(settings.MEDIA_ROOT).resolve()
    for index, item in enumerate(stored):
        name = item["filename"]
        assert name, item
        assert "/" not in name, name
        assert "\\" not in name, name
        assert not re.search(r"[\x00-\x1f\x7f\u202e]", name), repr(name)
        assert name not in (".", ".."), name
        assert len(name) <= 255
        row = Attachment.objects.get(pk=item["id"])
        # On disk under the message's folder, under a generated name.
        path = Path(row.file.path).resolve()
        assert path.is_relative_to(media / "attachments"), path
        assert path.parent.name == str(row.message_id)
        download = api.get(item["url"])
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == f"%PDF-1.4 file {index}".encode()
        disposition = download["Content-Disposition"]
        assert disposition.startswith("attachment; filename")
        assert "/" not in disposition
        assert "\\" not in disposition.replace('\\"', "")
        assert ".." not in disposition.split("filename", 1)[1].replace("...", "")
    names = [item["filename"] for item in stored]
    assert names[1] == "x.txt"
    assert names[2] == "b.txt"
    assert names[4] == "evil.txt"
    assert names[7].endswith(".pdf")
    assert len(names[7]) <= 255


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("..", "attachment"),
        ("", "attachment"),
        ("../../x.txt", "x.txt"),
        ("a/../../b.txt", "b.txt"),
        ("con.txt\x00.html", "con.txt.html"),
        ("bell\x07.txt", "bell.txt"),
        ("  .hidden  ", "hidden"),
        ("rapport.pdf", "rapport.pdf"),
        ("Zamówienie 48213.pdf", "Zamówienie 48213.pdf"),
    ],
)
def test_attachment_display_names(name: str, expected: str) -> None:
    from tickets.text import attachment_display_name

    assert attachment_display_name(name) == expected


def test_a_long_display_name_keeps_its_extension() -> None:
    from tickets.text import attachment_display_name

    name = attachment_display_name("ä" * 600 + ".docx")
    assert len(name) <= 255
    assert name.endswith(".docx")


WA_MEDIA_ID = "1003383421387256"
WA_DOWNLOAD = f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={WA_MEDIA_ID}"


@pytest.mark.django_db
def test_a_whatsapp_document_with_a_hostile_name_is_stored_safely(
    api, social, meta_post, settings
) -> None:
    payload = _meta_sample("whatsapp_image.json")
    message_in = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    message_in["type"] = "document"
    message_in["document"] = {
        "filename": "../../../etc/cron.d/evil\x00.sh",
        "mime_type": "application/pdf",
        "id": WA_MEDIA_ID,
    }
    del message_in["image"]
    with respx.mock(assert_all_called=False) as files:
        files.get(f"{settings.META_GRAPH_URL}/{WA_MEDIA_ID}").respond(
            200, json={"url": WA_DOWNLOAD}
        )
        files.get(WA_DOWNLOAD).respond(200, content=b"%PDF-1.4 doc")
        meta_post(payload)
    _ticket, message = _only_message(api, "whatsapp")
    (item,) = message["attachments"]
    assert item["filename"] == "evil.sh"
    row = Attachment.objects.get(pk=item["id"])
    assert Path(row.file.path).resolve().is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert b"".join(api.get(item["url"]).streaming_content) == b"%PDF-1.4 doc"


# --- 3. no positioning styles in email HTML ------------------------------------------------

OVERLAY = (
    '<div style="position:fixed; top:0; left:0; width:100%; height:100%; z-index:9999; '
    'background-color:#fff">Your session expired, <a href="https://phish.example">log in</a>'
    '</div><p style="color: red; font-weight: bold; text-align: center; margin-top: -500px; '
    'POSITION : absolute">Dzień dobry</p>'
)


@pytest.mark.django_db
def test_an_overlay_in_email_html_loses_its_positioning(api, deliver) -> None:
    _post_postmark(deliver, _postmark(HtmlBody=OVERLAY))
    _ticket, message = _only_message(api, "email")
    html = message["body_html"].lower()
    for forbidden in ("position", "z-index", "top:", "left:", "height", "margin"):
        assert forbidden not in html, (forbidden, html)
    # Harmless presentation stays.
    assert "color:red" in html.replace(" ", "")
    assert "font-weight:bold" in html.replace(" ", "")
    assert "Dzień dobry" in message["body_html"]


@pytest.mark.django_db
def test_raw_mime_with_nul_in_subject_and_attachment_name_is_kept(api, deliver) -> None:
    mail = EmailMessage()
    mail["From"] = "Piet <piet@example.nl>"
    mail["To"] = "support@helpdesk.localhost"
    mail["Subject"] = "Retour"
    mail["Message-ID"] = "<raw-nul-1@example.nl>"
    mail.set_content(f"Hallo{NUL} daar")
    mail.add_attachment(b"data", maintype="text", subtype="plain", filename="../../../a.txt")
    payload = {"RawEmail": mail.as_string(), "FromFull": {"Email": "piet@example.nl"}}
    _post_postmark(deliver, json.dumps(payload).encode())
    _ticket, message = _only_message(api, "email")
    assert message["body_text"] == "Hallo daar"
    assert [a["filename"] for a in message["attachments"]] == ["a.txt"]
    assert Customer.objects.get().name == "Piet"


@pytest.mark.django_db
def test_a_skipped_event_with_nul_in_its_note_still_settles_the_receipt(
    social, django_capture_on_commit_callbacks, settings
) -> None:
    import hashlib
    import hmac

    payload = _meta_sample("whatsapp_text.json")
    message_in = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    # A reaction is skipped with a note naming the sender: the note goes to receipt.error.
    message_in.update({"type": "reaction", "from": f"3161234{NUL}5678"})
    body = json.dumps(payload).encode()
    digest = hmac.new(settings.META_APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/webhooks/meta/",
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=f"sha256={digest}",
        )
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get()
    assert receipt.state == ReceiptState.IGNORED
    assert receipt.error == "WhatsApp reaction event from 31612345678"
