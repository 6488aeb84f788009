"""Sign-in by emailed link, and sign-out."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from sesame.backends import ModelBackend as SesameBackend

from customers.normalise import InvalidIdentity, normalise_email
from helpdesk.roles import is_agent
from portal.access import signed_in_customer
from portal.signin import client_ip, link_request_allowed
from portal.tasks import signin_link_send
from portal.views import signin_code

if TYPE_CHECKING:
    from helpdesk.roles import User

# The backend the session names; the link is checked by sesame before `login`.
SESSION_BACKEND = "helpdesk.auth_api.PasswordCheckBackend"


@never_cache
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if signed_in_customer(request) is not None:
        return redirect("portal:requests")
    context: dict[str, object] = {"email": request.POST.get("email", "")[:320]}
    if request.method == "GET":
        return render(request, "portal/signin.html", context)
    if "@" not in str(context["email"]):
        # A phone number: a WhatsApp code instead of a link (portal.views.signin_code).
        return signin_code.code_requested(request, str(context["email"]))
    try:
        email = normalise_email(str(context["email"]))
    except InvalidIdentity:
        context["error"] = "invalid"
        return render(request, "portal/signin.html", context, status=400)
    if not link_request_allowed(email=email, ip=client_ip(request)):
        context["error"] = "limited"
        return render(request, "portal/signin.html", context, status=429)
    # The lookup and the mail happen in the worker: the same work and time here whether or
    # not the address is known.
    signin_link_send.delay(email, request.build_absolute_uri("/"))
    # The same page whether or not the address is known: no account probing.
    return render(request, "portal/signin_sent.html", {"email": email})


@never_cache
@require_http_methods(["GET", "POST"])
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET only checks the link and asks for a press: mail scanners that open links must not
    use up a single-use link. POST uses it and signs in."""
    if request.method == "GET":
        valid = _link_user(request, token) is not None
        template = "portal/signin_confirm.html" if valid else "portal/link_invalid.html"
        return render(request, template, {"token": token}, status=200 if valid else 410)
    user = _link_user(request, token)
    if user is None:
        return render(request, "portal/link_invalid.html", status=410)
    # `login` sets last_login, which is in the token's signature: the link is now used up.
    login(request, user, backend=SESSION_BACKEND)
    request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)
    # A link may name the portal page it was sent for (a new request's confirmation email).
    target = request.GET.get("next", "")
    portal = reverse("portal:requests")
    if target.startswith(portal) and url_has_allowed_host_and_scheme(target, None):
        return redirect(target)
    return redirect("portal:requests")


def _link_user(request: HttpRequest, token: str) -> User | None:
    """The customer's user a valid, unused, unexpired link names, else None. Sesame's
    backend is called directly, not through `authenticate`: the sign-in throttle (axes)
    counts passwords, and a link is not one. Staff users never sign in by link."""
    user = SesameBackend().authenticate(request, sesame=token)
    if user is None or is_agent(user) or not hasattr(user, "customer_account"):
        return None
    return cast("User", user)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return render(request, "portal/signed_out.html")


urlpatterns = [
    path("signin/", signin, name="signin"),
    path("signin/<str:token>/", signin_link, name="signin_link"),
    path("signout/", signout, name="signout"),
]
