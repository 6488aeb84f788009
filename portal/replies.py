"""A customer's reply on the request page: the form and the one write it makes. A portal
reply is an inbound `web` message like any channel's, so it goes through `message_ingest`
(threading by ticket token, reopening, follow-ups, chasing, SLA) and nowhere else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from customers.models import Customer
from tickets.models import Channel, Status, Ticket
from tickets.services import InboundAttachment, InboundMessage, IngestResult, message_ingest
from tickets.services.replies import MESSAGE_FILES_MAX

# What the customer types is stored as their message; a novel is fine, a megabyte is not.
BODY_MAX_CHARS = 20_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one `<input type="file" multiple>`; each checked by the form."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile[bytes]]:
        if not data:
            return []
        items = data if isinstance(data, list | tuple) else [data]
        return [item for item in items if item is not None]


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        required=False,
        strip=True,
        max_length=BODY_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    attachments = MultipleFileField(label=_("Add files (optional)"), required=False)
    # One per form shown: a second submit of the same form is the same message (the
    # provider message id), so a double tap or a resent POST stores it once.
    form_id = forms.UUIDField(widget=forms.HiddenInput)

    max_files = MESSAGE_FILES_MAX

    @property
    def max_size(self) -> str:
        return filesizeformat(settings.HELPDESK_ATTACHMENT_MAX_BYTES)

    def clean_attachments(self) -> list[UploadedFile[bytes]]:
        files: list[UploadedFile[bytes]] = self.cleaned_data["attachments"]
        errors = files_refused(files)
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not cleaned.get("body") and not cleaned.get("attachments"):
            raise forms.ValidationError(
                _("Write a message or add a file before sending."), code="empty"
            )
        return cleaned


def reply_form_new() -> ReplyForm:
    """An empty form with its own id (the id makes a double submit one message)."""
    return ReplyForm(initial={"form_id": uuid.uuid4()})


def files_refused(files: Sequence[UploadedFile[bytes]]) -> list[str]:
    """Why these files cannot be sent, in the customer's words: the channels' own limits
    (HELPDESK_ATTACHMENT_MAX_BYTES each, MESSAGE_FILES_MAX at once), checked before any file
    is read into memory; an empty file is refused too (it is always a mistake)."""
    if len(files) > MESSAGE_FILES_MAX:
        return [str(_("You can add at most %(n)s files at once.") % {"n": MESSAGE_FILES_MAX})]
    limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    errors: list[str] = []
    for upload in files:
        name = upload.name or ""
        if (upload.size or 0) > limit:
            errors.append(
                str(
                    _("%(name)s is too large: a file can be at most %(size)s.")
                    % {"name": name, "size": filesizeformat(limit)}
                )
            )
        elif not upload.size:
            errors.append(
                str(_("%(name)s is empty. Please choose the file again.") % {"name": name})
            )
    return errors


def reply_send(
    *, customer: Customer, ticket: Ticket, form: ReplyForm, language: str
) -> IngestResult:
    """Store a valid reply form as the customer's inbound web message on `ticket` (a solved
    one opens again; a closed one gets a linked follow-up: `message_ingest` decides)."""
    values = form.cleaned_data
    return message_ingest(
        data=InboundMessage(
            channel=Channel.WEB,
            identity_kind="email",
            identity_value="",
            customer_id=customer.pk,
            ticket_number=ticket.pk,
            # A closed request's follow-up is about the same thing: it keeps the subject
            # (else ingest would take the reply's first line).
            subject=ticket.subject if ticket.status == Status.CLOSED else "",
            # Browsers post a textarea's line breaks as CRLF; the rest of the system stores LF.
            body_text=values["body"].replace("\r\n", "\n"),
            attachments=[_attachment(upload) for upload in values["attachments"]],
            provider_message_id=f"portal:{values['form_id']}",
            language_hint=language,
        )
    )


def _attachment(upload: UploadedFile[bytes]) -> InboundAttachment:
    return InboundAttachment(
        filename=upload.name or "",
        content=upload.read(),
        content_type=upload.content_type or "application/octet-stream",
    )
