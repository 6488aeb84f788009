"""`/support/privacy/`: what we store and for how long (for everyone), and for a signed-in
customer "download my data" and "ask to erase my data"."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import PortalRequest, customer_required, signed_in_customer
from privacy import selectors, services
from privacy.models import DataExport, ExportStatus


@never_cache
@require_GET
def privacy_page(request: HttpRequest) -> HttpResponse:
    customer = signed_in_customer(request)
    context: dict[str, object] = {"keeping": selectors.keeping(), "customer": customer}
    if customer is None:
        return render(request, "portal/privacy/page.html", context)
    # As on every signed-in page (`customer_required`): reading it counts as activity, and
    # it speaks the customer's language.
    request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)
    export = selectors.export_latest(customer=customer)
    context["export"] = export
    context["export_expired"] = export is not None and _expired(export)
    context["erasure"] = selectors.erasure_pending(customer=customer)
    with translation.override(customer.language or translation.get_language()):
        return render(request, "portal/privacy/page.html", context)


@require_POST
@customer_required
def export_ask(request: PortalRequest) -> HttpResponse:
    export = services.export_request(customer=request.customer)
    export.refresh_from_db()
    # A quiet queue builds it before this redirect; only a busy one makes the customer wait.
    if export.status == ExportStatus.READY:
        messages.success(request, _("Your data is ready to download."))
    else:
        messages.success(
            request,
            _("We are preparing your data. This takes a few minutes; we will email you the link."),
        )
    return HttpResponseRedirect(reverse("portal:privacy") + "#download", status=303)


@never_cache
@require_GET
@customer_required
def export_download(request: PortalRequest, export_id: str) -> HttpResponse:
    """Only the customer it belongs to gets the file; anyone else a 404, as for no export."""
    export = selectors.export_for_customer(customer=request.customer, export_id=export_id)
    if _expired(export):
        if export.status != ExportStatus.EXPIRED:
            services.export_expire(export=export)
        return render(request, "portal/privacy/export_gone.html", {"customer": request.customer})
    if export.status != ExportStatus.READY or not export.file:
        context = {"customer": request.customer, "export": export}
        return render(request, "portal/privacy/export_waiting.html", context)
    stamp = timezone.localtime(export.created_at).strftime("%Y-%m-%d")
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"my-data-{stamp}.zip",
        content_type="application/zip",
    )
    # Streamed from disk (a ZIP of attachments can be large); `customer_required` is typed
    # for ordinary responses, which a streaming one serves the same way.
    return cast(HttpResponse, response)


@never_cache
@require_http_methods(["GET", "POST"])
@customer_required
def erase_ask(request: PortalRequest) -> HttpResponse:
    """A page that says what erasing does; only its confirming POST records the request."""
    pending = selectors.erasure_pending(customer=request.customer)
    if request.method == "POST" and pending is None:
        if request.POST.get("confirm") != "yes":
            context = {"customer": request.customer, "missing_confirm": True}
            return render(request, "portal/privacy/erase.html", context, status=400)
        services.erasure_request(customer=request.customer)
        messages.success(
            request, _("We have your request. A member of our team will handle it soon.")
        )
        return HttpResponseRedirect(reverse("portal:privacy") + "#erase", status=303)
    if pending is not None:
        return HttpResponseRedirect(reverse("portal:privacy") + "#erase", status=303)
    return render(request, "portal/privacy/erase.html", {"customer": request.customer})


def _expired(export: DataExport) -> bool:
    return export.status == ExportStatus.EXPIRED or export.expires_at <= timezone.now()


urlpatterns: list[URLPattern] = [
    path("privacy/", privacy_page, name="privacy"),
    path("privacy/export/", export_ask, name="privacy_export_ask"),
    path("privacy/exports/<str:export_id>/", export_download, name="privacy_export"),
    path("privacy/erase/", erase_ask, name="privacy_erase"),
]
