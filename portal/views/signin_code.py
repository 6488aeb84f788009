"""Sign-in by a 6-digit WhatsApp code (`portal.signin_code`): the sign-in page hands a phone
number here; the code form signs in with the code."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from customers.normalise import InvalidIdentity, normalise_phone
from portal.signin import client_ip, signin_request_allowed
from portal.signin_code import CODE_SECONDS, CodeCheck, code_check, code_user
from portal.tasks import signin_code_send
from portal.views import language

# The backend the session names, as for a link (`signin_link.SESSION_BACKEND`).
SESSION_BACKEND = "helpdesk.auth_api.PasswordCheckBackend"
_CODE = re.compile(r"^\d{6}$")
# Status of each failed check: a used or expired code is gone (410), like a used link.
_STATUS = {CodeCheck.WRONG: 400, CodeCheck.VOID: 410, CodeCheck.GONE: 410}


def code_requested(request: HttpRequest, typed: str) -> HttpResponse:
    """The sign-in page's answer to a phone number: the same page whether or not the number
    is a customer's and whether or not a code could be sent. The lookup and the send happen
    in the worker, so the answer takes the same time too."""
    context: dict[str, object] = {"email": typed}
    try:
        number = normalise_phone(typed)
    except InvalidIdentity:
        context["error"] = "invalid"
        return render(request, "portal/signin.html", context, status=400)
    if not signin_request_allowed(identity=number, ip=client_ip(request)):
        context["error"] = "limited"
        return render(request, "portal/signin.html", context, status=429)
    signin_code_send.delay(number)
    return _code_page(request, number)


def _code_page(
    request: HttpRequest, number: str, error: str = "", status: int = 200
) -> HttpResponse:
    context = {"number": number, "minutes": CODE_SECONDS // 60, "error": error}
    return render(request, "portal/signin_code.html", context, status=status)


@never_cache
@require_POST
def signin_code(request: HttpRequest) -> HttpResponse:
    try:
        number = normalise_phone(request.POST.get("number", "")[:40])
    except InvalidIdentity:
        return redirect("portal:signin")
    code = re.sub(r"\s", "", request.POST.get("code", ""))[:20]
    if not _CODE.match(code):
        return _code_page(request, number, "format", 400)
    result = code_check(number=number, code=code)
    user = code_user(number=number) if result == CodeCheck.OK else None
    if user is None:
        result = CodeCheck.GONE if result == CodeCheck.OK else result
        return _code_page(request, number, str(result), _STATUS[result])
    login(request, user, backend=SESSION_BACKEND)
    request.session.set_expiry(settings.PORTAL_SESSION_IDLE_SECONDS)
    return redirect("portal:requests")


urlpatterns: list[URLPattern] = [
    path("signin-code/", signin_code, name="signin_code"),
    # The header's language switch lives beside sign-in until portal/urls.py names it.
    *language.urlpatterns,
]
