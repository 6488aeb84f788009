"""Staff sign-in, sign-out and password change (the desk's own pages, not the admin's).

Sign-in goes through Django's `AuthenticationForm`, which calls
`authenticate(request=...)`: django-axes counts failures and locks out exactly as on the
API and the admin."""

from __future__ import annotations

from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from desk.access import DeskRequest, agent_required
from helpdesk.roles import is_agent


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe and target.startswith("/desk/") else "/desk/"


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    if is_agent(request.user):
        return redirect(_next_url(request))
    form = AuthenticationForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        if not is_agent(user):
            # The same words as a wrong password: the page does not say which accounts exist.
            form.add_error(None, form.get_invalid_login_error())
        else:
            login(request, user)
            return HttpResponseRedirect(_next_url(request))
    status = 400 if request.method == "POST" else 200
    return render(
        request, "desk/signin.html", {"form": form, "next": _next_url(request)}, status=status
    )


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("desk:signin")


@never_cache
@agent_required
@require_http_methods(["GET", "POST"])
def password_change(request: DeskRequest) -> HttpResponse:
    form = PasswordChangeForm(request.user, data=request.POST or None)
    done = False
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)  # stay signed in on this browser
        done = True
        form = PasswordChangeForm(request.user)
    status = 400 if request.method == "POST" and not done else 200
    return render(request, "desk/password.html", {"form": form, "done": done}, status=status)
