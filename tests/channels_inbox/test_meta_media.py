"""Files customers send on Meta's channels: copied into our storage while the links still work."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from django.test import Client

from tests.channels_inbox.meta_helpers import (
    CDN_IMAGE,
    GRAPH,
    JPEG,
    WA_DOWNLOAD,
    WA_MEDIA_ID,
    messages_of,
    only_ticket,
    sample,
)
from tickets.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meta_settings", "clock")]


def attachments_of(api, channel: str) -> list[dict[str, Any]]:
    (message,) = [m for m in messages_of(api, only_ticket(api, channel)["id"]) if m["attachments"]]
    return message["attachments"]


def test_a_messenger_photo_is_copied_from_the_cdn_without_our_token(
    api, social, post, files
) -> None:
    cdn = files.get(CDN_IMAGE).respond(200, content=JPEG, headers={"content-type": "image/jpeg"})
    assert post(sample("messenger_attachment.json")).status_code == 200

    [photo] = attachments_of(api, "facebook")
    assert (photo["filename"], photo["content_type"], photo["size"]) == (
        "432158_doos_kapot_n.jpg",
        "image/jpeg",
        len(JPEG),
    )
    download = api.get(photo["url"])
    assert download.getvalue() == JPEG
    assert download["Content-Disposition"] == 'attachment; filename="432158_doos_kapot_n.jpg"'
    assert download["Content-Security-Policy"] == "sandbox"
    assert Client().get(photo["url"]).status_code in (401, 403)  # customers' files: agents only
    assert api.get("/api/v1/attachments/999999/").status_code == 404
    assert "authorization" not in cdn.calls.last.request.headers
    # Delivered again by Meta: nothing fetched twice.
    assert post(sample("messenger_attachment.json")).status_code == 200
    assert cdn.call_count == 1


def test_a_whatsapp_photo_is_resolved_and_fetched_with_the_numbers_token(
    api, social, post, files
) -> None:
    lookup = files.get(f"{GRAPH}/{WA_MEDIA_ID}").respond(
        200, json={"url": WA_DOWNLOAD, "mime_type": "image/jpeg", "id": WA_MEDIA_ID}
    )
    download = files.get(WA_DOWNLOAD).respond(200, content=JPEG)
    assert post(sample("whatsapp_image.json")).status_code == 200

    [photo] = attachments_of(api, "whatsapp")
    assert (photo["filename"], photo["content_type"]) == ("image.jpg", "image/jpeg")
    for route in (lookup, download):
        assert route.calls.last.request.headers["authorization"] == "Bearer token-whatsapp-secret"


def test_an_expired_link_is_named_on_the_message(api, social, post, files) -> None:
    files.get(CDN_IMAGE).respond(403)
    assert post(sample("messenger_attachment.json")).status_code == 200
    (message,) = messages_of(api, only_ticket(api, "facebook")["id"])
    assert message["attachments"] == []
    assert message["omitted_attachments"] == ["image: the file server answered 403"]
    # The link stays in the text, for what it is still worth.
    assert message["body_text"].startswith("[image] https://scontent.xx.fbcdn.net/")


def test_a_file_over_the_limit_is_named_not_stored(api, social, post, files, settings) -> None:
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 1000
    files.get(f"{GRAPH}/{WA_MEDIA_ID}").respond(200, json={"url": WA_DOWNLOAD})
    files.get(WA_DOWNLOAD).respond(200, content=JPEG)  # 2004 bytes
    assert post(sample("whatsapp_image.json")).status_code == 200
    image = Message.objects.get(body_text__startswith="Zo kwam")
    assert image.attachments.count() == 0
    assert image.meta["omitted_attachments"] == ["image: too large: 2.0 KB (limit 1.0 KB)"]


@pytest.fixture
def retries_inline():
    """Eager tasks retry inline (Celery re-applies them) only when errors do not propagate."""
    from helpdesk.celery import app

    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def test_a_cdn_hiccup_is_retried_and_the_file_stored_once(
    api, social, post, files, retries_inline
) -> None:
    cdn = files.get(CDN_IMAGE)
    cdn.side_effect = [
        httpx.Response(503),
        httpx.ConnectTimeout("slow"),
        httpx.Response(200, content=JPEG, headers={"content-type": "image/jpeg"}),
    ]
    assert post(sample("messenger_attachment.json")).status_code == 200
    assert cdn.call_count == 3
    assert [a["size"] for a in attachments_of(api, "facebook")] == [len(JPEG)]


def test_a_cdn_that_never_recovers_is_given_up_and_named(
    api, social, post, files, retries_inline
) -> None:
    cdn = files.get(CDN_IMAGE).respond(502)
    assert post(sample("messenger_attachment.json")).status_code == 200
    assert cdn.call_count == 6  # the first try and five retries
    (message,) = messages_of(api, only_ticket(api, "facebook")["id"])
    assert message["omitted_attachments"] == ["image: gave up: the file server answered 502"]
