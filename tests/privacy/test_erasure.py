"""THE erasure test: after a manager approves, nothing of the customer's personal data is
left in any text, varchar, array or JSON column of any table, nor in the media folder,
while every figure dashboards and the API show is the same; and the refusals beside it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from customers.models import Identity
from portal.signin import account_for
from privacy.models import ErasureRequest, ErasureStatus
from privacy.services import erasure_request
from tests.privacy.conftest import (
    EMAIL,
    FILE_CONTENT,
    NAME,
    OTHER_WORDS,
    PHONE,
    WORDS,
    customer_reload,
    figures,
)
from tickets.models import Attachment, Message, TicketEvent

pytestmark = pytest.mark.django_db

SEARCHED_TYPES = ("text", "character varying", "json", "jsonb", "ARRAY", "bytea")


def database_hits(needle: str) -> list[str]:
    """Every table.column of the database whose value contains `needle` (any case)."""
    hits: list[str] = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns"
            " WHERE table_schema = 'public' AND data_type = ANY(%s)",
            [list(SEARCHED_TYPES)],
        )
        columns = cursor.fetchall()
        for table, column, kind in columns:
            value = f"encode(\"{column}\", 'escape')" if kind == "bytea" else f'"{column}"::text'
            cursor.execute(
                f'SELECT count(*) FROM "{table}" WHERE strpos(lower({value}), lower(%s)) > 0',  # noqa: S608
                [needle],
            )
            if cursor.fetchone()[0]:
                hits.append(f"{table}.{column}")
    return hits


def media_hits(root: Path, content: bytes) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and content in p.read_bytes()]


def approve(client: Any, manager: Any, request: ErasureRequest, capture: Any) -> Any:
    client.force_login(manager)
    with capture(execute=True):
        return client.post(
            f"/desk/privacy/{request.pk}/decide/",
            {"decision": "approve", "confirm": "yes", "note": "Checked by phone"},
        )


def test_erasure_leaves_no_personal_data_and_the_same_figures(
    client, manager, history, media, django_capture_on_commit_callbacks
) -> None:
    world = history()
    customer = world["customer"]
    needles = [NAME, EMAIL, PHONE, PHONE.lstrip("+"), *WORDS]
    # The setup really stored them where an erasure must look.
    assert database_hits(NAME)
    assert {"tickets_message.body_text", "surveys_surveyanswer.comment"} <= set(
        database_hits(WORDS[0]) + database_hits(WORDS[3])
    )
    assert "channels_inbox_inboundreceipt.body" in database_hits(WORDS[1])
    assert "tickets_ticketevent.text" in database_hits(PHONE)
    assert media_hits(media, FILE_CONTENT)
    before = figures(manager)
    # She is signed in on her phone: erasure signs that session out.
    phone = Client()
    portal_user = account_for(customer)
    phone.force_login(portal_user, backend="helpdesk.auth_api.PasswordCheckBackend")
    assert phone.get("/support/").status_code == 200

    request = erasure_request(customer=customer)
    response = approve(client, manager, request, django_capture_on_commit_callbacks)
    assert response.status_code == 303

    request.refresh_from_db()
    assert request.status == ErasureStatus.DONE
    assert request.decided_by == manager
    leftovers = {needle: database_hits(needle) for needle in needles}
    assert leftovers == {needle: [] for needle in needles}
    assert media_hits(media, FILE_CONTENT) == []
    assert not Attachment.objects.filter(message__ticket__customer=customer).exists()
    assert figures(manager) == before
    # The rows figures count are all still there.
    assert Message.objects.filter(ticket__customer=customer).count() >= 5
    assert customer_reload(customer).name == ""
    assert not Identity.objects.filter(customer=customer).exists()
    # The timeline kept its shape; only the words went.
    assert TicketEvent.objects.filter(ticket__customer=customer).count() > 5
    assert phone.get("/support/").status_code == 302
    signed_in = {str(s.get_decoded().get("_auth_user_id")) for s in Session.objects.all()}
    assert str(portal_user.pk) not in signed_in
    # The desk and the API still show the tickets, without her words.
    for ticket in world["tickets"]:
        page = client.get(f"/desk/tickets/{ticket.pk}/")
        assert page.status_code == 200
        assert WORDS[0] not in page.content.decode()
        assert client.get(f"/api/v1/tickets/{ticket.pk}/messages/").status_code in (200, 403)
    panel = client.get(f"/desk/tickets/{world['tickets'][0].pk}/customer/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200


def test_erasure_leaves_another_customer_untouched(
    client, manager, history, django_capture_on_commit_callbacks
) -> None:
    world = history()
    other = world["other"]
    before = list(Message.objects.filter(ticket__customer=other).values())
    request = erasure_request(customer=world["customer"])
    approve(client, manager, request, django_capture_on_commit_callbacks)
    assert list(Message.objects.filter(ticket__customer=other).values()) == before
    assert customer_reload(other).name == "Bram Bakker"
    assert database_hits(OTHER_WORDS[0])
    assert database_hits(OTHER_WORDS[1])
    assert "channels_inbox_inboundreceipt.body" in database_hits("bram@example.net")


def test_an_agent_who_is_not_a_manager_cannot_approve(client, agent, history) -> None:
    world = history()
    request = erasure_request(customer=world["customer"])
    client.force_login(agent)
    response = client.post(
        f"/desk/privacy/{request.pk}/decide/", {"decision": "approve", "confirm": "yes"}
    )
    assert response.status_code == 403
    assert client.get("/desk/privacy/").status_code == 403
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING
    assert database_hits(NAME)


def test_a_customer_cannot_approve(client, history) -> None:
    world = history()
    request = erasure_request(customer=world["customer"])
    client.force_login(
        account_for(world["customer"]), backend="helpdesk.auth_api.PasswordCheckBackend"
    )
    response = client.post(
        f"/desk/privacy/{request.pk}/decide/", {"decision": "approve", "confirm": "yes"}
    )
    assert response.status_code == 403
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING


def test_a_rejected_request_erases_nothing(
    client, manager, history, media, django_capture_on_commit_callbacks
) -> None:
    world = history()
    request = erasure_request(customer=world["customer"])
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/desk/privacy/{request.pk}/decide/", {"decision": "reject", "note": "Not her"}
        )
    request.refresh_from_db()
    assert request.status == ErasureStatus.REJECTED
    assert request.note == "Not her"
    assert all(database_hits(needle) for needle in (NAME, EMAIL, PHONE, *WORDS))
    assert media_hits(media, FILE_CONTENT)
    # Decided once: approving it afterwards changes nothing.
    approve(client, manager, request, django_capture_on_commit_callbacks)
    request.refresh_from_db()
    assert request.status == ErasureStatus.REJECTED
    assert database_hits(NAME)


def test_approval_needs_the_confirmation_box(client, manager, history) -> None:
    world = history()
    request = erasure_request(customer=world["customer"])
    client.force_login(manager)
    client.post(f"/desk/privacy/{request.pk}/decide/", {"decision": "approve"})
    request.refresh_from_db()
    assert request.status == ErasureStatus.PENDING


def test_events_stay_append_only_outside_an_erasure(history) -> None:
    from django.db import DatabaseError, transaction

    world = history()
    event = TicketEvent.objects.filter(ticket=world["tickets"][0]).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        TicketEvent.objects.filter(pk=event.pk).update(text="rewritten")


def test_the_desk_lists_pending_requests_for_managers(client, manager, history) -> None:
    world = history()
    erasure_request(customer=world["customer"])
    client.force_login(manager)
    page = client.get("/desk/privacy/")
    assert page.status_code == 200
    assert NAME in page.content.decode()
    assert b"Approve and erase" in page.content
    assert b'href="/desk/privacy/"' in client.get("/desk/").content
