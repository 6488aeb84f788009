"""A new request from the portal: the form (signed in, or public with an email address and
spam limits), its storage through `message_ingest` like any channel's message, and the
confirmation email with a sign-in link for someone who was not signed in."""

from __future__ import annotations

import hashlib
import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

from django import forms
from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.http import urlencode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from sesame.utils import get_token

from customers.models import Customer
from customers.normalise import InvalidIdentity, normalise_email
from portal.selectors import PROMISE_STATUSES
from portal.signin import _hit, account_for
from tickets.models import AutomaticPurpose, Channel, Ticket
from tickets.promise import (
    customer_time_zone,
    manager_wording,
    placeholders_fill,
    promise_due,
    promise_format,
    promise_values,
)
from tickets.services import InboundAttachment, InboundMessage, IngestResult, message_ingest
from tickets.services.replies import MESSAGE_FILES_MAX

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

# What customers write about most; each becomes a tag the desk can filter and route on.
CATEGORIES: tuple[tuple[str, Promise], ...] = (
    ("orders", _("Orders and delivery")),
    ("returns", _("Returns and exchanges")),
    ("damaged", _("Damaged or wrong product")),
    ("events", _("Tickets and events")),
    ("privacy", _("Privacy and your data")),
    ("other", _("Something else")),
)

# People take longer than this to type a request; scripts that post at once do not.
MIN_FILL_SECONDS = 3
# A form left open longer than a day gets a fresh token (and keeps its text).
FORM_MAX_AGE_SECONDS = 24 * 3600
# How long the confirmation page's address keeps working (a reload, a back button).
SENT_MAX_AGE_SECONDS = 24 * 3600
_FORM_SALT = "portal.new_request.form"
_SENT_SALT = "portal.new_request.sent"


def category_tag(category: str) -> str:
    return f"category:{category}"


class FormToken(NamedTuple):
    """The hidden field every new-request form carries: the request's own id (a double
    submit stores one ticket) and when the form was shown (the minimum fill time)."""

    request_id: str
    shown_at: float


def form_token_new(*, shown_at: float | None = None) -> str:
    payload = {"id": uuid.uuid4().hex, "t": time.time() if shown_at is None else shown_at}
    return signing.dumps(payload, salt=_FORM_SALT)


