"""The request page's actions: a reply (with files) is an inbound web message through
`message_ingest` — it reopens a solved request, starts a linked follow-up of a closed one,
starts the next-response clock — and the page shows files, the survey answer and a merged
request's new home, in a fixed number of queries."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from surveys.models import NpsAnswer, Survey, SurveyAnswer, SurveyState
from tickets.models import (
    Attachment,
    Direction,
    Message,
    SlaMetric,
    SlaTimer,
    Status,
    Ticket,
    TimerState,
)
from tickets.services import InboundAttachment, reply_create, ticket_merge, ticket_set_status

pytestmark = pytest.mark.django_db


def _form(body: str = "", *files: SimpleUploadedFile, form_id: str | None = None) -> dict:
    return {"body": body, "form_id": form_id or str(uuid.uuid4()), "attachments": list(files)}


def _file(name: str = "receipt.pdf", content: bytes = b"%PDF-1.4 receipt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _download(client, attachment: Attachment) -> bytes:
    response = client.get(f"/support/attachments/{attachment.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    return b"".join(response.streaming_content)


def test_a_reply_is_an_inbound_web_message_on_that_ticket_with_its_files(
    customer_client, ask, make_agent
) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    reply_create(ticket=ticket, author=make_agent("anna"), body_text="It ships tomorrow")
    client = customer_client(eva)
    response = client.post(
        f"/support/requests/{ticket.pk}/reply/",
        _form("It did not arrive", _file(), _file("photo.jpg", b"\xff\xd8jpeg")),
    )
    assert response.status_code == 302
    assert response.url == f"/support/requests/{ticket.pk}/#sent"
    message = Message.objects.get(body_text="It did not arrive")
    assert (message.ticket_id, message.direction, message.channel) == (
        ticket.pk,
        Direction.INBOUND,
        "web",
    )
    assert message.author_customer_id == eva.pk
    assert message.provider_message_id.startswith("portal:")
    # Signed in with an email identity: the message is from that identity.
    assert message.identity is not None
    assert message.identity.value == "eva@example.com"
    files = {a.filename: a for a in message.attachments.all()}
    assert set(files) == {"receipt.pdf", "photo.jpg"}
    assert _download(client, files["receipt.pdf"]) == b"%PDF-1.4 receipt"
    assert _download(client, files["photo.jpg"]) == b"\xff\xd8jpeg"

    page = client.get(response.url).content.decode()
    assert "It did not arrive" in page
    assert "Thank you, we have your message." in page
    assert "We will answer by" in page
    assert f'href="/support/attachments/{files["receipt.pdf"].pk}/"' in page
    assert "receipt.pdf" in page
    assert "16\xa0bytes" in page
    # The confirmation is said once: a reload does not repeat it.
    assert "Thank you, we have your message." not in client.get(response.url).content.decode()


def test_a_reply_after_our_answer_starts_the_next_response_clock(
    customer_client, ask, make_agent
) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    reply_create(ticket=ticket, author=make_agent("anna"), body_text="It ships tomorrow")
    ticket_set_status(ticket=ticket, status=Status.PENDING, by=make_agent("bo"))
    assert not SlaTimer.objects.filter(ticket=ticket, state=TimerState.RUNNING).exists()
    customer_client(eva).post(f"/support/requests/{ticket.pk}/reply/", _form("Still nothing"))
    timer = SlaTimer.objects.get(ticket=ticket, state=TimerState.RUNNING)
    message = Message.objects.get(body_text="Still nothing")
    assert timer.metric == SlaMetric.NEXT_RESPONSE
    assert timer.started_by_id == message.pk
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.sla_due_at == timer.due_at


def test_a_solved_request_is_reopened_by_what_is_still_wrong(
    customer_client, ask, make_agent
) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    ticket_set_status(ticket=ticket, status=Status.SOLVED, by=make_agent("anna"))
    client = customer_client(eva)
    page = client.get(f"/support/requests/{ticket.pk}/").content.decode()
    assert "Not solved? Tell us what is still wrong" in page
    assert "Send and reopen" in page
    response = client.post(f"/support/requests/{ticket.pk}/reply/", _form("Box was empty"))
    assert response.url == f"/support/requests/{ticket.pk}/#sent"
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    assert ticket.solved_at is None
    assert ticket.messages.filter(body_text="Box was empty").exists()
    assert "We are working on it" in client.get(response.url).content.decode()


def test_a_closed_request_starts_a_linked_follow_up(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    closed = eva.tickets.get()
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    client = customer_client(eva)
    assert "Start a follow-up" in client.get(f"/support/requests/{closed.pk}/").content.decode()
    response = client.post(
        f"/support/requests/{closed.pk}/reply/", _form("The replacement broke too")
    )
    follow_up = Ticket.objects.get(follow_up_of=closed)
    assert response.url == f"/support/requests/{follow_up.pk}/#sent"
    assert follow_up.customer_id == eva.pk
    assert follow_up.channel == "web"
    assert follow_up.subject == "Order 7 is late"
    assert follow_up.messages.get().body_text == "The replacement broke too"
    assert Ticket.objects.get(pk=closed.pk).status == Status.CLOSED
    page = client.get(response.url).content.decode()
    assert f"It continues request #{closed.pk}." in page
    assert f"This request follows on from #{closed.pk}" in page
    assert f'href="/support/requests/{closed.pk}/"' in page
    # The closed request points to where the conversation went on.
    old_page = client.get(f"/support/requests/{closed.pk}/").content.decode()
    assert f"Continued in request #{follow_up.pk}" in old_page


def test_a_double_submit_stores_one_message(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    client = customer_client(eva)
    form_id = str(uuid.uuid4())
    for _ in range(2):
        response = client.post(
            f"/support/requests/{ticket.pk}/reply/",
            _form("Once please", _file(), form_id=form_id),
        )
        assert response.url == f"/support/requests/{ticket.pk}/#sent"
    assert Message.objects.filter(body_text="Once please").count() == 1
    assert Attachment.objects.filter(filename="receipt.pdf").count() == 1


def test_a_double_submit_of_a_follow_up_starts_one(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    closed = eva.tickets.get()
    Ticket.objects.filter(pk=closed.pk).update(status=Status.CLOSED, closed_at=timezone.now())
    client = customer_client(eva)
    form = _form("Again")
    first = client.post(f"/support/requests/{closed.pk}/reply/", form)
    second = client.post(f"/support/requests/{closed.pk}/reply/", form)
    assert first.url == second.url
    assert Ticket.objects.filter(follow_up_of=closed).count() == 1


def test_an_oversized_file_is_refused_and_nothing_is_stored(customer_client, ask, settings) -> None:
    settings.HELPDESK_ATTACHMENT_MAX_BYTES = 10
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    before = Message.objects.count()
    response = customer_client(eva).post(
        f"/support/requests/{ticket.pk}/reply/",
        _form("Here is the photo", _file("photo.jpg", b"x" * 11)),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "photo.jpg is too large: a file can be at most 10\xa0bytes." in page
    assert "Here is the photo" in page  # what they typed is kept
    assert Message.objects.count() == before
    assert not Attachment.objects.exists()


def test_an_empty_file_is_refused(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    response = customer_client(eva).post(
        f"/support/requests/{ticket.pk}/reply/", _form("See file", _file("empty.txt", b""))
    )
    assert response.status_code == 400
    assert "empty.txt is empty" in response.content.decode()
    assert not Message.objects.filter(body_text="See file").exists()


def test_too_many_files_are_refused(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    files = [_file(f"f{n}.pdf") for n in range(11)]
    response = customer_client(eva).post(
        f"/support/requests/{ticket.pk}/reply/", _form("Many", *files)
    )
    assert response.status_code == 400
    assert "at most 10 files" in response.content.decode()
    assert not Message.objects.filter(body_text="Many").exists()


def test_an_empty_reply_is_a_form_error_and_stores_nothing(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    before = Message.objects.count()
    response = customer_client(eva).post(f"/support/requests/{ticket.pk}/reply/", _form("  \n "))
    assert response.status_code == 400
    assert "Write a message or add a file before sending." in response.content.decode()
    assert Message.objects.count() == before


def test_files_alone_are_a_reply(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    response = customer_client(eva).post(
        f"/support/requests/{ticket.pk}/reply/", _form("", _file())
    )
    assert response.status_code == 302
    assert ticket.messages.filter(attachments__filename="receipt.pdf").exists()


def test_a_reply_in_dutch_is_confirmed_in_dutch(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Bestelling 7")
    eva.language = "nl"
    eva.save()
    ticket = eva.tickets.get()
    client = customer_client(eva)
    response = client.post(f"/support/requests/{ticket.pk}/reply/", _form("Nog steeds niets"))
    page = client.get(response.url).content.decode()
    ticket.refresh_from_db()
    with translation.override("nl"):
        due = date_format(timezone.localtime(ticket.sla_due_at), "l j F, H:i")
    assert due in page  # the promise in the confirmation, in Dutch words
    assert "Nog steeds niets" in page


def test_the_survey_answer_is_shown(customer_client, ask) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    now = timezone.now()
    survey = Survey.objects.create(
        ticket=ticket,
        customer=eva,
        channel="email",
        state=SurveyState.ANSWERED,
        solved_at=now,
        send_at=now,
        sent_at=now,
    )
    client = customer_client(eva)
    assert "You rated this" not in client.get(f"/support/requests/{ticket.pk}/").content.decode()
    SurveyAnswer.objects.create(
        survey=survey,
        ticket=ticket,
        customer=eva,
        rating=4,
        comment="Quick <b>help</b>",
        channel="email",
        answered_at=now,
        updated_at=now,
        final_at=now + timedelta(days=1),
    )
    NpsAnswer.objects.create(customer=eva, survey=survey, score=9, answered_at=now)
    page = client.get(f"/support/requests/{ticket.pk}/").content.decode()
    assert "You rated this 4/5 — “Quick &lt;b&gt;help&lt;/b&gt;”" in page
    assert "How likely you are to recommend us: 9/10" in page


def test_a_merged_request_leads_to_the_one_it_went_to(customer_client, ask, make_agent) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    first = eva.tickets.get()
    Ticket.objects.filter(pk=first.pk).update(status=Status.SOLVED)
    second = Ticket.objects.get(pk=ask("eva@example.com", "Order 7 again").tickets.latest("pk").pk)
    assert second.pk != first.pk
    ticket_merge(source=first, target=second, by=make_agent("anna"))
    client = customer_client(eva)
    response = client.get(f"/support/requests/{first.pk}/")
    assert response.status_code == 302
    assert response.url == f"/support/requests/{second.pk}/"
    # The list shows the survivor only (the merged one's messages are on it).
    listing = client.get("/support/").content.decode()
    assert f"/support/requests/{first.pk}/" not in listing
    assert f"/support/requests/{second.pk}/" in listing


def test_the_request_page_takes_a_fixed_number_of_queries(customer_client, ask, make_agent) -> None:
    eva = ask("eva@example.com", "Order 7 is late")
    ticket = eva.tickets.get()
    client = customer_client(eva)
    url = f"/support/requests/{ticket.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    anna = make_agent("anna")
    for n in range(4):
        client.post(f"{url}reply/", _form(f"Reply {n}", _file(f"a{n}.pdf"), _file(f"b{n}.pdf")))
        reply_create(
            ticket=ticket,
            author=anna,
            body_text=f"Answer {n}",
            attachments=[InboundAttachment(filename=f"c{n}.pdf", content=b"pdf")],
        )
    client.get(url)  # the confirmations are shown (and consumed) once
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count('class="portal-file"') == 12
    # Session, user, groups, account; ticket, messages, files, survey; the sliding expiry.
    assert len(many) == len(few) == 11, "\n".join(q["sql"][:150] for q in many.captured_queries)
