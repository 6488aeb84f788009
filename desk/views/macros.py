"""Managers maintain macros in the desk (the macros work fills this in)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, manager_required
from desk.models import Macro
from desk.navigation import desk_context


@require_GET
@manager_required
def macro_list(request: DeskRequest) -> HttpResponse:
    context = desk_context(user=request.user, current=None)
    context["macros"] = list(Macro.objects.all())
    return render(request, "desk/macros.html", context)
