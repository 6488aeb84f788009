"""What a customer does on a request page: reply (with files), which also reopens a solved
request or starts a follow-up of a closed one, and download the files of its messages."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import URLPattern, path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portal import selectors
from portal.access import PortalRequest, customer_required
from portal.replies import ReplyForm, reply_send
from portal.views.requests import request_page
from tickets.api.attachments import attachment_file_response

# The message tag the request page shows its confirmation (and the promise) for.
SENT_TAG = "sent"


@require_POST
@customer_required
def request_reply(request: PortalRequest, ticket_id: int) -> HttpResponse:
    # Another customer's request, a merged one and a guessed number are the same 404.
    ticket = selectors.customer_ticket(customer=request.customer, ticket_id=ticket_id)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return request_page(request, ticket, form=form, status=400)
    result = reply_send(
        customer=request.customer,
        ticket=ticket,
        form=form,
        language=translation.get_language() or "",
    )
    if result.ticket.pk != ticket.pk:
        text = _("Your follow-up is sent. It continues request #%(number)s.") % {
            "number": ticket.pk
        }
    else:
        text = _("Thank you, we have your message.")
    messages.success(request, text, extra_tags=SENT_TAG)
    target = reverse("portal:request", kwargs={"ticket_id": result.ticket.pk})
    # Straight to the confirmation, just below the message they sent.
    return HttpResponseRedirect(f"{target}#sent")


@never_cache
@require_GET
@customer_required
def attachment_download(request: PortalRequest, attachment_id: int) -> HttpResponse:
    """A file of a public message on one of the customer's requests (else a 404), as the
    API serves it: a download, never rendered in our origin."""
    attachment = selectors.customer_attachment(
        customer=request.customer, attachment_id=attachment_id
    )
    # `customer_required` is typed for HttpResponse; the streamed file passes through as is.
    return cast(HttpResponse, attachment_file_response(attachment))


urlpatterns: list[URLPattern] = [
    path("requests/<int:ticket_id>/reply/", request_reply, name="request-reply"),
    path("attachments/<int:attachment_id>/", attachment_download, name="attachment"),
]
