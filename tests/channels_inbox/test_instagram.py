"""Instagram messaging through the Meta webhook, replaying Meta's published payloads; replies to
a respx-faked Graph API with the account's own token."""

from __future__ import annotations

import json

import pytest

from tests.channels_inbox.meta_helpers import (
    messages_of,
    only_ticket,
    reply,
    sample,
)
from tickets.models import Message

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meta_settings", "clock")]


def test_instagram_sample_becomes_a_ticket(api, social, post) -> None:
    assert post(sample("instagram_text.json")).status_code == 200
    ticket = only_ticket(api, "instagram")
    (message,) = messages_of(api, ticket["id"])
    assert message["body_text"] == "Hi! Do you ship to the UK, and are returns free from there?"
    assert message["identity"]["value"] == "3489227674482931"
    assert Message.objects.get().meta["social_account"] == social[1]["instagram"].pk


def test_instagram_reply_uses_the_accounts_token(
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    route = graph.post("/me/messages").respond(
        200, json={"recipient_id": "3489227674482931", "message_id": "aWdfIGreplyX"}
    )
    post(sample("instagram_text.json"))
    ticket = only_ticket(api, "instagram")
    response = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Yes!")
    assert response.status_code == 201
    assert route.calls.last.request.headers["Authorization"] == "Bearer token-instagram-secret"
    assert json.loads(route.calls.last.request.content)["recipient"] == {"id": "3489227674482931"}
    assert Message.objects.get(pk=response.json()["id"]).provider_message_id == "aWdfIGreplyX"
