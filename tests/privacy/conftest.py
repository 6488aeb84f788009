"""Fixtures of the privacy tests: a manager, a customer with a full history on several
channels (through the real ingestion), and the figures dashboards and the API show."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db.models import Count
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from channels_inbox.models import ChatConversation, ChatWidget, InboundReceipt, SocialAccount
from customers.models import Customer
from portal.signin import account_for
from surveys.models import Survey
from surveys.services import survey_answer, survey_schedule, survey_send, surveys_claim_due
from tests.channels_inbox.meta_helpers import APP_SECRET, WA_NUMBER_ID, sign
from tests.factories import inbound
from tickets.models import Message, SlaTimer, Ticket
from tickets.response_times import typical_first_response
from tickets.services import (
    InboundAttachment,
    customer_merge_with_timeline,
    message_ingest,
    reply_create,
    sla_policies_default,
    ticket_assign,
    ticket_set_status,
    ticket_set_subject,
    todo_add,
)

NAME = "Evelien Zonneveld"
EMAIL = "evelien.zonneveld@example.org"
PHONE = "+31612345678"
# Distinctive words of her messages, our reply, her survey comment, her files.
WORDS = ("Zonnebloempit", "Kwartelkoning", "Pakketverlies", "Wolkenkrabber", "Vlinderdas")
FILE_CONTENT = b"ATTACHMENT-SECRET-Gq8-Zonnebloempit"
OTHER_WORDS = ("Appelflap", "Boterletter")


@pytest.fixture
def manager(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user(
        username="boss", password="pw-boss-1", first_name="Mara"
    )
    user.groups.add(Group.objects.get_or_create(name="Managers")[0])
    return user


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVACY_EXPORT_ROOT = tmp_path / "private"
    return settings.MEDIA_ROOT


def whatsapp_webhook(text: str, capture: Any) -> Message:
    """Evelien writes on WhatsApp: Meta's signed webhook, stored as a receipt and parsed by
    the (eager) worker, as in production."""
    body = json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": WA_NUMBER_ID,
                                },
                                "contacts": [
                                    {"profile": {"name": NAME}, "wa_id": PHONE.lstrip("+")}
                                ],
                                "messages": [
                                    {
                                        "from": PHONE.lstrip("+"),
                                        "id": f"wamid.{secrets.token_hex(12)}",
                                        "timestamp": str(int(time.time())),
                                        "type": "text",
                                        "text": {"body": text},
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    with capture(execute=True):
        response = Client().post(
            "/webhooks/meta/",
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body),
        )
    assert response.status_code == 200
    receipt = InboundReceipt.objects.get(provider="meta")
    assert receipt.state == "done", receipt.error
    return Message.objects.get(pk=receipt.message_ids[0])


@pytest.fixture
def history(
    db: Any, agent: Any, media: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> Callable[[], dict[str, Any]]:
    """`history()`: Evelien writes by email (with a file) and WhatsApp, we answer quoting
    her, she rates us with a comment, she has a portal account and a chat; Bram (another
    customer) writes too. Returns the customers and tickets."""
    sla_policies_default()
    settings.META_APP_SECRET = APP_SECRET
    SocialAccount.objects.create(
        platform="whatsapp", external_id=WA_NUMBER_ID, name="Shop", access_token="token"
    )
    capture = django_capture_on_commit_callbacks

    def build() -> dict[str, Any]:
        whatsapp = whatsapp_webhook(f"Nog een vraag over de {WORDS[1]}", capture)
        email = message_ingest(
            data=inbound(
                value=EMAIL,
                customer_name=NAME,
                subject=f"{WORDS[2]} bestelling",
                body_text=f"Mijn pakket is weg, {WORDS[0]}. Groet, {NAME}, {PHONE}",
                body_html=f"<p>Mijn pakket is weg, {WORDS[0]}.</p>",
                attachments=[InboundAttachment("bon.txt", FILE_CONTENT, "text/plain")],
            )
        )
        # Two records of one person, merged by an agent: the erasure must find both.
        customer = customer_merge_with_timeline(
            source=email.ticket.customer, target=whatsapp.ticket.customer, by=agent
        )
        ticket = email.ticket
        ticket_assign(ticket=ticket, agent=agent, by=agent)
        ticket_set_subject(ticket=ticket, subject=f"{WORDS[2]} van {NAME}", by=agent)
        reply_create(
            ticket=ticket,
            author=agent,
            body_text=(
                f"Beste {NAME},\n\n> Mijn pakket is weg, {WORDS[0]}.\n\n"
                f"We zoeken het uit, {WORDS[4]}."
            ),
        )
        reply_create(ticket=whatsapp.ticket, author=agent, body_text="We kijken ernaar.")
        todo_add(ticket=ticket, kind="call_back", text=f"Bel {NAME} terug op {PHONE}")
        ticket_set_status(ticket=ticket, status="solved", by=agent)
        survey = survey_schedule(ticket=ticket)
        assert survey is not None
        Survey.objects.filter(pk=survey.pk).update(send_at=timezone.now() - timedelta(minutes=1))
        assert surveys_claim_due() == [survey.pk]
        survey_send(survey_id=survey.pk)
        survey.refresh_from_db()
        survey_answer(survey=survey, rating=2, comment=f"Slecht, {WORDS[3]}! {NAME}")
        widget = ChatWidget.objects.create(name="Shop", key="shop")
        ChatConversation.objects.create(
            widget=widget,
            visitor_id="chat-visitor-1",
            token="tok-1",
            ticket=ticket,
            visitor_name=NAME,
            visitor_email=EMAIL,
        )
        account_for(customer)
        # Deliveries that never became a message (a parser gave up): hers and Bram's.
        for who, provider in ((EMAIL, "postmark"), ("bram@example.net", "sendgrid")):
            InboundReceipt.objects.create(
                provider=provider,
                view="anymail",
                path="/anymail/inbound/",
                body=f"From: {who}\r\n\r\nbroken".encode(),
                body_sha256=provider.ljust(64, "0"),
                state="failed",
                error="unparseable",
            )
        other = message_ingest(
            data=inbound(
                value="bram@example.net",
                customer_name="Bram Bakker",
                subject=f"{OTHER_WORDS[0]} vraag",
                body_text=f"Waar blijft mijn {OTHER_WORDS[1]}?",
            )
        )
        return {
            "customer": customer,
            "other": other.ticket.customer,
            "tickets": [ticket, whatsapp.ticket],
            "other_ticket": other.ticket,
        }

    return build


def figures(user: Any) -> dict[str, Any]:
    """What dashboards and the API count: survey figures, ticket counts by status and
    channel, first-response figures, every ticket's timings and SLA clocks."""
    api = APIClient()
    api.force_authenticate(user)
    stats = api.get("/api/v1/surveys/stats/").json()
    listing = api.get("/api/v1/tickets/").json()
    tickets = [
        {key: value for key, value in row.items() if key not in ("subject", "customer", "sla")}
        for row in listing["results"]
    ]
    return {
        "survey_stats": stats,
        "tickets_api": tickets,
        "counts": list(
            Ticket.objects.values("status", "channel").annotate(n=Count("id")).order_by()
        ),
        "first_response": {k: asdict(v) for k, v in typical_first_response().items()},
        "timers": list(
            SlaTimer.objects.order_by("pk").values(
                "ticket_id", "metric", "state", "started_at", "due_at", "met_at", "breached_at"
            )
        ),
    }


def customer_reload(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)
