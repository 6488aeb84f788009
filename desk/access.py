"""Who may open the desk: signed-in agents and managers (`helpdesk.roles`). Which tickets
they see inside it is `tickets.selectors`' one access rule, never decided here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from helpdesk.roles import is_agent, is_manager

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from helpdesk.roles import User

SIGNIN_URL = "/desk/signin/"


class DeskRequest(HttpRequest):
    """A request that passed `agent_required`: `user` is a signed-in agent."""

    user: User
    htmx: HtmxDetails


View = Callable[..., HttpResponse]


def _refuse(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), SIGNIN_URL)
    # Signed in but not staff (a customer's account): nothing of the desk, not even its look.
    return render(request, "desk/forbidden.html", status=403)


def agent_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_agent(request.user):
            return _refuse(request)
        return view(request, *args, **kwargs)

    return wrapper


def manager_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_manager(request.user):
            return _refuse(request)
        return view(request, *args, **kwargs)

    return wrapper
