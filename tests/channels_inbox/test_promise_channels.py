"""The promise in every automatic message (issue 16, item 1), through the channels' own
interfaces: a Postmark inbound webhook into an acknowledging mailbox, a signed WhatsApp
webhook into an account that answers first, the chat widget's websocket with nobody online;
and the widget's "usually within" from the typical first reply (item 4)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from asgiref.sync import sync_to_async
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import translation

from channels_inbox.models import ChatWidget, Mailbox, SocialAccount
from tests.channels_inbox.meta_helpers import APP_SECRET, GRAPH, WA_NUMBER_ID, WA_REPLY_ID, sign
from tests.channels_inbox.test_chat_ws import SHOP, say, start, until, visitor
from tests.channels_inbox.test_customer_language import (
    AUTH,
    DUTCH_MAIL,
    SECRET,
    postmark_payload,
    whatsapp_payload,
)
from tickets.models import (
    AutomaticText,
    BusinessCalendar,
    BusinessHoliday,
    Direction,
    Message,
    SlaPolicy,
    SlaTimer,
    Ticket,
    TimerState,
)
from tickets.promise import ACKNOWLEDGEMENT, placeholders_fill, promise_format
from tickets.response_times import CACHE_KEY

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Friday 8 January 2027, half an hour after closing; Monday the 11th is a holiday.
FRIDAY_EVENING = datetime(2027, 1, 8, 17, 30, tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def _settings(settings) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.META_APP_SECRET = APP_SECRET
    settings.META_GRAPH_URL = GRAPH
    cache.clear()


@pytest.fixture
def office_hours(db) -> SlaPolicy:
    """Email under Monday-Friday 09:00-17:00 in Amsterdam with a Monday holiday, 4 hours."""
    from tickets.services import sla_policies_default

    sla_policies_default()
    calendar = BusinessCalendar.objects.create(
        name="Office",
        time_zone="Europe/Amsterdam",
        weekly_hours={str(day): [["09:00", "17:00"]] for day in range(5)},
    )
    BusinessHoliday.objects.create(calendar=calendar, date=date(2027, 1, 11), name="Closed")
    return SlaPolicy.objects.create(
        name="Office email",
        channels=["email"],
        first_response_minutes=4 * 60,
        next_response_minutes=4 * 60,
        calendar=calendar,
        position=1,
    )


def _mail_in(capture, body: bytes, at: datetime) -> None:
    with time_machine.travel(at, tick=False), capture(execute=True):
        response = Client().post(
            "/anymail/postmark/inbound/", body, content_type="application/json", **AUTH
        )
    assert response.status_code == 200


def _dated(body: bytes, at: datetime) -> bytes:
    """The sample with our Date, so the clock starts when this mail was sent."""
    payload = json.loads(body)
    payload["Date"] = at.strftime("%a, %d %b %Y %H:%M:%S %z")
    return json.dumps(payload).encode()


@pytest.mark.django_db
def test_a_friday_evening_mail_is_promised_for_tuesday_in_dutch(
    office_hours, django_capture_on_commit_callbacks
) -> None:
    Mailbox.objects.create(
        name="Support", address="support@helpdesk.example", auto_acknowledge=True
    )
    body = postmark_payload(sender="sanne@example.nl", text=DUTCH_MAIL, message_id="fri-1")
    _mail_in(django_capture_on_commit_callbacks, _dated(body, FRIDAY_EVENING), FRIDAY_EVENING)

    ticket = Ticket.objects.get()
    assert ticket.customer.language == "nl"
    timer = SlaTimer.objects.get(ticket=ticket, metric="first_response")
    # Closed Friday evening, the weekend and the holiday: Tuesday 09:00 plus 4 open hours.
    assert timer.due_at == datetime(2027, 1, 12, 13, 0, tzinfo=AMSTERDAM)
    ack = Message.objects.get(direction=Direction.OUTBOUND)
    with translation.override("nl"):
        wording = translation.gettext(ACKNOWLEDGEMENT)
    expected = placeholders_fill(
        wording,
        {
            "first_name": "",
            "ticket_number": str(ticket.pk),
            "answer_by": "dinsdag 12 januari, 13:00",
            "portal_link": f"http://127.0.0.1:8000/support/requests/{ticket.pk}/",
        },
    )
    assert ack.body_text == expected
    assert "dinsdag 12 januari, 13:00" in ack.body_text
    assert "as soon as" not in ack.body_text
    assert "zo snel" not in ack.body_text
    [sent] = mail.outbox
    assert sent.to == ["sanne@example.nl"]
    assert sent.body == ack.body_text
    # Automatic: an acknowledgement, never the answer the clock waits for.
    assert ack.is_automatic
    assert ack.author_user is None
    ticket.refresh_from_db()
    assert ticket.first_ack_at is not None
    assert ticket.first_human_reply_at is None
    timer.refresh_from_db()
    assert timer.state == TimerState.RUNNING


@pytest.mark.django_db
def test_a_managers_mailbox_wording_per_language_wins(
    office_hours, django_capture_on_commit_callbacks
) -> None:
    Mailbox.objects.create(
        name="Support", address="support@helpdesk.example", auto_acknowledge=True
    )
    AutomaticText.objects.create(
        purpose="acknowledgement",
        channel="email",
        mailbox="support@helpdesk.example",
        text_nl="Hoi {first_name|daar}! Nummer #{ticket_number}, antwoord uiterlijk {answer_by}.",
    )
    body = postmark_payload(sender="sanne@example.nl", text=DUTCH_MAIL, message_id="fri-2")
    _mail_in(django_capture_on_commit_callbacks, _dated(body, FRIDAY_EVENING), FRIDAY_EVENING)
    ticket = Ticket.objects.get()
    ack = Message.objects.get(direction=Direction.OUTBOUND)
    assert ack.body_text == (
        f"Hoi daar! Nummer #{ticket.pk}, antwoord uiterlijk dinsdag 12 januari, 13:00."
    )


@pytest.mark.django_db
def test_a_whatsapp_message_gets_the_24_hour_social_promise(
    graph, django_capture_on_commit_callbacks
) -> None:
    from tickets.services import sla_policies_default

    sla_policies_default()
    SocialAccount.objects.create(
        platform="whatsapp",
        external_id=WA_NUMBER_ID,
        name="Shop",
        access_token="t",
        auto_acknowledge=True,
    )
    route = graph.post(f"/{WA_NUMBER_ID}/messages").respond(
        200, json={"messaging_product": "whatsapp", "messages": [{"id": WA_REPLY_ID}]}
    )
    now = datetime(2027, 1, 8, 17, 30, tzinfo=AMSTERDAM)
    body = whatsapp_payload(sender="48512345678", text="Gdzie jest paczka?", message_id="wa-1")
    # Meta's sample timestamp is old: the message was sent now.
    payload = json.loads(body)
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = str(
        int(now.timestamp())
    )
    body = json.dumps(payload).encode()
    with time_machine.travel(now, tick=False), django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/webhooks/meta/",
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body),
        )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    ack = Message.objects.get(direction=Direction.OUTBOUND)
    assert ack.channel == "whatsapp"
    assert ack.is_automatic
    # Social: 24 h around the clock; in her language and her own zone (+48: Warsaw).
    due = now + timedelta(hours=24)
    assert SlaTimer.objects.get(ticket=ticket, metric="first_response").due_at == due
    when = promise_format(due, language="pl", zone=ZoneInfo("Europe/Warsaw"))
    assert when.startswith("sobota 9 stycznia, 17:30")
    assert when in ack.body_text
    assert f"#{ticket.pk}" in ack.body_text
    assert route.call_count == 1
    sent = json.loads(route.calls[0].request.content)
    assert sent["to"] == "48512345678"
    assert sent["text"]["body"] == ack.body_text
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is None


@pytest.mark.django_db
def test_no_first_reply_unless_the_account_asks_for_it(
    graph, django_capture_on_commit_callbacks
) -> None:
    SocialAccount.objects.create(
        platform="whatsapp", external_id=WA_NUMBER_ID, name="Shop", access_token="t"
    )
    body = whatsapp_payload(sender="48512345678", text="Hej", message_id="wa-2")
    with django_capture_on_commit_callbacks(execute=True):
        Client().post(
            "/webhooks/meta/",
            body,
            content_type="application/json",
            HTTP_X_HUB_SIGNATURE_256=sign(body),
        )
    assert Ticket.objects.count() == 1
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


# --- chat ------------------------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_with_nobody_online_the_chat_answers_with_the_promise() -> None:
    cache.clear()
    from tickets.services import sla_policies_default

    await sync_to_async(sla_policies_default)()
    await sync_to_async(ChatWidget.objects.create)(
        name="Shop", key="shop", allowed_origins=[SHOP], auto_acknowledge=True
    )
    communicator = visitor()
    session = await start(communicator, language="en", time_zone="Europe/London")
    assert session["agents_online"] is False
    ack = await say(communicator, "c-1", "Is the tent waterproof?")
    assert ack["type"] == "ack", ack
    frame = await until(communicator, {"type": "message"})
    text = frame["message"]["text"]
    ticket = await sync_to_async(Ticket.objects.get)()
    due = await sync_to_async(
        lambda: SlaTimer.objects.get(ticket=ticket, metric="first_response").due_at
    )()
    # Standard: 48 h; in the visitor's own time zone, which the widget told us.
    assert promise_format(due, language="en", zone=ZoneInfo("Europe/London")) in text
    assert "(London time)" in text
    assert f"#{ticket.pk}" in text
    stored = await sync_to_async(Message.objects.get)(direction=Direction.OUTBOUND)
    assert stored.is_automatic
    assert stored.author_user_id is None
    await communicator.disconnect()


@pytest.mark.django_db
def test_the_widget_says_the_typical_reply_and_the_promise() -> None:
    from tickets.response_times import ChannelResponse
    from tickets.services import sla_policies_default

    sla_policies_default()
    ChatWidget.objects.create(name="Shop", key="shop", allowed_origins=[SHOP])
    figures: dict[str, Any] = {
        "chat": ChannelResponse(
            channel="chat", median_seconds=7 * 60 + 5, answered=12, promise_minutes=2880
        )
    }
    cache.set(CACHE_KEY, figures, 60)
    now = datetime(2027, 1, 8, 10, 0, tzinfo=AMSTERDAM)
    try:
        with time_machine.travel(now, tick=False):
            texts = Client().get("/chat/shop/config?lang=en&tz=Europe/Amsterdam").json()["texts"]
    finally:
        cache.delete(CACHE_KEY)
    # 7 min 5 s, rounded up: "within" must stay true.
    assert texts["online"] == "We are online and usually answer within 8 minutes."
    assert texts["offline"] == (
        "No one is online right now. Leave a message and a person will answer by "
        "Sunday 10 January, 10:00."
    )
