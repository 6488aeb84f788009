"""Who may open the portal's pages: a signed-in customer (`CustomerAccount`). Staff
sessions are not customers here; customers' sessions end after idle minutes."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation

from customers.models import Customer
from helpdesk.roles import is_agent
from portal.models import CustomerAccount

if TYPE_CHECKING:
    from helpdesk.roles import User

SIGNIN_URL = "portal:signin"


class PortalRequest(HttpRequest):
    """A request that passed `customer_required`: `customer` is the signed-in customer."""

    user: User
    customer: Customer


View = Callable[..., HttpResponse]


def signed_in_customer(request: HttpRequest) -> Customer | None:
    """The customer behind this session, or None (anonymous, staff, or no account)."""
    user = request.user
    if not user.is_authenticated or not user.is_active or is_agent(user):
        # A staff session is never a customer: the portal shows it the sign-in page.
        return None
    account = CustomerAccount.objects.select_related("customer").filter(user=user).first()
    return account.customer if account else None


def customer_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = signed_in_customer(request)
        if customer is None:
            return redirect(SIGNIN_URL)
        # Sliding inactivity limit: each request starts the idle minutes again.
        request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)
        request.customer = customer  # type: ignore[attr-defined]
        # Dates and wording in the customer's own language when we know it.
        with translation.override(customer.language or translation.get_language()):
            return view(request, *args, **kwargs)

    return wrapper
