"""WhatsApp Cloud API through the Meta webhook, replaying Meta's published payloads: one customer
across phone and WhatsApp, the 24-hour window, approved templates and their refusals."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from customers.models import Customer, Identity
from tests.channels_inbox.meta_helpers import (
    GRAPH,
    JPEG,
    WA_DOWNLOAD,
    WA_MEDIA_ID,
    WA_NUMBER_ID,
    WA_REPLY_ID,
    messages_of,
    only_ticket,
    reply,
    sample,
)
from tests.factories import inbound
from tickets.models import DeliveryState, Message, Ticket
from tickets.services import message_ingest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("meta_settings", "clock")]


def test_whatsapp_from_a_number_that_called_joins_the_same_customer_and_ticket(
    api, social, post
) -> None:
    call = message_ingest(
        data=inbound(
            "phone",
            value="+31 6 12345678",
            call_direction="inbound",
            call_answered=False,
            body_text="",
        )
    )
    assert post(sample("whatsapp_text.json")).status_code == 200
    ticket = only_ticket(api, "phone")
    assert ticket["id"] == call.ticket.pk
    assert ticket["latest_inbound_channel"] == "whatsapp"
    # customers.customer_resolve names a customer only when found by the same identity kind.
    assert ticket["customer"]["id"] == call.ticket.customer_id
    messages = messages_of(api, ticket["id"])
    assert [m["channel"] for m in messages] == ["phone", "whatsapp"]
    assert messages[1]["identity"]["value"] == "+31612345678"
    assert messages[1]["body_text"].startswith("Ik belde net")
    kinds = Identity.objects.filter(customer_id=call.ticket.customer_id).values_list(
        "kind", "value"
    )
    assert sorted(kinds) == [("phone", "+31612345678"), ("whatsapp", "+31612345678")]
    assert Customer.objects.count() == 1
    # Two contacts without an answer.
    assert ticket["unanswered_contacts"] == 2


def test_whatsapp_image_and_button_reply(api, social, post, files) -> None:
    files.get(f"{GRAPH}/{WA_MEDIA_ID}").respond(200, json={"url": WA_DOWNLOAD})
    files.get(WA_DOWNLOAD).respond(200, content=JPEG)
    for name in ("whatsapp_text.json", "whatsapp_image.json", "whatsapp_button_reply.json"):
        assert post(sample(name)).status_code == 200, name
    ticket = only_ticket(api, "whatsapp")
    texts = [m["body_text"] for m in messages_of(api, ticket["id"])]
    assert texts[1:] == ["Zo kwam de doos binnen\n[image]", "Stuur een nieuwe"]
    image = Message.objects.get(body_text__startswith="Zo kwam")
    assert image.meta["media"] == {
        "id": "1003383421387256",
        "mime_type": "image/jpeg",
        "sha256": "ODVk4HGGx2k3z3xH7V3rVQ6u8Iy1oZ5m0aP1gkYJv5U=",
    }
    button = Message.objects.get(body_text="Stuur een nieuwe")
    assert button.meta["interactive"] == {"type": "button_reply", "id": "send-new-one"}
    assert button.meta["reply_to"].startswith("wamid.")


def test_ticket_detail_queries_are_pinned(api, social, post, django_assert_num_queries) -> None:
    post(sample("whatsapp_text.json"))
    ticket = Ticket.objects.get()
    # groups, ticket, its SLA timers; the windows: the customer's social identities and the
    # last message per channel
    with django_assert_num_queries(5):
        response = api.get(f"/api/v1/tickets/{ticket.pk}/")
    assert response.status_code == 200


def test_whatsapp_outside_the_window_refuses_text_and_sends_a_template(
    api, social, post, graph, django_capture_on_commit_callbacks, clock
) -> None:
    route = graph.post(f"/{WA_NUMBER_ID}/messages").respond(
        200,
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": "31612345678", "wa_id": "31612345678"}],
            "messages": [{"id": WA_REPLY_ID}],
        },
    )
    post(sample("whatsapp_text.json"))
    ticket = only_ticket(api, "whatsapp")
    clock.shift(timedelta(days=2))
    refused = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Hoi Sanne")
    assert refused.status_code == 400
    assert refused.json()["detail"] == (
        "the WhatsApp 24-hour window closed at 2026-06-17 10:00 CEST; send an approved template"
    )
    window = api.get(f"/api/v1/tickets/{ticket['id']}/").json()["messaging_windows"]
    assert window == [
        {
            "channel": "whatsapp",
            "open": False,
            "closes_at": "2026-06-17T10:00:00+02:00",
            "template_allowed": True,
        }
    ]
    sent = reply(
        api,
        ticket["id"],
        django_capture_on_commit_callbacks,
        template={"name": "order_update", "language": "nl"},
    )
    assert sent.status_code == 201, sent.content
    assert sent.json()["body_text"] == "WhatsApp template order_update (nl)"
    assert route.calls.last.request.headers["Authorization"] == "Bearer token-whatsapp-secret"
    assert json.loads(route.calls.last.request.content) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "31612345678",
        "type": "template",
        "template": {"name": "order_update", "language": {"code": "nl"}},
    }
    message = Message.objects.get(pk=sent.json()["id"])
    assert (message.delivery_state, message.provider_message_id) == ("sent", WA_REPLY_ID)
    assert message.meta["template"] == {"name": "order_update", "language": "nl"}
    # Meta's status webhook: delivered.
    assert post(sample("whatsapp_status_delivered.json")).status_code == 200
    message.refresh_from_db()
    assert message.delivery_state == DeliveryState.DELIVERED


def test_whatsapp_text_inside_the_window(
    api, social, post, graph, django_capture_on_commit_callbacks
) -> None:
    route = graph.post(f"/{WA_NUMBER_ID}/messages").respond(
        200, json={"messaging_product": "whatsapp", "messages": [{"id": WA_REPLY_ID}]}
    )
    post(sample("whatsapp_text.json"))
    ticket = only_ticket(api, "whatsapp")
    response = reply(api, ticket["id"], django_capture_on_commit_callbacks, body_text="Hoi!")
    assert response.status_code == 201
    assert json.loads(route.calls.last.request.content)["text"] == {
        "preview_url": False,
        "body": "Hoi!",
    }
    # A failed status names Meta's reason.
    assert post(sample("whatsapp_status_failed.json")).status_code == 200
    message = Message.objects.get(pk=response.json()["id"])
    assert message.delivery_state == DeliveryState.FAILED
    assert message.delivery_error.startswith("131047 Re-engagement message: Message failed")


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ({"name": "Order Update!", "language": "nl"}, "template name"),
        ({"name": "order_update", "language": "dutch"}, "template language"),
    ],
)
def test_bad_templates_are_refused(api, social, post, template, reason) -> None:
    post(sample("whatsapp_text.json"))
    ticket = only_ticket(api, "whatsapp")
    response = api.post(
        f"/api/v1/tickets/{ticket['id']}/messages/",
        {"kind": "reply", "template": template},
        format="json",
    )
    assert response.status_code == 400
    assert reason in response.json()["detail"]


def test_templates_are_whatsapp_only(api, social, post) -> None:
    post(sample("messenger_text.json"))
    ticket = only_ticket(api, "facebook")
    response = api.post(
        f"/api/v1/tickets/{ticket['id']}/messages/",
        {"kind": "reply", "template": {"name": "order_update", "language": "nl"}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "only WhatsApp replies can be approved templates"
