"""The composer on the ticket page: send a reply or a note (with files, a macro, a status),
fill a macro's placeholders, and log phone calls. htmx swaps the composer's own fragments
(`desk/ticket/_m_*.html`); without JavaScript the forms post and come back to the page."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from desk.access import DeskRequest, agent_required
from desk.backend_text import error_text
from desk.composer import (
    KIND_CHANNEL,
    THEN_STATUSES,
    ComposerState,
    Outgoing,
    body_fill,
    collision_find,
    composer_build,
    composer_send,
)
from desk.macros import (
    PLACEHOLDERS,
    macro_get,
    missing_fields,
    placeholder_values,
    placeholders_fill,
)
from desk.navigation import desk_context
from desk.views import macros
from helpdesk.errors import DomainError
from tickets.models import CallDirection, Message, Ticket
from tickets.selectors import ticket_get_for_user
from tickets.services import InboundAttachment, call_log, call_log_new
from tickets.services.replies import MESSAGE_FILES_MAX


class ComposerForm(forms.Form):
    kind = forms.ChoiceField(choices=[("reply", "reply"), ("note", "note")])
    body = forms.CharField(required=False, strip=False)
    identity = forms.IntegerField(required=False)
    seen = forms.IntegerField(min_value=0)
    then = forms.ChoiceField(choices=[("", "")] + [(s, s) for s in THEN_STATUSES], required=False)
    macro = forms.IntegerField(required=False)
    whatsapp_template = forms.CharField(required=False, max_length=512)
    whatsapp_language = forms.CharField(required=False, max_length=16)

    def files_checked(self, files: list[UploadedFile[bytes]]) -> list[str]:
        """The limits the service applies, checked before the files are read."""
        if len(files) > MESSAGE_FILES_MAX:
            return [_("At most %(n)s files can go on one message.") % {"n": MESSAGE_FILES_MAX}]
        limit = settings.HELPDESK_ATTACHMENT_MAX_BYTES
        return [
            _("%(name)s is larger than the %(size)s a file may be.")
            % {"name": f.name, "size": filesizeformat(limit)}
            for f in files
            if (f.size or 0) > limit
        ]


def _typed(form: ComposerForm, files: int) -> dict[str, Any]:
    """What the agent had in the composer, to show again with a refusal."""
    data = form.data
    identity = data.get("identity", "")
    return {
        "kind": "note" if data.get("kind") == "note" else "reply",
        "body": data.get("body", ""),
        "identity_id": int(identity) if str(identity).isdigit() else None,
        "template_name": data.get("whatsapp_template", ""),
        "template_language": data.get("whatsapp_language", ""),
        "then": data.get("then", "") if data.get("then") in THEN_STATUSES else "",
        "fills": {n: data.get(f"fill_{n}", "") for n in PLACEHOLDERS if data.get(f"fill_{n}")},
        "files_dropped": files,
    }


def _answer(request: DeskRequest, state: ComposerState, *, status: int = 200) -> HttpResponse:
    """The form fragment for htmx; for a plain form post a page with just the composer and
    the way back to the ticket."""
    context = {"ticket": state.ticket, "composer": state, "now": timezone.now()}
    if request.htmx:
        return render(request, "desk/ticket/_m_form.html", context, status=status)
    context.update(desk_context(user=request.user, current=None), standalone=True)
    return render(request, "desk/ticket/_m_page.html", context, status=status)


def _outgoing(request: DeskRequest, ticket: Ticket, form: ComposerForm) -> Outgoing:
    values = form.cleaned_data
    identity = None
    if values["identity"]:
        identity = ticket.customer.identities.filter(
            pk=values["identity"], kind__in=list(KIND_CHANNEL)
        ).first()
    template = None
    if values["whatsapp_template"].strip() and values["kind"] == "reply":
        template = {
            "name": values["whatsapp_template"].strip(),
            "language": values["whatsapp_language"].strip() or "en",
        }
    return Outgoing(
        kind=values["kind"],
        # Browsers post a textarea's line breaks as CRLF; the rest of the system stores LF.
        body=values["body"].replace("\r\n", "\n"),
        identity=identity,
        then=values["then"],
        macro_id=values["macro"],
        template=template,
        fills={n: request.POST.get(f"fill_{n}", "").strip() for n in PLACEHOLDERS},
        attachments=[
            InboundAttachment(
                filename=f.name or "",
                content=f.read(),
                content_type=f.content_type or "application/octet-stream",
            )
            for f in request.FILES.getlist("files")
        ],
    )


def _refused(
    request: DeskRequest, ticket: Ticket, typed: dict[str, Any], status: int, **more: Any
) -> HttpResponse:
    """The composer again with what the agent typed, the macro they applied and `more`
    (errors, a collision, the placeholders to fill)."""
    state = composer_build(ticket=ticket, user=request.user, **{**typed, **more})
    macro_id = request.POST.get("macro", "")
    if macro_id.isdigit():
        state = replace(state, macro=macro_get(macro_id=int(macro_id)))
    return _answer(request, state, status=status)


def _sent(request: DeskRequest, ticket: Ticket, message: Message, kind: str) -> HttpResponse:
    if not request.htmx:
        url = reverse("desk:ticket", args=[ticket.pk])
        return HttpResponseRedirect(f"{url}#message-{message.pk}", status=303)
    response = _answer(request, composer_build(ticket=ticket, user=request.user, kind=kind))
    return trigger_client_event(
        response,
        "desk:ticket-changed",
        {"ticket": ticket.pk, "event": "message.created", "data": {"message": message.pk}},
    )


@require_POST
@agent_required
def composer_send_view(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """Send a reply or add a note. Refusals (422: empty, a service's refusal, placeholders
    without a value; 409: someone else answered meanwhile) come back in the form with the
    text kept; success answers a cleared composer and tells the page the ticket changed."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=False)
    form = ComposerForm(request.POST)
    files = request.FILES.getlist("files")
    typed = _typed(form, len(files))
    if not form.is_valid():
        return _refused(request, ticket, typed, 422, errors=[_("The form was incomplete.")])
    if errors := form.files_checked(files):
        return _refused(request, ticket, typed, 422, errors=errors)
    outgoing = _outgoing(request, ticket, form)
    if form.cleaned_data["identity"] and outgoing.identity is None and outgoing.kind == "reply":
        stale = _("That address is no longer one of this customer's: pick another.")
        return _refused(request, ticket, typed, 422, errors=[stale])
    if outgoing.kind == "reply":
        seen = form.cleaned_data["seen"]
        if collision := collision_find(ticket=ticket, user=request.user, seen=seen):
            return _refused(
                request, ticket, typed, 409, collision=collision, seen=collision.message_id
            )
    body, missing = body_fill(ticket=ticket, user=request.user, outgoing=outgoing)
    if missing:
        return _refused(request, ticket, typed, 422, missing=missing)
    try:
        message = composer_send(ticket=ticket, user=request.user, outgoing=outgoing, body=body)
    except DomainError as exc:
        return _refused(request, ticket, typed, 422, errors=[error_text(exc)])
    return _sent(request, ticket, message, outgoing.kind)


