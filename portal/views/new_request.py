"""New request (`/support/new/`): signed in, or as a public web form with an email
address; then a confirmation page with the number and the promise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from customers.models import Customer
from portal.access import signed_in_customer
from portal.new_request import (
    NewRequestForm,
    PublicRequestForm,
    confirmation_send,
    files_errors,
    form_token_new,
    promise_of,
    public_request_allowed,
    request_submit,
    sent_request,
    sent_token,
    spam_refusal,
)
from portal.signin import client_ip
from tickets.services.replies import MESSAGE_FILES_MAX

TEMPLATE = "portal/new_request.html"


@never_cache
@require_http_methods(["GET", "POST"])
def new_request(request: HttpRequest) -> HttpResponse:
    customer = signed_in_customer(request)
    if customer is None:
        return _form_answer(request, None)
    request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)
    with translation.override(customer.language or translation.get_language()):
        return _form_answer(request, customer)


def _form_answer(request: HttpRequest, customer: Customer | None) -> HttpResponse:
    form_class = NewRequestForm if customer else PublicRequestForm
    if request.method == "GET":
        return _page(request, form_class(initial={"token": form_token_new()}), customer)
    form = form_class(request.POST)
    files = request.FILES.getlist("attachments")
    refusal = spam_refusal(form)
    if refusal:
        # Nothing is stored; the text stays so a person caught by mistake loses nothing.
        return _page(request, form, customer, refusal=refusal, status=400)
    valid = form.is_valid()
    errors = files_errors(files)
    if "token" in form.errors:
        # An old or broken token: a fresh one, so pressing send again works.
        data = request.POST.copy()
        data["token"] = form_token_new(shown_at=0)
        form.data = data
    if not valid or errors:
        return _page(request, form, customer, file_errors=errors, status=400)
    if isinstance(form, PublicRequestForm) and not public_request_allowed(
        email=form.cleaned_data["email"], ip=client_ip(request)
    ):
        return _page(request, form, customer, refusal="limited", status=429)
    result = request_submit(
        form=form, files=files, customer=customer, language=translation.get_language()
    )
    emailed = customer is None
    if emailed and not result.duplicate:
        confirmation_send(request=request, ticket=result.ticket, email=form.cleaned_data["email"])
    token = sent_token(ticket=result.ticket, emailed=emailed)
    return redirect("portal:new_request_sent", token=token)


def _page(
    request: HttpRequest,
    form: NewRequestForm,
    customer: Customer | None,
    *,
    refusal: str = "",
    file_errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "customer": customer,
        "public": customer is None,
        "refusal": refusal,
        "file_errors": file_errors or [],
        "suggest_url": _suggest_url(),
        "max_size": settings.HELPDESK_ATTACHMENT_MAX_BYTES,
        "max_files": MESSAGE_FILES_MAX,
    }
    return render(request, TEMPLATE, context, status=status)


def _suggest_url() -> str:
    """The help centre's article suggestions, when that part of the portal is installed."""
    try:
        return reverse("portal:help_suggest")
    except NoReverseMatch:
        return ""


@never_cache
@require_GET
def new_request_sent(request: HttpRequest, token: str) -> HttpResponse:
    sent = sent_request(token)
    if sent is None:
        raise Http404
    customer = signed_in_customer(request)
    language = customer.language if customer else ""
    with translation.override(language or translation.get_language()):
        context = {
            "ticket": sent.ticket,
            "due": promise_of(sent.ticket),
            "emailed": sent.emailed,
            "customer": customer,
            # Only the request's own customer gets a link to it (others would get a 404).
            "owner": customer is not None and customer.pk == sent.ticket.customer_id,
            "minutes": settings.SESAME_MAX_AGE // 60,
        }
        return render(request, "portal/new_request_sent.html", context)


urlpatterns = [
    path("new/", new_request, name="new_request"),
    path("new/sent/<str:token>/", new_request_sent, name="new_request_sent"),
]
