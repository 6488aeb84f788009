"""A channel's profile name fills a customer's empty name, also when the identity (or the
same phone number) already belongs to someone; a name an agent set is never overwritten
(issue 10, item 10). Through signed Meta webhooks replaying Meta's published payloads.

Only WhatsApp's webhook carries a profile name (`contacts[].profile.name`); Messenger and
Instagram deliveries name nobody (a name would take a Graph API profile lookup), so their
customers keep whatever name they have."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from django.test import Client

from channels_inbox.models import SocialAccount
from customers.models import Customer
from customers.services import customer_resolve
from tests.factories import inbound
from tickets.models import Team
from tickets.services import call_ingest

FIXTURES = Path(__file__).parent.parent / "channels_inbox" / "fixtures" / "meta"
APP_SECRET = "meta-app-secret-names"
# The WhatsApp sample: wa_id 31612345678, profile name "Sanne de Vries".
WA_NUMBER = "+31612345678"
PROFILE_NAME = "Sanne de Vries"
PSID = "6021786424563207"
IG_ID = "3489227674482931"
ACCOUNTS = {"facebook": "106123456789012", "instagram": "17841405822304914"}
ACCOUNTS["whatsapp"] = "106540352242922"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _meta(settings):
    settings.META_APP_SECRET = APP_SECRET
    settings.META_GRAPH_URL = "https://graph.meta.test/v21.0"
    team = Team.objects.create(name="Social")
    for platform, external_id in ACCOUNTS.items():
        SocialAccount.objects.create(
            platform=platform,
            external_id=external_id,
            name=f"Shop on {platform}",
            access_token=f"token-{platform}",
            team=team,
        )
    with time_machine.travel(datetime(2026, 6, 16, 8, 0, 30, tzinfo=UTC), tick=True):
        yield


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """POST a signed webhook and run what it enqueued after commit, as the worker would."""

    def send(name: str, *, profile_name: str | None = None, message_id: str = "") -> None:
        """Meta's sample, or WhatsApp's with another profile name and message id (a new
        message, not a repeated delivery)."""
        body = (FIXTURES / name).read_bytes()
        if profile_name is not None or message_id:
            value = (payload := json.loads(body))["entry"][0]["changes"][0]["value"]
            if profile_name is not None:
                value["contacts"][0]["profile"]["name"] = profile_name
            if message_id:
                value["messages"][0]["id"] = message_id
            body = json.dumps(payload).encode()
        signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
        with django_capture_on_commit_callbacks(execute=True):
            response = Client().post(
                "/webhooks/meta/",
                body,
                content_type="application/json",
                HTTP_X_HUB_SIGNATURE_256=signature,
            )
        assert response.status_code == 200, response.content

    return send


def _name(api, customer_id: int) -> str:
    return str(api.get(f"/api/v1/customers/{customer_id}/").json()["name"])


def _missed_call() -> Customer:
    """She called first from her number: a customer with a phone identity and no name."""
    data = inbound(
        "phone", value=WA_NUMBER, body_text="", call_direction="inbound", call_answered=False
    )
    return call_ingest(data=data).ticket.customer


def test_whatsapp_profile_names_the_customer_who_called(api, post) -> None:
    caller = _missed_call()
    assert _name(api, caller.pk) == ""

    post("whatsapp_text.json")

    assert Customer.objects.count() == 1
    assert _name(api, caller.pk) == PROFILE_NAME


def test_whatsapp_profile_names_a_known_whatsapp_customer_without_name(api, post) -> None:
    known = customer_resolve(kind="whatsapp", value=WA_NUMBER).customer
    assert known.name == ""
    post("whatsapp_text.json")
    assert Customer.objects.count() == 1
    assert _name(api, known.pk) == PROFILE_NAME


@pytest.mark.parametrize("first_contact", ["phone", "whatsapp"])
def test_a_name_the_agent_set_is_kept(api, post, first_contact) -> None:
    if first_contact == "phone":
        customer = _missed_call()
    else:
        customer = customer_resolve(kind="whatsapp", value=WA_NUMBER).customer
    renamed = api.patch(
        f"/api/v1/customers/{customer.pk}/", {"name": "Sanne de Vries-Bakker"}, format="json"
    )
    assert renamed.status_code == 200

    post("whatsapp_text.json")
    post("whatsapp_text.json", profile_name="sanne 🌷", message_id="wamid.second")

    assert Customer.objects.count() == 1
    assert _name(api, customer.pk) == "Sanne de Vries-Bakker"


def test_a_blank_profile_name_changes_nothing(api, post) -> None:
    caller = _missed_call()
    post("whatsapp_text.json", profile_name="   ")
    assert _name(api, caller.pk) == ""
    post("whatsapp_text.json", message_id="wamid.second")
    assert _name(api, caller.pk) == PROFILE_NAME


@pytest.mark.parametrize(
    ("sample", "kind", "sender"),
    [("messenger_text.json", "facebook", PSID), ("instagram_text.json", "instagram", IG_ID)],
)
def test_messenger_and_instagram_name_nobody_and_keep_the_agents_name(
    api, post, sample, kind, sender
) -> None:
    customer = customer_resolve(kind=kind, value=sender).customer
    api.patch(f"/api/v1/customers/{customer.pk}/", {"name": "Eva Jansen"}, format="json")
    post(sample)
    assert Customer.objects.count() == 1
    assert _name(api, customer.pk) == "Eva Jansen"