def form_token_read(value: str) -> FormToken | None:
    """The token's content, or None when it was tampered with or is older than a day."""
    try:
        payload = signing.loads(value, salt=_FORM_SALT, max_age=FORM_MAX_AGE_SECONDS)
        return FormToken(str(uuid.UUID(hex=payload["id"]).hex), float(payload["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


class NewRequestForm(forms.Form):
    subject = forms.CharField(max_length=200, label=_("Subject"))
    message = forms.CharField(max_length=20000, label=_("Your message"))
    category = forms.ChoiceField(choices=CATEGORIES, label=_("What is it about?"))
    token = forms.CharField(max_length=500)

    def clean_token(self) -> FormToken:
        token = form_token_read(self.cleaned_data["token"])
        if token is None:
            raise forms.ValidationError(_("This form was open too long. Please send it again."))
        return token


class PublicRequestForm(NewRequestForm):
    """Without signing in: who writes, and a field only scripts fill in."""

    name = forms.CharField(max_length=200, required=False, label=_("Your name"))
    email = forms.CharField(max_length=320, label=_("Email address"))
    website = forms.CharField(required=False, max_length=500)

    def clean_email(self) -> str:
        try:
            return normalise_email(self.cleaned_data["email"])
        except InvalidIdentity:
            raise forms.ValidationError(
                _("That does not look like an email address. Please check it.")
            ) from None


def spam_refusal(form: NewRequestForm, *, now: float | None = None) -> str:
    """Why a public form is refused as a script's ("trap", "fast"), or "" when a person
    could have sent it. Checked before the limits so scripts do not spend people's counts."""
    if not isinstance(form, PublicRequestForm):
        return ""
    if str(form.data.get("website", "")).strip():
        return "trap"
    token = form_token_read(str(form.data.get("token", "")))
    if token is not None and (now or time.time()) - token.shown_at < MIN_FILL_SECONDS:
        return "fast"
    return ""


def files_errors(files: list[UploadedFile[bytes]]) -> list[str]:
    """The limits every channel's files meet, checked before anything is read or stored."""
    if len(files) > MESSAGE_FILES_MAX:
        return [gettext("At most %(n)s files can go with one request.") % {"n": MESSAGE_FILES_MAX}]
    limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
    errors = []
    for upload in files:
        if not upload.size:
            errors.append(gettext("%(name)s is empty.") % {"name": upload.name})
        elif upload.size > limit:
            errors.append(
                gettext("%(name)s is larger than the %(size)s a file may be.")
                % {"name": upload.name, "size": filesizeformat(limit)}
            )
    return errors


def public_request_allowed(*, email: str, ip: str) -> bool:
    """Hourly counts per address and per client address; both spent on every try. The
    address is hashed, so no email lands in the cache."""
    digest = hashlib.sha256(email.encode()).hexdigest()[:32]
    by_address = _hit(f"portal:request:addr:{digest}", settings.PORTAL_REQUESTS_PER_ADDRESS)
    by_ip = _hit(f"portal:request:ip:{ip}", settings.PORTAL_REQUESTS_PER_IP)
    return by_address and by_ip


def request_submit(
    *,
    form: NewRequestForm,
    files: list[UploadedFile[bytes]],
    customer: Customer | None,
    language: str,
) -> IngestResult:
    """Store the request as a `web` message through the one ingestion every channel uses:
    customer resolution, a new ticket with the category tag, SLA, chasing and realtime."""
    values = form.cleaned_data
    token: FormToken = values["token"]
    data = InboundMessage(
        channel=Channel.WEB,
        identity_kind="email",
        identity_value="" if customer else values["email"],
        customer_id=customer.pk if customer else None,
        customer_name="" if customer else values["name"].strip(),
        new_ticket=True,
        tags=[category_tag(values["category"])],
        subject=values["subject"].strip(),
        body_text=values["message"],
        attachments=[
            InboundAttachment(
                filename=upload.name or "file",
                content=upload.read(),
                content_type=upload.content_type or "application/octet-stream",
            )
            for upload in files
        ],
        provider_message_id=f"portal:{token.request_id}",
        language_hint=language,
    )
    return message_ingest(data=data)


def promise_of(ticket: Ticket, *, language: str | None = None) -> str:
    """When a person will answer, from the running response clock, as every automatic
    message says it (`tickets.promise`): in `language` (the active one by default) and the
    customer's time zone when their phone number tells it. "" when we do not owe an answer
    or no policy times this channel."""
    if ticket.status not in PROMISE_STATUSES:
        return ""
    due = promise_due(ticket)
    if due is None:
        return ""
    zone = customer_time_zone(ticket)
    return promise_format(due, language=language or translation.get_language(), zone=zone)


def _manager_text(ticket: Ticket, url: str) -> str:
    """The managers' own confirmation wording for the web form in the customer's language
    ("" when they wrote none), with the sign-in link as the portal link."""
    values = promise_values(ticket, link=url)
    text = manager_wording(
        purpose=AutomaticPurpose.ACKNOWLEDGEMENT, channel=Channel.WEB, language=values.language
    )
    if not text:
        return ""
    filled = placeholders_fill(text, values.values)
    return filled if url in filled else f"{filled}\n\n{url}"


def confirmation_send(*, request: HttpRequest, ticket: Ticket, email: str) -> None:
    """Email the address that wrote: the number, the promise and a single-use link that
    signs in and opens the request. Sent whether or not the address had an account, so
    the page after the form says the same to everyone."""
    # Read again: ingestion sets the SLA due time by an update the passed object missed.
    ticket = Ticket.objects.select_related("customer").get(pk=ticket.pk)
    customer = ticket.customer
    token = get_token(account_for(customer))
    link = reverse("portal:signin_link", args=[token])
    query = urlencode({"next": reverse("portal:request", args=[ticket.pk])})
    url = request.build_absolute_uri(f"{link}?{query}")
    with translation.override(customer.language or translation.get_language()):
        context = {
            "customer": customer,
            "ticket": ticket,
            "due": promise_of(ticket),
            "text": _manager_text(ticket, url),
            "url": url,
            "minutes": settings.SESAME_MAX_AGE // 60,
        }
        subject = render_to_string("emails/portal_new_request_subject.txt", context).strip()
        body = render_to_string("emails/portal_new_request.txt", context)
    send_mail(subject, body, None, [email])


@dataclass(frozen=True)
class Sent:
    ticket: Ticket
    emailed: bool


def sent_token(*, ticket: Ticket, emailed: bool) -> str:
    return signing.dumps({"id": ticket.pk, "emailed": emailed}, salt=_SENT_SALT)


def sent_request(token: str) -> Sent | None:
    """The request a confirmation page names: only its number, status and promise are
    read, as a public form's sender is not signed in and may see no more."""
    try:
        payload = signing.loads(token, salt=_SENT_SALT, max_age=SENT_MAX_AGE_SECONDS)
        ticket_id, emailed = int(payload["id"]), bool(payload["emailed"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    ticket = (
        Ticket.objects.select_related("customer")
        .only("id", "status", "sla_due_at", "customer_id", "customer__id")
        .filter(pk=ticket_id)
        .first()
    )
    return Sent(ticket, emailed) if ticket else None
