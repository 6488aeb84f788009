""" "Download my data": a ZIP of `data.json` (identities, tickets, public messages, survey
answers) and the files attached to those messages, built by a Celery task into private
storage, linked by email, removed after `PRIVACY_EXPORT_DAYS`.

Memory stays flat: the ZIP is written to a temporary file on disk, each attachment copied
into it in chunks, and the finished file streamed into storage.
"""

from __future__ import annotations

import json
import logging
import shutil
import smtplib
import tempfile
import zipfile
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from customers.models import Customer, IdentityKind
from privacy.models import DataExport, ExportStatus, export_storage
from surveys.models import NpsAnswer, SurveyAnswer
from tickets.models import Attachment, Direction, Message, Ticket

log = logging.getLogger(__name__)

PUBLIC_DIRECTIONS = (Direction.INBOUND, Direction.OUTBOUND)
CHUNK = 64 * 1024
# A pending export older than this lost its task.
REDRIVE_AFTER = timedelta(minutes=10)


@transaction.atomic
def export_request(*, customer: Customer) -> DataExport:
    """Start an export, or return the one still being prepared (asking twice builds one)."""
    building = DataExport.objects.filter(customer=customer, status=ExportStatus.PENDING).first()
    if building is not None:
        return building
    now = timezone.now()
    export = DataExport.objects.create(
        customer=customer, expires_at=now + timedelta(days=settings.PRIVACY_EXPORT_DAYS)
    )
    # Imported here: the task module imports this one.
    from privacy.tasks import export_build as task

    transaction.on_commit(lambda: task.delay(export.pk))
    return export


def export_build(*, export_id: str) -> DataExport | None:
    """Build the ZIP of a pending export, store it, mark it ready and email the link. The
    row is locked while building (SKIP LOCKED), so a task delivered twice builds it once."""
    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("customer")
            .filter(pk=export_id, status=ExportStatus.PENDING)
            .first()
        )
        if export is None:
            return None
        try:
            name, size = _zip_store(export)
        except OSError as error:
            log.exception("privacy export %s failed", export_id)
            export.status = ExportStatus.FAILED
            export.error = str(error)[:500]
            export.save(update_fields=["status", "error"])
            return export
        export.status = ExportStatus.READY
        export.file.name = name
        export.size = size
        export.ready_at = timezone.now()
        export.save(update_fields=["status", "file", "size", "ready_at"])
    _email(export)
    return export


def export_data(*, customer: Customer) -> dict[str, Any]:
    """What `data.json` holds: the customer's own data, never notes or agent-only fields."""
    messages = _public_messages(customer)
    by_ticket: dict[int, list[dict[str, Any]]] = {}
    for message in messages:
        by_ticket.setdefault(message.ticket_id, []).append(_message_data(message))
    tickets = Ticket.objects.filter(customer=customer).order_by("created_at", "pk")
    return {
        "exported_at": timezone.now().isoformat(),
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "language": customer.language,
            "created_at": customer.created_at.isoformat(),
        },
        "identities": [
            {"kind": i.kind, "value": i.value, "display": i.display, "since": _iso(i.created_at)}
            for i in customer.identities.order_by("kind", "value")
        ],
        "tickets": [
            {
                "number": ticket.pk,
                "subject": ticket.subject,
                "status": ticket.status,
                "channel": ticket.channel,
                "created_at": _iso(ticket.created_at),
                "solved_at": _iso(ticket.solved_at),
                "closed_at": _iso(ticket.closed_at),
                "messages": by_ticket.get(ticket.pk, []),
            }
            for ticket in tickets
        ],
        "survey_answers": _survey_answers(customer),
    }


def exports_redrive(*, now: datetime | None = None) -> int:
    """Build exports whose task the broker lost (a Redis flush, a dead worker) and email
    ready ones whose email failed: the row is the truth, never the queue. Returns how many
    were handled."""
    now = now or timezone.now()
    stale = DataExport.objects.filter(
        status=ExportStatus.PENDING, created_at__lt=now - REDRIVE_AFTER, expires_at__gt=now
    ).values_list("pk", flat=True)
    built = [export_build(export_id=pk) for pk in list(stale)]
    unsent = DataExport.objects.select_related("customer").filter(
        status=ExportStatus.READY,
        emailed_at__isnull=True,
        expires_at__gt=now,
        customer__identities__kind=IdentityKind.EMAIL,
    )
    for export in unsent.distinct():
        _email(export)
    return len(built)


