"""The ticket page through HTTP: one timeline of every channel (older pages and new entries
as fragments, keyset by time), email HTML in a sandboxed frame with remote images blocked,
the fields edited in place through their services, the SLA clocks' history, merge and move
with a confirmation, a fixed query count, and 404 for a ticket the agent may not see."""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

import desk.timeline
from channels_inbox.email.parse import sanitise_html
from customers.services import identity_add
from tests.factories import inbound
from tickets.models import Attachment, EventKind, Message, SlaPolicy, Status, Team, Ticket
from tickets.senders import PermanentSendError, SendResult, senders_replaced
from tickets.services import (
    InboundAttachment,
    call_log,
    message_deliver,
    message_ingest,
    note_add,
    reply_create,
    sla_policies_default,
    sla_policy_save,
    ticket_assign,
    ticket_set_status,
    ticket_set_team,
)

pytestmark = pytest.mark.django_db

IMAGE = "https://images.example.test/festival.png"


def mail_html(image: str) -> str:
    return (
        "<p>Beste festival, <b>wij komen</b> met 12 personen.</p>"
        f'<p><img src="{image}" alt="Our banner"></p><script>alert(1)</script>'
    )


@pytest.fixture(autouse=True)
def _policies(db, settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path
    sla_policies_default()


class Accepting:
    channel = "email"

    def send(self, message: Message) -> SendResult:
        return SendResult(provider_message_id=f"esp-{message.pk}")


class Refusing:
    channel = "whatsapp"

    def send(self, message: Message) -> SendResult:
        raise PermanentSendError("131026: the number is not on WhatsApp")


def rich_ticket(agent: Any, *, image: str = IMAGE) -> dict[str, Any]:
    """One ticket with an HTML email (an external image, an attachment), its automatic
    acknowledgement, a WhatsApp message, a missed and an answered call, a note, a sent
    reply and a failed one, and the events they caused."""
    # In a transactional test the outbox sends at commit: through these senders too.
    with senders_replaced([Accepting(), Refusing()]):
        email = message_ingest(
            data=inbound(
                value="lotte@example.nl",
                customer_name="Lotte Visser",
                subject="Vrijgezellenfeest 13 augustus",
                body_text="Beste festival, wij komen met 12 personen.",
                body_html=sanitise_html(mail_html(image)),
                attachments=[
                    InboundAttachment(
                        filename="gastenlijst.pdf",
                        content=b"%PDF-1.4\n" * 300,
                        content_type="application/pdf",
                    )
                ],
            )
        )
        ticket = email.ticket
        ack = reply_create(
            ticket=ticket,
            author=None,
            body_text="Thank you for your message. This is an automatic message.",
            is_automatic=True,
        )
        identity_add(customer=ticket.customer, kind="whatsapp", value="+31612345678")
        whatsapp = message_ingest(
            data=inbound(
                "whatsapp", value="+31612345678", body_text="Hallo? Nog geen antwoord <b>?</b>"
            )
        ).message
        missed = call_log(ticket=ticket, agent=agent, direction="inbound", answered=False)
        note = note_add(ticket=ticket, author=agent, body_text="Venue asked for the final count")
        called = call_log(
            ticket=ticket,
            agent=agent,
            direction="outbound",
            answered=True,
            duration_seconds=185,
            notes="Confirmed 12 guests",
        )
        sent = reply_create(
            ticket=ticket, author=agent, body_text="See you on the 13th!", channel="email"
        )
        failed = reply_create(ticket=ticket, author=agent, body_text="Tot dan!", channel="whatsapp")
        message_deliver(message_id=sent.pk)
        message_deliver(message_id=failed.pk)
    return {
        "ticket": Ticket.objects.get(pk=ticket.pk),
        "email": email.message,
        "ack": ack,
        "whatsapp": whatsapp,
        "missed": missed,
        "note": note,
        "called": called,
        "sent": sent,
        "failed": failed,
        "attachment": Attachment.objects.get(message=email.message),
    }


def entry(page: str, element_id: str) -> str:
    """The HTML of one timeline entry (its <li>)."""
    match = re.search(rf'<li [^>]*id="{element_id}".*?</li>', page, re.DOTALL)
    assert match, element_id
    return match.group(0)


def entry_ids(page: str) -> list[str]:
    return re.findall(r'<li class="entry [^"]*" id="((?:message|event)-\d+)"', page)


def htmx(client: Client, method: str, url: str, data: dict[str, Any] | None = None) -> Any:
    return getattr(client, method)(url, data or {}, headers={"HX-Request": "true"})


# --- The timeline ---------------------------------------------------------------------------------


def test_every_channel_and_every_event_on_one_timeline(desk_client, agent) -> None:
    data = rich_ticket(agent)
    ticket = data["ticket"]
    response = desk_client.get(f"/desk/tickets/{ticket.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    ids = entry_ids(page)
    messages = [
        f"message-{m.pk}" for m in Message.objects.filter(ticket=ticket).order_by("created_at")
    ]
    events = [f"event-{pk}" for pk in ticket.events.values_list("pk", flat=True)]
    assert sorted(ids) == sorted(messages + events)
    assert [i for i in ids if i.startswith("message")] == messages  # oldest first

    email = entry(page, f"message-{data['email'].pk}")
    assert "Lotte Visser" in email
    assert "Email" in email
    assert f'href="/api/v1/attachments/{data["attachment"].pk}/"' in email
    assert "gastenlijst.pdf" in email
    assert "2.6\xa0KB" in email

    assert "automatic — not a reply" in entry(page, f"message-{data['ack'].pk}")
    whatsapp = entry(page, f"message-{data['whatsapp'].pk}")
    assert "WhatsApp" in whatsapp
    assert "Lotte Visser" in whatsapp
    assert "Nog geen antwoord &lt;b&gt;?&lt;/b&gt;" in whatsapp
    missed = entry(page, f"message-{data['missed'].pk}")
    assert "Inbound call" in missed
    assert "missed" in missed
    called = entry(page, f"message-{data['called'].pk}")
    assert "Outbound call" in called
    assert "answered" in called
    assert "3 min 05 s" in called
    assert "Call notes" in called
    assert "Confirmed 12 guests" in called
    note = entry(page, f"message-{data['note'].pk}")
    assert 'class="entry message note"' in note
    assert "Internal note" in note
    assert "Sent" in entry(page, f"message-{data['sent'].pk}")
    failed = entry(page, f"message-{data['failed'].pk}")
    assert "Failed" in failed
    assert "131026: the number is not on WhatsApp" in failed
    assert "Queued" not in failed

    joined = ticket.events.filter(kind=EventKind.JOINED).first() or ticket.events.first()
    assert escape(joined.text) in entry(page, f"event-{joined.pk}")


def test_email_html_is_sandboxed_and_its_remote_images_wait_for_the_agent(
    desk_client, agent
) -> None:
    data = rich_ticket(agent)
    ticket, email = data["ticket"], data["email"]
    page = desk_client.get(f"/desk/tickets/{ticket.pk}/")
    frame = re.search(r"<iframe [^>]*>", entry(page.content.decode(), f"message-{email.pk}")).group(
        0
    )
    assert ' sandbox=""' in frame
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', frame).group(1))
    assert (
        'img-src data: cid:"' in srcdoc
        or "img-src data: cid:;" in srcdoc
        or srcdoc.count("img-src data: cid:") == 1
    )
    assert "https:" not in re.search(r"Content-Security-Policy\" content=\"([^\"]*)", srcdoc).group(
        1
    )
    assert not re.search(rf'(?<![\w-])src="{IMAGE}"', srcdoc)
    assert "<script" not in srcdoc
    assert "wij komen" in srcdoc
    # The page's own policy lets https images through for the frame that asks for them.
    assert "img-src 'self' data: https:" in page["Content-Security-Policy"]

    shown = desk_client.get(f"/desk/tickets/{ticket.pk}/messages/{email.pk}/body/?images=1")
    assert shown.status_code == 200
    srcdoc = html.unescape(re.search(r'srcdoc="([^"]*)"', shown.content.decode()).group(1))
    assert "img-src data: cid: https:" in srcdoc
    assert f'src="{IMAGE}"' in srcdoc
    assert "Remote images are shown" in shown.content.decode()
    # Without JavaScript the same choice is a link to the page.
    full = desk_client.get(f"/desk/tickets/{ticket.pk}/?images={email.pk}").content.decode()
    assert f'src="{IMAGE}"' in html.unescape(entry(full, f"message-{email.pk}"))


def _many_entries(agent: Any, notes: int) -> Ticket:
    ticket = message_ingest(data=inbound(value="many@example.com", body_text="first")).ticket
    for n in range(notes):
        note_add(ticket=ticket, author=agent, body_text=f"note {n}")
        if n % 3 == 0:
            ticket_set_status(
                ticket=ticket, status=Status.PENDING if n % 2 else Status.OPEN, by=agent
            )
    return ticket


def _older_ids(client: Client, ticket: Ticket, page: str) -> list[str]:
    """Walk "Show older" to the start; the ids of every page, oldest first."""
    pages = [entry_ids(page)]
    cursor = re.search(r"older/\?before=([\d-]+)", page)
    while cursor:
        fragment = htmx(
            client, "get", f"/desk/tickets/{ticket.pk}/timeline/older/?before={cursor[1]}"
        )
        assert fragment.status_code == 200
        text = fragment.content.decode()
        assert 'id="timeline-older" class="t-older" hx-swap-oob="true"' in text
        pages.insert(0, entry_ids(text))
        cursor = re.search(r"older/\?before=([\d-]+)", text)
    return [i for ids in pages for i in ids]


def test_show_older_walks_back_through_every_entry_once(desk_client, agent, monkeypatch) -> None:
    monkeypatch.setattr(desk.timeline, "PAGE_SIZE", 7)
    ticket = _many_entries(agent, 20)
    # Entries stored in the same microsecond must neither repeat nor vanish at a page edge.
    same = ticket.events.order_by("created_at")[5].created_at
    Message.objects.filter(ticket=ticket, body_text__in=["note 3", "note 4", "note 5"]).update(
        created_at=same
    )
    page = desk_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert len(entry_ids(page)) == 7
    walked = _older_ids(desk_client, ticket, page)
    expected = sorted(
        [(m.created_at, 1, m.pk, f"message-{m.pk}") for m in Message.objects.filter(ticket=ticket)]
        + [(e.created_at, 0, e.pk, f"event-{e.pk}") for e in ticket.events.all()]
    )
    assert walked == [key[3] for key in expected]
    # Without JavaScript, "Show older" is a link to the page before the cursor.
    cursor = re.search(r"\?before=([\d-]+)#timeline", page)[1]
    older = desk_client.get(f"/desk/tickets/{ticket.pk}/?before={cursor}").content.decode()
    assert entry_ids(older) == walked[-14:-7]
    assert 'id="timeline-since"' not in older


def test_a_bad_cursor_is_a_400(desk_client, agent) -> None:
    ticket = message_ingest(data=inbound(value="c@example.com")).ticket
    for url in (
        f"/desk/tickets/{ticket.pk}/timeline/older/?before=nonsense",
        f"/desk/tickets/{ticket.pk}/timeline/older/",
        f"/desk/tickets/{ticket.pk}/timeline/new/?t=abc&seen=",
        f"/desk/tickets/{ticket.pk}/timeline/new/?t=1&seen=x1",
        f"/desk/tickets/{ticket.pk}/?before=99999999999999999999-1-1",
    ):
        assert desk_client.get(url).status_code == 400, url


def _since(page: str) -> dict[str, str]:
    """The timeline's cursor for new entries (the hidden inputs the poller sends)."""
    cursor = re.search(r'<div id="timeline-cursor"[^>]*>(.*?)</div>', page).group(1)
    return dict(re.findall(r'<input type="hidden" name="(t|seen)" value="([^"]*)">', cursor))


def test_new_entries_since_the_last_look_arrive_once(desk_client, agent) -> None:
    ticket = message_ingest(data=inbound(value="new@example.com", body_text="first")).ticket
    page = desk_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert 'hx-trigger="desk:ticket-changed from:body, desk:ticket-edited from:body"' in page
    cursor = _since(page)
    url = f"/desk/tickets/{ticket.pk}/timeline/new/"
    nothing = htmx(desk_client, "get", url, cursor).content.decode()
    assert entry_ids(nothing) == []

    note = note_add(ticket=ticket, author=agent, body_text="A fresh note")
    fresh = htmx(desk_client, "get", url, cursor).content.decode()
    assert entry_ids(fresh) == [f"message-{note.pk}"]
    assert "One new entry on the timeline." in fresh
    assert 'id="timeline-cursor" hx-swap-oob="true"' in fresh
    again = htmx(desk_client, "get", url, _since(fresh)).content.decode()
    assert entry_ids(again) == []

    # A row stored before the last look but committed after it (a slow transaction) still
    # arrives: the look goes back SINCE_OVERLAP and leaves out what it already sent.
    late = note_add(ticket=ticket, author=agent, body_text="Late commit")
    before_last_look = timezone.now() - timedelta(seconds=10)
    Message.objects.filter(pk=late.pk).update(created_at=before_last_look)
    catching_up = htmx(desk_client, "get", url, _since(again)).content.decode()
    assert entry_ids(catching_up) == [f"message-{late.pk}"]


# --- Edits in place -------------------------------------------------------------------------------


def _edit(client: Client, ticket: Ticket, field: str, **data: Any) -> Any:
    return htmx(client, "post", f"/desk/tickets/{ticket.pk}/edit/{field}/", data)


def test_each_field_changes_through_its_service_and_the_header_answers(
    desk_client, agent, make_agent
) -> None:
    ticket = message_ingest(data=inbound(value="edit@example.com", subject="Old subject")).ticket
    bea = make_agent("bea", first_name="Bea")
    team = Team.objects.create(name="Events")
    changes = [
        ("subject", {"subject": "  New subject  "}, lambda t: t.subject == "New subject"),
        ("status", {"status": "pending"}, lambda t: t.status == "pending"),
        ("priority", {"priority": "4"}, lambda t: t.priority == 4),
        ("assignee", {"assignee": bea.pk}, lambda t: t.assignee_id == bea.pk),
        ("team", {"team": team.pk}, lambda t: t.team_id == team.pk),
        ("tag-add", {"tag": "VIP, refund"}, lambda t: t.tags == ["refund", "vip"]),
        ("tag-remove", {"tag": "refund"}, lambda t: t.tags == ["vip"]),
        ("assign-me", {}, lambda t: t.assignee_id == agent.pk),
        ("solve", {}, lambda t: t.status == "solved"),
        ("assignee", {"assignee": ""}, lambda t: t.assignee_id is None),
        ("team", {"team": ""}, lambda t: t.team_id is None),
    ]
    for field, data, check in changes:
        events = ticket.events.count()
        response = _edit(desk_client, ticket, field, **data)
        assert response.status_code == 200, field
        trigger = json.loads(response["HX-Trigger"])
        assert trigger == {"desk:ticket-edited": {"ticket": ticket.pk, "field": field}}
        ticket.refresh_from_db()
        assert check(ticket), field
        assert ticket.events.count() > events, field
        assert 'class="form-error"' not in response.content.decode(), field
    header = response.content.decode()
    assert 'id="ticket-title"' in header
    assert "New subject" in header
    assert '<option value="" selected>No team</option>' in header


def test_the_header_shows_the_current_values_and_the_shortcut_buttons(desk_client, agent) -> None:
    ticket = message_ingest(data=inbound(value="head@example.com", subject="Shortcuts")).ticket
    ticket_assign(ticket=ticket, agent=agent, by=agent)
    header = desk_client.get(f"/desk/tickets/{ticket.pk}/header/").content.decode()
    assert 'data-shortcut-action="assign-me"' in header
    assert 'data-shortcut-action="solve"' in header
    assert re.search(rf'<option value="{agent.pk}" selected>Ada \(me\)</option>', header)
    assert re.search(r'id="t-assign-me" data-shortcut-action="assign-me" disabled', header)
    page = desk_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    header_url = f"/desk/tickets/{ticket.pk}/header/"
    assert f'hx-get="{header_url}" hx-trigger="desk:ticket-changed from:body"' in page


def test_a_refused_edit_is_a_form_error_with_the_services_reason(desk_client, agent) -> None:
    ticket = message_ingest(data=inbound(value="refuse@example.com", subject="Keep")).ticket
    blank = _edit(desk_client, ticket, "subject", subject="   ")
    assert blank.status_code == 200
    assert "form-error" in blank.content.decode()
    assert "HX-Trigger" not in blank
    nobody = _edit(desk_client, ticket, "assignee", assignee="999999")
    assert "Select a valid choice" in nobody.content.decode()
    unknown = _edit(desk_client, ticket, "status", status="lost")
    assert "Select a valid choice" in unknown.content.decode()
    ticket_set_status(ticket=ticket, status=Status.CLOSED, by=agent)
    closed = _edit(desk_client, ticket, "subject", subject="Another")
    body = closed.content.decode()
    assert f"ticket #{ticket.pk} is closed; open a follow-up instead" in body
    assert "read-only" in body
    assert 'id="t-status"' not in body
    ticket.refresh_from_db()
    assert ticket.subject == "Keep"
    assert desk_client.post(f"/desk/tickets/{ticket.pk}/edit/nonsense/").status_code == 404
    assert desk_client.get(f"/desk/tickets/{ticket.pk}/edit/status/").status_code == 405


def test_without_javascript_an_edit_redirects_or_shows_the_page_with_the_error(desk_client) -> None:
    ticket = message_ingest(data=inbound(value="plain@example.com", subject="Plain")).ticket
    done = desk_client.post(f"/desk/tickets/{ticket.pk}/edit/priority/", {"priority": "3"})
    assert done.status_code == 302
    assert done["Location"] == f"/desk/tickets/{ticket.pk}/"
    refused = desk_client.post(f"/desk/tickets/{ticket.pk}/edit/subject/", {"subject": ""})
    assert refused.status_code == 400
    assert "form-error" in refused.content.decode()
    assert 'id="timeline"' in refused.content.decode()


def test_edits_need_the_csrf_token(agent) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    ticket = message_ingest(data=inbound(value="csrf@example.com")).ticket
    url = f"/desk/tickets/{ticket.pk}/edit/priority/"
    assert client.post(url, {"priority": "4"}).status_code == 403
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    assert client.post(url, {"priority": "4", "csrfmiddlewaretoken": token}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == 4


def test_moving_the_ticket_to_a_team_the_agent_is_not_in_leaves_the_page(desk_client) -> None:
    ticket = message_ingest(data=inbound(value="away@example.com")).ticket
    legal = Team.objects.create(name="Legal", restricted=True)
    response = _edit(desk_client, ticket, "team", team=legal.pk)
    assert response["HX-Redirect"] == "/desk/"
    assert desk_client.get(f"/desk/tickets/{ticket.pk}/").status_code == 404


# --- The SLA strip --------------------------------------------------------------------------------


def test_the_sla_strip_opens_every_clocks_history(desk_client, agent) -> None:
    sla_policy_save(
        policy=SlaPolicy(
            name="Events",
            channels=["email"],
            first_response_minutes=240,
            next_response_minutes=240,
            resolution_minutes=2880,
            position=1,
        )
    )
    ticket = message_ingest(data=inbound(value="sla@example.com")).ticket
    reply_create(ticket=ticket, author=agent, body_text="On it")
    ticket_set_status(ticket=ticket, status=Status.PENDING, by=agent)
    page = desk_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    history = re.search(r'<div id="sla-history".*?</details>', page, re.DOTALL).group(0)
    assert "First response" in history
    assert "Met" in history
    assert "Resolution" in history
    assert "Paused" in history
    assert "since" in history
    assert "Events policy, version 1" in history
    assert "Why due then:" in history
    fragment = htmx(desk_client, "get", f"/desk/tickets/{ticket.pk}/sla/").content.decode()
    assert 'class="sla-strip' in fragment
    assert '<div id="sla-history" hx-swap-oob="innerHTML">' in fragment
    assert "Resolution" in fragment


# --- Merge and move -------------------------------------------------------------------------------


def test_merge_asks_first_then_moves_everything_and_points_to_the_survivor(
    desk_client, agent
) -> None:
    target = message_ingest(data=inbound(value="m@example.com", subject="Survivor")).ticket
    ticket_set_status(ticket=target, status=Status.SOLVED, by=agent)
    source = message_ingest(data=inbound(value="m@example.com", subject="Duplicate")).ticket
    assert source.pk != target.pk
    ticket_set_status(ticket=target, status=Status.OPEN, by=agent)
    url = f"/desk/tickets/{source.pk}/merge/"
    preview = htmx(desk_client, "post", url, {"into": f"#{target.pk}"}).content.decode()
    assert f"Merge #{source.pk} into #{target.pk}?" in preview
    assert "Survivor" in preview
    assert "Its one message moves" in preview
    assert 'name="confirm" value="1"' in preview
    source.refresh_from_db()
    assert source.merged_into_id is None  # nothing happened yet
    done = htmx(desk_client, "post", url, {"into": target.pk, "confirm": "1"})
    assert done["HX-Redirect"] == f"/desk/tickets/{target.pk}/"
    source.refresh_from_db()
    assert source.merged_into_id == target.pk
    merged_page = desk_client.get(f"/desk/tickets/{source.pk}/").content.decode()
    assert f"This ticket was merged into #{target.pk}." in merged_page
    assert f'href="/desk/tickets/{target.pk}/"' in merged_page
    assert 'id="t-status"' not in merged_page


def test_without_javascript_the_merge_preview_opens_in_the_page(desk_client, agent) -> None:
    target = message_ingest(data=inbound(value="nojs@example.com", subject="Keep me")).ticket
    ticket_set_status(ticket=target, status=Status.SOLVED, by=agent)
    source = message_ingest(data=inbound(value="nojs@example.com")).ticket
    response = desk_client.post(f"/desk/tickets/{source.pk}/merge/", {"into": target.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="t-more" hx-preserve open' in page
    assert f"Merge #{source.pk} into #{target.pk}?" in page
    assert 'id="timeline"' in page
    done = desk_client.post(
        f"/desk/tickets/{source.pk}/merge/", {"into": target.pk, "confirm": "1"}
    )
    assert done.status_code == 302
    assert done["Location"] == f"/desk/tickets/{target.pk}/"


def test_merge_refusals_are_shown_in_the_box(desk_client, agent, django_user_model) -> None:
    source = message_ingest(data=inbound(value="a@example.com")).ticket
    other = message_ingest(data=inbound(value="b@example.com", customer_name="Bram")).ticket
    legal = Team.objects.create(name="Legal", restricted=True)
    hidden = message_ingest(data=inbound(value="a2@example.com", team_id=legal.pk)).ticket
    url = f"/desk/tickets/{source.pk}/merge/"
    cases = {
        "abc": "Enter a ticket number",
        str(source.pk): "That is this ticket",
        "999999": "There is no ticket #999999.",
        str(hidden.pk): f"There is no ticket #{hidden.pk}.",
    }
    for value, message in cases.items():
        body = htmx(desk_client, "post", url, {"into": value}).content.decode()
        assert message in body, value
    different = htmx(desk_client, "post", url, {"into": other.pk}).content.decode()
    assert "belongs to another customer (Bram)" in different
    assert 'name="confirm"' not in different
    forced = htmx(desk_client, "post", url, {"into": other.pk, "confirm": "1"}).content.decode()
    assert "tickets of different customers cannot be merged" in forced
    source.refresh_from_db()
    assert source.merged_into_id is None


def test_a_message_moves_to_another_ticket_or_splits_off_after_a_confirmation(
    desk_client, agent
) -> None:
    target = message_ingest(data=inbound(value="mv@example.com", subject="Target")).ticket
    ticket_set_status(ticket=target, status=Status.SOLVED, by=agent)
    source = message_ingest(data=inbound(value="mv@example.com", body_text="wrong ticket")).ticket
    stay = note_add(ticket=source, author=agent, body_text="stays")
    ticket_set_status(ticket=target, status=Status.OPEN, by=agent)
    message = source.messages.get(body_text="wrong ticket")
    url = f"/desk/tickets/{source.pk}/messages/{message.pk}/move/"
    preview = htmx(desk_client, "post", url, {"to_ticket": target.pk}).content.decode()
    assert f"Move this message to #{target.pk} “Target”?" in preview
    message.refresh_from_db()
    assert message.ticket_id == source.pk
    moved = htmx(desk_client, "post", url, {"to_ticket": target.pk, "confirm": "1"})
    assert moved["HX-Retarget"] == f"#message-{message.pk}"
    assert moved["HX-Reswap"] == "outerHTML"
    assert "desk:ticket-edited" in moved["HX-Trigger"]
    assert f"Moved to #{target.pk}." in moved.content.decode()
    message.refresh_from_db()
    assert message.ticket_id == target.pk

    split_url = f"/desk/tickets/{source.pk}/messages/{stay.pk}/move/"
    asked = htmx(desk_client, "post", split_url, {"split": "1"}).content.decode()
    assert "Split this message off into a new ticket" in asked
    split = htmx(desk_client, "post", split_url, {"split": "1", "confirm": "1"}).content.decode()
    stay.refresh_from_db()
    assert stay.ticket_id not in (source.pk, target.pk)
    assert f"Split off into the new ticket #{stay.ticket_id}." in split


def test_a_move_to_another_customers_ticket_is_refused_with_the_reason(desk_client) -> None:
    source = message_ingest(data=inbound(value="x@example.com")).ticket
    other = message_ingest(data=inbound(value="y@example.com")).ticket
    message = source.messages.get()
    url = f"/desk/tickets/{source.pk}/messages/{message.pk}/move/"
    refused = htmx(
        desk_client, "post", url, {"to_ticket": other.pk, "confirm": "1"}
    ).content.decode()
    assert "a message can only move to a ticket of the same customer" in refused
    message.refresh_from_db()
    assert message.ticket_id == source.pk
    # A message of another ticket is not found through this one.
    wrong = f"/desk/tickets/{other.pk}/messages/{message.pk}/move/"
    assert htmx(desk_client, "post", wrong, {"split": "1"}).status_code == 404


# --- Speed ----------------------------------------------------------------------------------------


def _ticket_of_size(agent: Any, n: int) -> Ticket:
    ticket = message_ingest(data=inbound(value=f"size{n}@example.com", customer_name="Size")).ticket
    for i in range(n):
        message_ingest(
            data=inbound(
                value=f"size{n}@example.com",
                body_text=f"message {i}",
                body_html=sanitise_html(f"<p>message <b>{i}</b></p>") if i % 2 else "",
                attachments=[InboundAttachment(filename=f"f{i}.txt", content=b"x")],
            )
        )
        if i % 4 == 0:
            note_add(ticket=ticket, author=agent, body_text=f"note {i}")
            ticket_set_status(
                ticket=ticket, status=Status.OPEN if i % 8 else Status.PENDING, by=agent
            )
    ticket_set_team(ticket=ticket, team=Team.objects.get_or_create(name="Size team")[0], by=agent)
    return ticket


def _queries(client: Client, url: str, **headers: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, headers=headers).status_code == 200
    return len(captured)


def test_the_page_and_its_fragments_cost_the_same_queries_whatever_the_size(
    desk_client, agent
) -> None:
    small, large = _ticket_of_size(agent, 3), _ticket_of_size(agent, 40)
    assert Attachment.objects.filter(message__ticket=large).count() == 40
    # The page includes other areas' parts (composer, customer panel, views column): the
    # pin is that its count does not grow with the ticket.
    pages = [_queries(desk_client, f"/desk/tickets/{t.pk}/") for t in (small, large)]
    assert pages[0] == pages[1], pages
    # The fragments are this page's own: session, user, groups, then the ticket and
    # header: agents, teams / sla: the timers / timeline: messages, attachments, events.
    expected = {"header/": 6, "sla/": 5}
    for path, count in expected.items():
        counts = [_queries(desk_client, f"/desk/tickets/{t.pk}/{path}") for t in (small, large)]
        assert counts == [count, count], (path, counts)
    for ticket in (small, large):
        page = desk_client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
        since = _since(page)
        new = f"/desk/tickets/{ticket.pk}/timeline/new/?t={int(since['t']) - 10**9}&seen="
        assert _queries(desk_client, new) == 7
    page = desk_client.get(f"/desk/tickets/{large.pk}/").content.decode()
    cursor = re.search(r"older/\?before=([\d-]+)", page)[1]
    assert _queries(desk_client, f"/desk/tickets/{large.pk}/timeline/older/?before={cursor}") == 7


# --- Who sees it ----------------------------------------------------------------------------------


@pytest.fixture
def legal(django_user_model) -> dict[str, Any]:
    team = Team.objects.create(name="Legal", restricted=True)
    member = django_user_model.objects.create_user(username="member", password="pw-member-1")
    member.groups.add(Group.objects.get_or_create(name="Agents")[0])
    team.members.add(member)
    manager = django_user_model.objects.create_user(username="boss", password="pw-boss-1")
    manager.groups.add(Group.objects.get_or_create(name="Managers")[0])
    ticket = message_ingest(
        data=inbound(value="lawyer@example.com", team_id=team.pk, body_html="<p>claim</p>")
    ).ticket
    return {"ticket": ticket, "member": member, "manager": manager, "team": team}


def _endpoints(ticket: Ticket) -> list[tuple[str, str, dict[str, Any]]]:
    message = ticket.messages.get()
    base = f"/desk/tickets/{ticket.pk}"
    gets = [
        "/",
        "/header/",
        "/sla/",
        "/timeline/older/?before=1-1-1",
        "/timeline/new/?t=1&seen=",
        f"/messages/{message.pk}/body/?images=1",
        "/merge/",
        f"/messages/{message.pk}/move/",
    ]
    posts = [
        (f"/edit/{field}/", data)
        for field, data in [
            ("subject", {"subject": "x"}),
            ("status", {"status": "open"}),
            ("priority", {"priority": "1"}),
            ("assignee", {"assignee": ""}),
            ("team", {"team": ""}),
            ("tag-add", {"tag": "x"}),
            ("tag-remove", {"tag": "x"}),
            ("assign-me", {}),
            ("solve", {}),
        ]
    ] + [
        ("/merge/", {"into": "1", "confirm": "1"}),
        (f"/messages/{message.pk}/move/", {"split": "1", "confirm": "1"}),
    ]
    return [("get", base + url, {}) for url in gets] + [("post", base + url, d) for url, d in posts]


def test_an_agent_outside_a_restricted_team_gets_404_everywhere(desk_client, legal) -> None:
    ticket = legal["ticket"]
    for method, url, data in _endpoints(ticket):
        for headers in ({}, {"HX-Request": "true"}):
            response = getattr(desk_client, method)(url, data, headers=headers)
            assert response.status_code == 404, (method, url)
            assert b"lawyer" not in response.content
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
    assert ticket.subject != "x"
    assert ticket.merged_into_id is None
    assert ticket.messages.count() == 1


@pytest.mark.parametrize("who", ["member", "manager"])
def test_members_and_managers_open_it(client, legal, who) -> None:
    client.force_login(legal[who])
    for method, url, _data in _endpoints(legal["ticket"]):
        if method == "get":
            assert client.get(url, headers={"HX-Request": "true"}).status_code == 200, url
    assert client.get(f"/desk/tickets/{legal['ticket'].pk}/").status_code == 200


def test_anonymous_and_customers_are_turned_away(client, django_user_model) -> None:
    ticket = message_ingest(data=inbound(value="anon@example.com")).ticket
    assert client.get(f"/desk/tickets/{ticket.pk}/header/").status_code == 302
    assert client.post(f"/desk/tickets/{ticket.pk}/edit/solve/").status_code == 302
    customer = django_user_model.objects.create_user(username="cust", password="pw-cust-1")
    client.force_login(customer)
    assert client.post(f"/desk/tickets/{ticket.pk}/edit/solve/").status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == Status.NEW
