""" "Download my data": the ZIP's JSON and files, public messages only, the link works only
for its own signed-in customer, and an expired one says so; the privacy page and the
portal's "erase me" request."""

from __future__ import annotations

import io
import json
import re
import secrets
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from portal.signin import account_for
from privacy.models import DataExport, ErasureRequest, ExportStatus
from privacy.tasks import exports_sweep
from tests.factories import inbound
from tests.privacy.conftest import EMAIL, FILE_CONTENT, NAME, PHONE, WORDS
from tickets.services import message_ingest, note_add

pytestmark = pytest.mark.django_db

BACKEND = "helpdesk.auth_api.PasswordCheckBackend"


def sign_in(client: Any, customer: Any) -> Any:
    client.logout()
    client.force_login(account_for(customer), backend=BACKEND)
    return client


def ask_export(client: Any, capture: Any) -> DataExport:
    with capture(execute=True):
        response = client.post("/support/privacy/export/")
    assert response.status_code == 303
    return DataExport.objects.latest("created_at")


@pytest.fixture
def exported(client, agent, history, django_capture_on_commit_callbacks) -> dict[str, Any]:
    world = history()
    note_add(ticket=world["tickets"][0], author=agent, body_text="Interne notitie Spinazie")
    sign_in(client, world["customer"])
    export = ask_export(client, django_capture_on_commit_callbacks)
    return {**world, "export": export}


def test_the_zip_holds_her_data_and_files_and_public_messages_only(
    client, exported, settings
) -> None:
    export = exported["export"]
    assert export.status == ExportStatus.READY
    # Private storage: outside the media folder, reachable by no static URL.
    assert Path(settings.PRIVACY_EXPORT_ROOT) in Path(export.file.path).parents
    assert Path(settings.MEDIA_ROOT) not in Path(export.file.path).parents

    [email] = mail.outbox[-1:]
    assert email.to == [EMAIL]
    link = re.search(r"https?://\S+/support/privacy/exports/(\S+)/", email.body)
    assert link is not None
    assert link.group(1) == export.pk

    response = client.get(f"/support/privacy/exports/{export.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = json.loads(archive.read("data.json"))
    assert data["customer"]["name"] == NAME
    assert {(i["kind"], i["value"]) for i in data["identities"]} == {
        ("email", EMAIL),
        ("whatsapp", PHONE),
    }
    messages = [m for t in data["tickets"] for m in t["messages"]]
    texts = " ".join(m["text"] for m in messages)
    assert WORDS[0] in texts  # her email
    assert WORDS[1] in texts  # her WhatsApp
    assert WORDS[4] in texts  # our reply
    assert {m["from"] for m in messages} == {"you", "us"}
    assert "Spinazie" not in texts
    assert "Recovery" not in texts
    assert [(a["rating"], WORDS[3] in a["comment"]) for a in data["survey_answers"]] == [(2, True)]
    [attachment] = [a for m in messages for a in m["attachments"]]
    assert archive.read(attachment["file"]) == FILE_CONTENT
    assert sorted(archive.namelist()) == sorted(["data.json", attachment["file"]])


def test_another_customer_gets_a_404_for_her_export(client, exported) -> None:
    export = exported["export"]
    sign_in(client, exported["other"])
    assert client.get(f"/support/privacy/exports/{export.pk}/").status_code == 404
    guessed = secrets.token_urlsafe(24)
    assert client.get(f"/support/privacy/exports/{guessed}/").status_code == 404
    # Nor does Bram's page show hers.
    page = client.get("/support/privacy/").content.decode()
    assert export.pk not in page


def test_anonymous_gets_the_sign_in(client, exported) -> None:
    export = exported["export"]
    client.logout()
    response = client.get(f"/support/privacy/exports/{export.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/support/signin")


def test_an_expired_export_says_so_and_its_file_is_gone(client, exported) -> None:
    export = exported["export"]
    path = Path(export.file.path)
    assert path.exists()
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"/support/privacy/exports/{export.pk}/")
    assert response.status_code == 200
    assert b'href="/support/privacy/#download"' in response.content
    assert response["Content-Type"].startswith("text/html")
    assert not path.exists()
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED
    page = client.get("/support/privacy/").content.decode()
    assert 'data-state="expired"' in page


def test_the_beat_task_removes_expired_files(exported) -> None:
    export = exported["export"]
    path = Path(export.file.path)
    assert exports_sweep.delay().get() == 0
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now())
    assert exports_sweep.delay().get() == 1
    assert not path.exists()
    assert DataExport.objects.get(pk=export.pk).status == ExportStatus.EXPIRED


def test_without_an_email_the_page_shows_it_ready(
    client, history, django_capture_on_commit_callbacks
) -> None:
    history()
    result = message_ingest(data=inbound(channel="whatsapp", value="+48601234567"))
    sign_in(client, result.ticket.customer)
    outbox = len(mail.outbox)
    export = ask_export(client, django_capture_on_commit_callbacks)
    assert export.status == ExportStatus.READY
    assert len(mail.outbox) == outbox
    page = client.get("/support/privacy/").content.decode()
    assert 'data-state="ready"' in page
    assert f"/support/privacy/exports/{export.pk}/" in page


def test_the_privacy_page_is_readable_without_signing_in(client, settings, db) -> None:
    settings.PRIVACY_RETENTION_MONTHS = 18
    page = client.get("/support/privacy/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "18 months" in text
    assert "7 days" in text
    assert "30 minutes" in text
    assert "/support/privacy/export/" not in text
    assert 'href="/support/signin/"' in text


def test_erase_me_needs_the_confirmation_and_is_one_request(client, history) -> None:
    world = history()
    sign_in(client, world["customer"])
    assert client.get("/support/privacy/erase/").status_code == 200
    assert client.post("/support/privacy/erase/").status_code == 400
    assert not ErasureRequest.objects.exists()
    assert client.post("/support/privacy/erase/", {"confirm": "yes"}).status_code == 303
    assert client.post("/support/privacy/erase/", {"confirm": "yes"}).status_code == 303
    assert ErasureRequest.objects.filter(customer=world["customer"]).count() == 1
    page = client.get("/support/privacy/").content.decode()
    assert 'data-state="pending"' in page
    client.logout()
    assert client.post("/support/privacy/erase/", {"confirm": "yes"}).status_code == 302


def test_the_sweep_builds_an_export_whose_task_was_lost(client, history) -> None:
    world = history()
    # Asked, but the on-commit task never ran (a Redis flush, say): the row stays pending.
    sign_in(client, world["customer"])
    client.post("/support/privacy/export/")
    export = DataExport.objects.get()
    assert export.status == ExportStatus.PENDING
    assert exports_sweep.delay().get() == 0
    assert DataExport.objects.get().status == ExportStatus.PENDING
    DataExport.objects.filter(pk=export.pk).update(
        created_at=timezone.now() - timedelta(minutes=11)
    )
    outbox = len(mail.outbox)
    exports_sweep.delay().get()
    assert DataExport.objects.get().status == ExportStatus.READY
    assert len(mail.outbox) == outbox + 1
    # Emailed once: the next sweep sends nothing more.
    exports_sweep.delay().get()
    assert len(mail.outbox) == outbox + 1