def exports_expire(*, now: datetime | None = None) -> int:
    """Remove the files of exports past their expiry; the rows stay as `expired`."""
    now = now or timezone.now()
    due = DataExport.objects.filter(
        expires_at__lte=now, status__in=[ExportStatus.READY, ExportStatus.PENDING]
    )
    count = 0
    for export in due:
        export_expire(export=export)
        count += 1
    return count


def export_expire(*, export: DataExport) -> DataExport:
    if export.file.name:
        export_storage().delete(export.file.name)
    DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file="", size=0)
    export.refresh_from_db()
    return export


def _public_messages(customer: Customer) -> list[Message]:
    return list(
        Message.objects.filter(ticket__customer=customer, direction__in=PUBLIC_DIRECTIONS)
        .prefetch_related("attachments")
        .order_by("ticket_id", "created_at", "pk")
    )


def _message_data(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "from": "you" if message.direction == Direction.INBOUND else "us",
        "channel": message.channel,
        "subject": message.subject,
        "text": message.body_text,
        "sent_at": _iso(message.sent_by_customer_at or message.created_at),
        "attachments": [
            {
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "file": _zip_name(attachment),
            }
            for attachment in message.attachments.all()
        ],
    }


def _survey_answers(customer: Customer) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = [
        {
            "ticket": answer.ticket_id,
            "rating": answer.rating,
            "comment": answer.comment,
            "answered_at": _iso(answer.answered_at),
        }
        for answer in SurveyAnswer.objects.filter(customer=customer).order_by("answered_at")
    ]
    answers += [
        {
            "recommend_score": nps.score,
            "comment": nps.comment,
            "answered_at": _iso(nps.answered_at),
        }
        for nps in NpsAnswer.objects.filter(customer=customer).order_by("answered_at")
    ]
    return answers


def _zip_name(attachment: Attachment) -> str:
    # The display name is already cleaned of paths; the message id keeps equal names apart.
    return f"attachments/{attachment.message_id}/{attachment.pk}-{attachment.filename}"


def _zip_store(export: DataExport) -> tuple[str, int]:
    data = export_data(customer=export.customer)
    messages = _public_messages(export.customer)
    with tempfile.TemporaryFile() as spool:
        with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
            for message in messages:
                for attachment in message.attachments.all():
                    _zip_file(archive, attachment)
        size = spool.tell()
        spool.seek(0)
        name = export_storage().save(f"exports/{export.pk}.zip", File(spool))
    return name, size


def _zip_file(archive: zipfile.ZipFile, attachment: Attachment) -> None:
    try:
        source = attachment.file.open("rb")
    except FileNotFoundError:
        log.warning("attachment %s has no stored file", attachment.pk)
        return
    with source, archive.open(_zip_name(attachment), "w") as target:
        shutil.copyfileobj(source, target, CHUNK)


def _email(export: DataExport) -> None:
    """Tell the customer on their email identity; without one, the portal page says it."""
    customer = export.customer
    address = (
        customer.identities.filter(kind=IdentityKind.EMAIL)
        .order_by("created_at")
        .values_list("value", flat=True)
        .first()
    )
    if not address:
        return
    url = settings.SITE_URL.rstrip("/") + reverse("portal:privacy_export", args=[export.pk])
    context = {
        "customer": customer,
        "url": url,
        "days": settings.PRIVACY_EXPORT_DAYS,
        "expires": timezone.localtime(export.expires_at),
        "organisation": settings.PORTAL_ORGANISATION_NAME,
    }
    with translation.override(customer.language or settings.LANGUAGE_CODE):
        subject = render_to_string("emails/privacy_export_subject.txt", context).strip()
        body = render_to_string("emails/privacy_export.txt", context)
    try:
        send_mail(subject, body, None, [address])
    except (OSError, smtplib.SMTPException):
        # The file is ready and the page shows it; the hourly sweep tries the email again.
        log.warning("privacy export %s: email failed", export.pk, exc_info=True)
        return
    DataExport.objects.filter(pk=export.pk).update(emailed_at=timezone.now())


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
