from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def home(request: HttpRequest) -> HttpResponse:
    """Landing page: where the agent workspace will live, with links to what exists today."""
    return render(request, "home.html")
