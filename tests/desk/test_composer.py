"""The composer through HTTP: replies on the customer's channels, notes that never reach
them, send and set status, refusals kept in the form, collisions, macros filled on the
server, files, calls; a query count that does not grow with the data."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from customers.services import identity_add
from desk.models import Macro
from tests.factories import inbound
from tickets.models import Direction, Message, Status, Team, Ticket
from tickets.services import message_ingest, note_add, reply_create, sla_policies_default

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _policies(db) -> None:
    sla_policies_default()


@pytest.fixture
def ticket() -> Ticket:
    return message_ingest(
        data=inbound(
            value="lotte@example.nl",
            customer_name="Lotte Visser",
            subject="Vrijgezellenfeest 13 augustus",
            body_text="Kunnen we met 12 personen komen?",
        )
    ).ticket


@pytest.fixture
def sam(make_agent):
    return make_agent("sam", first_name="Sam")


def _send_url(ticket: Ticket) -> str:
    return f"/desk/tickets/{ticket.pk}/composer/send/"


def _seen(ticket: Ticket) -> int:
    return ticket.messages.order_by("-pk").values_list("pk", flat=True)[0]


def _post(client, ticket: Ticket, htmx: bool = True, **data):
    data.setdefault("kind", "reply")
    data.setdefault("seen", _seen(ticket))
    return client.post(_send_url(ticket), data, **(HX if htmx else {}))


def _form_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, name
    return match.group(1)


def _textarea(html: str) -> str:
    match = re.search(r"<textarea[^>]*data-composer-body[^>]*>(.*?)</textarea>", html, re.S)
    assert match
    return match.group(1)


# --- what the composer offers ----------------------------------------------------------------


def test_the_page_offers_reply_note_send_and_the_latest_channel_first(desk_client, ticket):
    identity_add(customer=ticket.customer, kind="phone", value="+31612345678")
    message_ingest(data=inbound("whatsapp", value="31612345678", body_text="Hallo?"))
    html = desk_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    for action in ("reply", "note", "send"):
        assert f'data-shortcut-action="{action}"' in html
    select = re.search(r'<select id="composer-channel-\d+".*?</select>', html, re.S).group(0)
    options = re.findall(r'<option value="(\d+)"( selected)?[^>]*>([^<]*)</option>', select)
    labels = [(label.strip(), bool(selected)) for _pk, selected, label in options]
    # WhatsApp wrote last: it is the default; email is still offered; a phone is called.
    assert labels == [("WhatsApp · +31612345678", True), ("Email · lotte@example.nl", False)]
    assert "takes a free-text reply until" in html


def test_a_closed_whatsapp_window_is_said_before_typing_with_the_template(desk_client):
    old = timezone.now() - timedelta(days=2)
    ticket = message_ingest(data=inbound("whatsapp", value="31612345678", sent_at=old)).ticket
    html = desk_client.get(f"/desk/tickets/{ticket.pk}/composer/", **HX).content.decode()
    assert "The WhatsApp 24-hour window closed" in html
    assert "send an approved template" in html
    fieldset = re.search(r"<fieldset class=\"template-fields\"[^>]*>", html).group(0)
    assert "hidden" not in fieldset
    assert 'name="whatsapp_template"' in html


# --- replies and notes ---------------------------------------------------------------------


def test_a_reply_is_sent_the_composer_clears_and_the_page_hears_of_it(
    desk_client, agent, ticket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(desk_client, ticket, body="Ja, dat kan! Groet, Ada")
    assert response.status_code == 200
    reply = Message.objects.get(ticket=ticket, direction=Direction.OUTBOUND)
    assert (reply.body_text, reply.author_user, reply.channel) == (
        "Ja, dat kan! Groet, Ada",
        agent,
        "email",
    )
    assert reply.delivery_state == "sent"
    assert [m.to for m in mail.outbox] == [["lotte@example.nl"]]
    trigger = json.loads(response["HX-Trigger"])
    assert trigger == {
        "desk:ticket-changed": {
            "ticket": ticket.pk,
            "event": "message.created",
            "data": {"message": reply.pk},
        }
    }
    html = response.content.decode()
    assert _textarea(html) == ""
    assert _form_value(html, "seen") == str(reply.pk)


def test_a_note_never_reaches_the_customer(desk_client, ticket, django_capture_on_commit_callbacks):
    email = ticket.customer.identities.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(
            desk_client, ticket, kind="note", identity=email.pk, body="Klant is VIP, bel even."
        )
    assert response.status_code == 200
    note = Message.objects.get(ticket=ticket, direction=Direction.NOTE)
    assert note.body_text == "Klant is VIP, bel even."
    assert not Message.objects.filter(ticket=ticket, direction=Direction.OUTBOUND).exists()
    assert mail.outbox == []
    html = response.content.decode()
    # The cleared composer stays a note, visibly.
    assert 'class="composer is-note"' in html
    assert "Internal note — the customer never sees this" in html


def test_send_and_solve(desk_client, ticket):
    response = _post(desk_client, ticket, body="Opgelost!", then="solved")
    assert response.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert ticket.messages.filter(direction=Direction.OUTBOUND, body_text="Opgelost!").exists()


def test_send_and_set_pending(desk_client, ticket):
    assert _post(desk_client, ticket, body="Wij wachten op u", then="pending").status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_an_empty_reply_is_a_form_error(desk_client, ticket):
    response = _post(desk_client, ticket, body="   ", then="solved")
    assert response.status_code == 422
    html = response.content.decode()
    assert "a reply needs some text" in html
    assert 'role="alert"' in html
    ticket.refresh_from_db()
    assert ticket.status != Status.SOLVED


def test_a_refused_reply_keeps_the_text(desk_client):
    old = timezone.now() - timedelta(days=2)
    ticket = message_ingest(data=inbound("whatsapp", value="31612345678", sent_at=old)).ticket
    response = _post(desk_client, ticket, body="Hoi <b>Lotte</b>, nog interesse?")
    assert response.status_code == 422
    html = response.content.decode()
    assert "24-hour window closed" in html
    assert "send an approved template" in html
    # Kept and escaped.
    assert _textarea(html) == "Hoi &lt;b&gt;Lotte&lt;/b&gt;, nog interesse?"
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_a_whatsapp_template_goes_out_outside_the_window(desk_client):
    old = timezone.now() - timedelta(days=2)
    ticket = message_ingest(data=inbound("whatsapp", value="31612345678", sent_at=old)).ticket
    identity = ticket.customer.identities.get(kind="whatsapp")
    response = _post(
        desk_client,
        ticket,
        identity=identity.pk,
        body="",
        whatsapp_template="order_update",
        whatsapp_language="nl",
    )
    assert response.status_code == 200, response.content.decode()
    sent = Message.objects.get(direction=Direction.OUTBOUND)
    assert sent.meta["template"] == {"name": "order_update", "language": "nl"}


def test_a_reply_goes_to_the_chosen_identity(desk_client, ticket):
    second = identity_add(customer=ticket.customer, kind="email", value="l.visser@work.example")
    assert _post(desk_client, ticket, identity=second.pk, body="Op je werkadres").status_code == 200
    assert Message.objects.get(direction=Direction.OUTBOUND).identity == second


def test_someone_elses_identity_cannot_be_chosen(desk_client, ticket):
    other = message_ingest(data=inbound(value="other@example.com")).ticket
    foreign = other.customer.identities.get()
    response = _post(desk_client, ticket, identity=foreign.pk, body="Hallo")
    # Not one of this customer's (a stale form, a forged one): refused, never sent elsewhere.
    assert response.status_code == 422
    assert "no longer one of this customer" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


def test_without_javascript_a_send_redirects_and_a_refusal_keeps_the_text(desk_client, ticket):
    sent = _post(desk_client, ticket, htmx=False, body="Zonder JavaScript")
    reply = Message.objects.get(direction=Direction.OUTBOUND)
    assert sent.status_code == 303
    assert sent["Location"] == f"/desk/tickets/{ticket.pk}/#message-{reply.pk}"
    refused = _post(desk_client, ticket, htmx=False, body="", kind="note")
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "a note needs some text" in html
    assert f'href="/desk/tickets/{ticket.pk}/"' in html


def test_a_hidden_ticket_is_a_404_everywhere(desk_client, ticket):
    team = Team.objects.create(name="Legal", restricted=True)
    Ticket.objects.filter(pk=ticket.pk).update(team=team)
    assert _post(desk_client, ticket, body="x").status_code == 404
    for path in ("composer/", "composer/macro/?macro=1"):
        assert desk_client.get(f"/desk/tickets/{ticket.pk}/{path}").status_code == 404
    assert desk_client.post(f"/desk/tickets/{ticket.pk}/calls/", {}).status_code == 404
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()


# --- collisions ----------------------------------------------------------------------------


def test_a_newer_reply_by_someone_else_stops_the_send_then_send_anyway(desk_client, ticket, sam):
    seen = _seen(ticket)
    theirs = reply_create(ticket=ticket, author=sam, body_text="Hoi Lotte, dat regel ik  voor je.")
    Message.objects.filter(pk=theirs.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    response = _post(desk_client, ticket, seen=seen, body="Ja hoor!", then="solved")
    assert response.status_code == 409
    html = response.content.decode()
    assert "Sam replied 2\xa0minutes ago:" in html
    assert "“Hoi Lotte, dat regel ik voor je.”" in html
    assert "Send anyway" in html
    assert _textarea(html) == "Ja hoor!"
    assert _form_value(html, "seen") == str(theirs.pk)
    # "Send anyway" keeps the status the agent chose.
    assert re.search(r'name="then" value="solved" data-collision-send', html)
    assert ticket.messages.filter(direction=Direction.OUTBOUND).count() == 1
    again = _post(desk_client, ticket, seen=theirs.pk, body="Ja hoor!", then="solved")
    assert again.status_code == 200
    assert ticket.messages.filter(direction=Direction.OUTBOUND).count() == 2
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED


def test_a_newer_note_is_a_collision_too(desk_client, ticket, sam):
    seen = _seen(ticket)
    note_add(ticket=ticket, author=sam, body_text="Niet beantwoorden, ik bel haar.")
    response = _post(desk_client, ticket, seen=seen, body="Hallo")
    assert response.status_code == 409
    assert "Sam added a note just now:" in response.content.decode()


def test_own_customer_and_automatic_messages_are_no_collision(desk_client, agent, ticket):
    seen = _seen(ticket)
    note_add(ticket=ticket, author=agent, body_text="Mijn eigen notitie")
    message_ingest(data=inbound(value="lotte@example.nl", body_text="Nog een vraag"))
    reply_create(ticket=ticket, author=None, body_text="Automatic", is_automatic=True)
    assert _post(desk_client, ticket, seen=seen, body="Antwoord").status_code == 200


def test_a_note_is_added_over_a_newer_reply(desk_client, ticket, sam):
    seen = _seen(ticket)
    reply_create(ticket=ticket, author=sam, body_text="Done")
    response = _post(desk_client, ticket, seen=seen, kind="note", body="Noted")
    assert response.status_code == 200


# --- macros in the composer ------------------------------------------------------------------


def _macro(**kwargs) -> Macro:
    kwargs.setdefault("title", "Welkom")
    kwargs.setdefault(
        "body", "Hoi {first_name|daar}, je vraag staat onder #{ticket_number}. Groet, {agent_name}"
    )
    return Macro.objects.create(**kwargs)


def _macro_text(html: str) -> str:
    match = re.search(r'data-macro-text="([^"]*)"', html)
    assert match, html
    return match.group(1)


def test_a_macro_is_filled_on_the_server(desk_client, ticket):
    macro = _macro()
    response = desk_client.get(f"/desk/tickets/{ticket.pk}/composer/macro/?macro={macro.pk}", **HX)
    assert response.status_code == 200
    assert _macro_text(response.content.decode()) == (
        f"Hoi Lotte, je vraag staat onder #{ticket.pk}. Groet, Ada"
    )


def test_a_fallback_fills_an_unknown_first_name(desk_client):
    ticket = message_ingest(data=inbound(value="anon@example.com")).ticket
    macro = _macro()
    html = desk_client.get(
        f"/desk/tickets/{ticket.pk}/composer/macro/?macro={macro.pk}", **HX
    ).content.decode()
    assert _macro_text(html).startswith("Hoi daar, ")
    assert "placeholders-missing" not in html


def test_answer_by_reads_in_the_customers_language_and_our_time_zone(desk_client, ticket):
    ticket.customer.language = "nl"
    ticket.customer.save(update_fields=["language"])
    due = timezone.now().replace(microsecond=0) + timedelta(days=1)
    Ticket.objects.filter(pk=ticket.pk).update(sla_due_at=due)
    macro = _macro(title="Belofte", body="We antwoorden uiterlijk {answer_by}.")
    html = desk_client.get(
        f"/desk/tickets/{ticket.pk}/composer/macro/?macro={macro.pk}", **HX
    ).content.decode()
    from zoneinfo import ZoneInfo

    local = due.astimezone(ZoneInfo("Europe/Amsterdam"))
    days = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"]
    expected = f"We antwoorden uiterlijk {days[local.weekday()]} {local.day} "
    assert _macro_text(html).startswith(expected)
    assert _macro_text(html).endswith(f", {local:%H:%M}.")


def test_a_placeholder_without_value_is_highlighted_and_the_send_asks_for_it(desk_client):
    ticket = message_ingest(data=inbound(value="anon@example.com")).ticket
    macro = _macro(title="Kaal", body="Beste {first_name}, dank je.")
    html = desk_client.get(
        f"/desk/tickets/{ticket.pk}/composer/macro/?macro={macro.pk}", **HX
    ).content.decode()
    assert _macro_text(html) == "Beste {first_name}, dank je."
    assert "<mark>{first_name}</mark>" in html
    asked = _post(desk_client, ticket, body="Beste {first_name}, dank je.")
    assert asked.status_code == 422
    page = asked.content.decode()
    assert "<mark>{first_name}</mark>" in page
    assert 'name="fill_first_name"' in page
    assert _textarea(page) == "Beste {first_name}, dank je."
    assert not Message.objects.filter(direction=Direction.OUTBOUND).exists()
    filled = _post(desk_client, ticket, body="Beste {first_name}, dank je.", fill_first_name="Eva")
    assert filled.status_code == 200
    assert Message.objects.get(direction=Direction.OUTBOUND).body_text == "Beste Eva, dank je."


def test_a_macros_status_and_tags_apply_when_the_reply_is_sent(desk_client, ticket):
    macro = _macro(title="Terugbetaling", set_status="solved", add_tags=["refund", "vip"])
    html = desk_client.get(
        f"/desk/tickets/{ticket.pk}/composer/macro/?macro={macro.pk}", **HX
    ).content.decode()
    assert "sets the status to Solved" in html
    assert "adds the tags refund, vip" in html
    assert f'name="macro" value="{macro.pk}"' in html
    ticket.refresh_from_db()
    assert ticket.status != Status.SOLVED  # nothing happens before the send
    assert _post(desk_client, ticket, body="Geld is terug", macro=macro.pk).status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert ticket.tags == ["refund", "vip"]


def test_the_status_button_wins_over_the_macros_status(desk_client, ticket):
    macro = _macro(title="Terugbetaling", set_status="solved")
    _post(desk_client, ticket, body="Even wachten", macro=macro.pk, then="pending")
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING


def test_macros_offered_are_the_active_ones_and_a_deactivated_one_is_gone(desk_client, ticket):
    _macro(title="Actief")
    gone = _macro(title="Oud", active=False)
    html = desk_client.get(f"/desk/tickets/{ticket.pk}/composer/", **HX).content.decode()
    assert re.findall(r'role="option"[^>]*>([^<]+)</li>', html) == ["Actief"]
    response = desk_client.get(f"/desk/tickets/{ticket.pk}/composer/macro/?macro={gone.pk}", **HX)
    assert response.status_code == 404


def test_macro_text_is_escaped(desk_client):
    ticket = message_ingest(
        data=inbound(value="x@example.com", customer_name='<img src=x onerror="alert(1)">')
    ).ticket
    macro = _macro(body="Hoi {first_name}")
    html = desk_client.get(
        f"/desk/tickets/{ticket.pk}/composer/macro/?macro={macro.pk}", **HX
    ).content.decode()
    assert "<img" not in html
    assert 'data-macro-text="Hoi &lt;img"' in html


# --- files ---------------------------------------------------------------------------------


def test_files_go_with_a_reply_from_the_composer(
    desk_client, ticket, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("plattegrond.pdf", b"%PDF-1.4 zaal", content_type="application/pdf")
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(desk_client, ticket, body="De plattegrond", files=[upload])
    assert response.status_code == 200
    reply = Message.objects.get(direction=Direction.OUTBOUND)
    assert [a.filename for a in reply.attachments.all()] == ["plattegrond.pdf"]
    [sent] = mail.outbox
    assert [name for name, _c, _t in sent.attachments] == ["plattegrond.pdf"]


def test_a_refused_file_says_so_and_asks_to_attach_again(desk_client, ticket, settings):
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 4
    upload = SimpleUploadedFile("groot.pdf", b"12345", content_type="application/pdf")
    response = _post(desk_client, ticket, body="Te groot", files=[upload])
    assert response.status_code == 422
    html = response.content.decode()
    assert "groot.pdf is larger than the 4\xa0bytes a file may be." in html
    assert "Attach your file again" in html
    assert _textarea(html) == "Te groot"


# --- calls ---------------------------------------------------------------------------------


def test_a_call_is_logged_on_the_ticket(desk_client, agent, ticket):
    response = desk_client.post(
        f"/desk/tickets/{ticket.pk}/calls/",
        {
            "direction": "outbound",
            "answered": "yes",
            "minutes": "3",
            "seconds": "20",
            "notes": "Gebeld, komt goed.",
        },
        **HX,
    )
    assert response.status_code == 200
    call = Message.objects.get(ticket=ticket, channel="phone")
    assert (call.call_direction, call.call_answered, call.call_duration_seconds) == (
        "outbound",
        True,
        200,
    )
    assert call.body_text == "Gebeld, komt goed."
    assert call.author_user == agent
    assert "Call logged on the timeline." in response.content.decode()
    assert json.loads(response["HX-Trigger"])["desk:ticket-changed"]["event"] == "message.created"
    ticket.refresh_from_db()
    assert ticket.first_human_reply_at is not None  # an answered outbound call is a reply


def test_a_missed_inbound_call_is_logged(desk_client, ticket):
    response = desk_client.post(
        f"/desk/tickets/{ticket.pk}/calls/", {"direction": "inbound", "answered": "no"}, **HX
    )
    assert response.status_code == 200
    call = Message.objects.get(ticket=ticket, channel="phone")
    assert (call.direction, call.call_answered, call.call_duration_seconds) == (
        "inbound",
        False,
        0,
    )


def test_a_bad_call_form_is_refused(desk_client, ticket):
    response = desk_client.post(
        f"/desk/tickets/{ticket.pk}/calls/",
        {"direction": "sideways", "answered": "yes", "seconds": "75"},
        **HX,
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Message.objects.filter(channel="phone").exists()


def test_a_call_from_a_new_number_opens_a_ticket(desk_client, agent):
    response = desk_client.post(
        "/desk/calls/new/",
        {
            "phone": "06 12345678",
            "name": "Piotr Nowak",
            "direction": "inbound",
            "answered": "yes",
            "minutes": "2",
            "notes": "Wil een offerte",
        },
        **HX,
    )
    assert response.status_code == 200
    call = Message.objects.get(channel="phone")
    assert response["HX-Redirect"] == f"/desk/tickets/{call.ticket_id}/"
    assert call.ticket.customer.name == "Piotr Nowak"
    assert call.identity.value == "+31612345678"
    assert (call.body_text, call.call_duration_seconds) == ("Wil een offerte", 120)


def test_a_call_from_a_bad_number_is_a_form_error(desk_client):
    response = desk_client.post(
        "/desk/calls/new/",
        {"phone": "not a number", "direction": "inbound", "answered": "no"},
        **HX,
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_calls_are_for_agents_only(client, ticket, django_user_model):
    assert client.post("/desk/calls/new/", {"phone": "0612345678"}).status_code == 302
    customer = django_user_model.objects.create_user(username="c", password="pw-c-1")
    client.force_login(customer)
    assert client.post(f"/desk/tickets/{ticket.pk}/calls/", {}).status_code == 403
    assert _post(client, ticket, body="x").status_code == 403


# --- speed ---------------------------------------------------------------------------------


def _composer_queries(client, ticket: Ticket) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/desk/tickets/{ticket.pk}/composer/", **HX)
    assert response.status_code == 200
    return len(queries)


def test_the_composer_costs_the_same_queries_whatever_the_data(desk_client, sam, ticket):
    small = _composer_queries(desk_client, ticket)
    for n in range(6):
        identity_add(customer=ticket.customer, kind="email", value=f"lotte{n}@example.nl")
        message_ingest(data=inbound(value=f"lotte{n}@example.nl", body_text=f"Vraag {n}"))
        note_add(ticket=ticket, author=sam, body_text=f"Notitie {n}")
        _macro(title=f"Macro {n}")
    identity_add(customer=ticket.customer, kind="phone", value="+31612345678")
    message_ingest(data=inbound("whatsapp", value="31612345678"))
    message_ingest(data=inbound("instagram", value="ig-4242"))
    larger = _composer_queries(desk_client, ticket)
    assert small == larger
