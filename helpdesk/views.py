from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from helpdesk.roles import is_agent


def home(request: HttpRequest) -> HttpResponse:
    """`/`: staff go to the desk; everyone else gets the landing page."""
    if is_agent(request.user):
        return redirect("desk:queue")
    return render(request, "home.html")
