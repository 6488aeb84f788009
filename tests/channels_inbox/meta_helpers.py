"""Shared by the Meta tests (test_meta_webhook, test_messenger, test_instagram, test_whatsapp,
test_meta_media): Meta's sample ids, the published payloads under fixtures/meta/, signing,
and reading tickets back through the REST API. Their fixtures live in conftest.py."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent / "fixtures" / "meta"
APP_SECRET = "meta-app-secret-test"
VERIFY_TOKEN = "verify-me-please"
GRAPH = "https://graph.meta.test/v21.0"
PAGE_ID = "106123456789012"
PSID = "6021786424563207"
IG_ID = "17841405822304914"
WA_NUMBER_ID = "106540352242922"
# Meta's sample timestamps: 2026-06-16 08:00 UTC. Tests run half a minute later.
SAMPLE_TIME = datetime(2026, 6, 16, 8, 0, 30, tzinfo=UTC)
REPLY_MID = "m_reply_1458668856218:ed81099e15d3f4f233"
WA_REPLY_ID = "wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"

# Files customers send: a Messenger CDN link, a WhatsApp media id and its download URL.
CDN_IMAGE = "https://scontent.xx.fbcdn.net/v/t1.15752-9/432158_doos_kapot_n.jpg?_nc_cat=1&oh=00_AfB1&oe=6A1C2F3B"
WA_MEDIA_ID = "1003383421387256"
WA_DOWNLOAD = f"https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid={WA_MEDIA_ID}"
JPEG = b"\xff\xd8\xff\xe0" + b"doos" * 500


def sample(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def only_ticket(api, channel: str) -> dict[str, Any]:
    tickets = api.get(f"/api/v1/tickets/?channel={channel}").json()["results"]
    assert len(tickets) == 1, tickets
    return tickets[0]


def messages_of(api, ticket_id: int) -> list[dict[str, Any]]:
    return api.get(f"/api/v1/tickets/{ticket_id}/messages/").json()["results"]


def reply(api, ticket_id: int, capture, **data: Any):
    with capture(execute=True):
        return api.post(
            f"/api/v1/tickets/{ticket_id}/messages/", {"kind": "reply", **data}, format="json"
        )