@require_GET
@agent_required
def composer_view(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """A fresh composer (discarding what was typed)."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=False)
    return _answer(request, composer_build(ticket=ticket, user=request.user))


@require_GET
@agent_required
def composer_macro(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """A macro's text with the placeholders filled now, which ones could not be, and what
    it will also do when the reply is sent (`_m_macro.html`)."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=False)
    macro_id = request.GET.get("macro", "")
    macro = macro_get(macro_id=int(macro_id)) if macro_id.isdigit() else None
    if macro is None or not macro.active:
        return render(
            request, "desk/ticket/_m_macro.html", {"ticket": ticket, "macro": None}, status=404
        )
    filled = placeholders_fill(macro.body, placeholder_values(ticket=ticket, agent=request.user))
    context = {
        "ticket": ticket,
        "macro": macro,
        "filled": filled,
        "missing": missing_fields(filled.missing, {}),
    }
    return render(request, "desk/ticket/_m_macro.html", context)


# --- Phone calls --------------------------------------------------------------------------


class CallForm(forms.Form):
    direction = forms.ChoiceField(choices=CallDirection.choices)
    answered = forms.TypedChoiceField(
        choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes"
    )
    minutes = forms.IntegerField(required=False, min_value=0, max_value=24 * 60)
    seconds = forms.IntegerField(required=False, min_value=0, max_value=59)
    notes = forms.CharField(required=False, max_length=20000)

    @property
    def duration(self) -> int:
        values = self.cleaned_data
        return (values.get("minutes") or 0) * 60 + (values.get("seconds") or 0)


class CallNewForm(CallForm):
    phone = forms.CharField(max_length=40)
    name = forms.CharField(required=False, max_length=200)


def _call_answer(
    request: DeskRequest,
    template: str,
    context: dict[str, Any],
    *,
    status: int = 200,
    page: Ticket | None = None,
) -> HttpResponse:
    if request.htmx:
        return render(request, template, context, status=status)
    # Without JavaScript: back to the ticket page (errors are rare here: numbers and choices).
    target = reverse("desk:ticket", args=[page.pk]) if page else reverse("desk:queue")
    return HttpResponseRedirect(target, status=303)


@require_POST
@agent_required
def call_log_view(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """Log a call on this ticket (`call_log`): answered or not, direction, duration, notes."""
    ticket = ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=False)
    form = CallForm(request.POST)
    context: dict[str, Any] = {"ticket": ticket, "call_form": form}
    if not form.is_valid():
        return _call_answer(request, "desk/ticket/_m_call.html", context, status=422, page=ticket)
    values = form.cleaned_data
    try:
        message = call_log(
            ticket=ticket,
            agent=request.user,
            direction=values["direction"],
            answered=values["answered"],
            duration_seconds=form.duration,
            notes=values["notes"],
        )
    except DomainError as exc:
        context["call_error"] = error_text(exc)
        return _call_answer(request, "desk/ticket/_m_call.html", context, status=422, page=ticket)
    context = {"ticket": ticket, "call_logged": message}
    response = _call_answer(request, "desk/ticket/_m_call.html", context, page=ticket)
    return trigger_client_event(
        response,
        "desk:ticket-changed",
        {"ticket": ticket.pk, "event": "message.created", "data": {"message": message.pk}},
    )


@require_POST
@agent_required
def call_log_new_view(request: DeskRequest) -> HttpResponse:
    """A call from or to a number (`call_log_new`): it lands on the customer's open ticket or
    a new one, which the agent is taken to."""
    form = CallNewForm(request.POST)
    context: dict[str, Any] = {"call_new_form": form}
    if form.is_valid():
        values = form.cleaned_data
        try:
            message = call_log_new(
                agent=request.user,
                phone=values["phone"],
                name=values["name"],
                direction=values["direction"],
                answered=values["answered"],
                duration_seconds=form.duration,
                notes=values["notes"],
            )
        except DomainError as exc:
            context["call_error"] = error_text(exc)
        else:
            url = reverse("desk:ticket", args=[message.ticket_id])
            if request.htmx:
                return HttpResponseClientRedirect(url)
            return HttpResponseRedirect(url, status=303)
    return _call_answer(request, "desk/ticket/_m_call_new.html", context, status=422)


urlpatterns: list[URLPattern] = [
    path("tickets/<int:ticket_id>/composer/", composer_view, name="composer"),
    path("tickets/<int:ticket_id>/composer/send/", composer_send_view, name="composer_send"),
    path("tickets/<int:ticket_id>/composer/macro/", composer_macro, name="composer_macro"),
    path("tickets/<int:ticket_id>/calls/", call_log_view, name="call_log"),
    path("calls/new/", call_log_new_view, name="call_log_new"),
    # The macros' management pages: their routes ride on this list, so desk/urls.py (the
    # lead's) needs no new line.
    *macros.urlpatterns,
]
