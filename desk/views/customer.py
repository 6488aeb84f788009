"""The customer panel beside a ticket (`templates/desk/ticket/_customer.html`): it loads
itself as an htmx fragment and refreshes on `desk:ticket-changed`; the agent corrects the
language, marks a call-back done and merges a suggested customer from it.

Every endpoint first reads the ticket through `ticket_get_for_user`: a ticket the agent may
not see is a 404 here too. Writes are plain forms (they work without htmx and redirect back
to the ticket); through htmx they answer with the refreshed panel, the outcome in the
panel's status line (`#c-notice`, out of band) and `desk:customer-changed` for other parts
of the page that show the customer."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import reswap, retarget, trigger_client_event

from customers.models import Customer
from customers.selectors import customer_list
from customers.services import customer_update
from desk.access import DeskRequest, agent_required
from desk.backend_text import error_text
from desk.customer_panel import (
    NoLongerSuggested,
    customer_label,
    customer_panel,
    language_choices,
    merge_confirm,
    merge_preview,
    todo_get_for_panel,
)
from desk.navigation import desk_context
from helpdesk.errors import DomainError
from tickets.models import Ticket
from tickets.selectors import ticket_get_for_user
from tickets.services import todo_done

PANEL = "desk/ticket/_c_panel.html"
MERGE = "desk/ticket/_c_merge.html"
MERGE_PAGE = "desk/ticket/_c_merge_page.html"


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=language_choices, required=False)


class MergeForm(forms.Form):
    keep = forms.IntegerField()


def _htmx(request: DeskRequest) -> bool:
    # django-htmx's middleware sets `request.htmx`; DeskRequest does not declare it.
    return request.headers.get("HX-Request") == "true"


def _ticket(request: DeskRequest, ticket_id: int) -> Ticket:
    return ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=False)


def _back(ticket: Ticket) -> HttpResponse:
    return redirect(f"{reverse('desk:ticket', args=[ticket.pk])}#customer-panel")


def _panel(
    request: DeskRequest, ticket: Ticket, *, notice: str = "", changed: bool = False, **extra: Any
) -> HttpResponse:
    """The panel's inner HTML; `notice` goes to its status line, `changed` tells the page the
    customer changed (the composer's channels, the header's name)."""
    context = {
        "ticket": ticket,
        "panel": customer_panel(user=request.user, ticket=ticket),
        "languages": language_choices(),
        "notice": notice,
        **extra,
    }
    response = render(request, PANEL, context)
    if changed:
        trigger_client_event(
            response, "desk:customer-changed", {"ticket": ticket.pk, "customer": ticket.customer_id}
        )
    return response


@require_GET
@agent_required
def panel(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The fragment. `?cancelled=<customer id>` comes from the merge box's Cancel: the box
    closes and focus returns to that suggestion's Merge button."""
    ticket = _ticket(request, ticket_id)
    if not _htmx(request):
        return _back(ticket)
    cancelled = request.GET.get("cancelled", "")
    if not cancelled.isdigit():
        return _panel(request, ticket)
    return _panel(request, ticket, cancelled=int(cancelled), clear_merge=True)


@require_POST
@agent_required
def language_set(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The agent's correction of the customer's language, which detection never overwrites."""
    ticket = _ticket(request, ticket_id)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return _panel(request, ticket, language_error=_("Choose one of the languages listed."))
    customer = customer_list().get(pk=ticket.customer_id)
    customer_update(customer=customer, language=form.cleaned_data["language"])
    if not _htmx(request):
        return _back(ticket)
    return _panel(request, ticket, notice=_("Language saved."), changed=True)


@require_POST
@agent_required
def todo_mark_done(request: DeskRequest, ticket_id: int, todo_id: int) -> HttpResponse:
    ticket = _ticket(request, ticket_id)
    customer = Customer(pk=ticket.customer_id)
    todo = todo_get_for_panel(user=request.user, customer=customer, todo_id=todo_id)
    todo_done(todo=todo, by=request.user)
    if not _htmx(request):
        return _back(ticket)
    return _panel(request, ticket, notice=_("To-do done."), focus_name=True)


@require_http_methods(["GET", "POST"])
@agent_required
def merge(request: DeskRequest, ticket_id: int, other_id: int) -> HttpResponse:
    """GET: what merging with the suggested customer would move, and the choice of who stays.
    POST: the merge. A customer the panel does not suggest is a 404."""
    ticket = _ticket(request, ticket_id)
    customer = customer_list().get(pk=ticket.customer_id)
    if request.method == "POST":
        return _merge_post(request, ticket, customer, other_id)
    return _merge_box(request, ticket, customer, other_id)


def _merge_box(
    request: DeskRequest,
    ticket: Ticket,
    customer: Customer,
    other_id: int,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    preview = merge_preview(user=request.user, customer=customer, other_id=other_id)
    if preview is None:
        raise Http404("No such merge suggestion")
    context: dict[str, Any] = {"ticket": ticket, "preview": preview, "error": error}
    if _htmx(request):
        return render(request, MERGE, context, status=status)
    context.update(desk_context(user=request.user, current=None), full_page=True)
    return render(request, MERGE_PAGE, context, status=status)


def _merge_post(
    request: DeskRequest, ticket: Ticket, customer: Customer, other_id: int
) -> HttpResponse:
    form = MergeForm(request.POST)
    keep = form.cleaned_data["keep"] if form.is_valid() else 0
    try:
        survivor, merged = merge_confirm(
            user=request.user, customer=customer, other_id=other_id, keep_id=keep
        )
    except NoLongerSuggested as exc:
        return _merge_gone(request, ticket, error_text(exc))
    except DomainError as exc:
        # htmx swaps only 2xx answers: the box with its error is a 200 there.
        status = 200 if _htmx(request) else 400
        return _merge_box(request, ticket, customer, other_id, error=error_text(exc), status=status)
    if not _htmx(request):
        return _back(ticket)
    notice = _("%(merged)s was merged into %(kept)s.") % {
        "merged": customer_label(merged),
        "kept": customer_label(survivor),
    }
    ticket.customer_id = survivor.pk
    response = _panel(
        request, ticket, notice=notice, changed=True, focus_name=True, clear_merge=True
    )
    return reswap(retarget(response, "#customer-panel"), "innerHTML")


def _merge_gone(request: DeskRequest, ticket: Ticket, reason: str) -> HttpResponse:
    if not _htmx(request):
        return _back(ticket)
    response = _panel(request, ticket, notice=reason, focus_name=True, clear_merge=True)
    return reswap(retarget(response, "#customer-panel"), "innerHTML")


urlpatterns: list[URLPattern] = [
    path("tickets/<int:ticket_id>/customer/", panel, name="customer_panel"),
    path("tickets/<int:ticket_id>/customer/language/", language_set, name="customer_language"),
    path(
        "tickets/<int:ticket_id>/customer/todos/<int:todo_id>/done/",
        todo_mark_done,
        name="customer_todo_done",
    ),
    path("tickets/<int:ticket_id>/customer/merge/<int:other_id>/", merge, name="customer_merge"),
]
