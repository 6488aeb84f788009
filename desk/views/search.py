"""Search over tickets, messages and customers (the search work fills this in)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, agent_required
from desk.navigation import desk_context


@require_GET
@agent_required
def search(request: DeskRequest) -> HttpResponse:
    context = desk_context(user=request.user, current=None)
    context["search_q"] = request.GET.get("q", "")
    return render(request, "desk/search.html", context)
