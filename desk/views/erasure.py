"""`/desk/privacy/`: managers decide customers' erasure requests. Approving erases the
customer's personal data at once, in one transaction (`privacy.services.erasure_approve`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from desk.access import DeskRequest, manager_required
from desk.navigation import desk_context
from privacy import selectors, services


@require_GET
@manager_required
def erasure_list(request: DeskRequest) -> HttpResponse:
    context = desk_context(user=request.user, current=None)
    context["pending"] = list(selectors.erasure_requests_pending())
    context["decided"] = list(selectors.erasure_requests_decided())
    return render(request, "desk/privacy/requests.html", context)


@require_POST
@manager_required
def erasure_decide(request: DeskRequest, request_id: int) -> HttpResponse:
    erasure = selectors.erasure_request_get(request_id=request_id)
    decision = request.POST.get("decision")
    note = request.POST.get("note", "")
    try:
        if decision == "approve":
            if request.POST.get("confirm") != "yes":
                messages.error(request, _("Tick the box to confirm the erasure."))
                return HttpResponseRedirect(reverse("desk:privacy"), status=303)
            services.erasure_approve(request_id=erasure.pk, by=request.user, note=note)
            messages.success(
                request,
                _("Customer #%(id)s: personal data erased.") % {"id": erasure.customer_id},
            )
        elif decision == "reject":
            services.erasure_reject(request_id=erasure.pk, by=request.user, note=note)
            messages.success(
                request,
                _("Customer #%(id)s: request rejected; nothing was erased.")
                % {"id": erasure.customer_id},
            )
    except services.PrivacyError:
        messages.error(request, _("This request was already decided."))
    return HttpResponseRedirect(reverse("desk:privacy"), status=303)


urlpatterns: list[URLPattern] = [
    path("privacy/", erasure_list, name="privacy"),
    path("privacy/<int:request_id>/decide/", erasure_decide, name="privacy_decide"),
]
