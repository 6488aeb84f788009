"""`/desk/search/?q=…`: tickets and customers for a query, grouped, with filters in the URL.

A full page without JavaScript; htmx asks for the results fragment while the agent types in
the top bar (`part` absent) and for the next page of tickets (`part=tickets`). `#1234` jumps
straight to that ticket when the agent may see it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from desk.access import DeskRequest, agent_required
from desk.navigation import desk_context
from desk.queues import CHANNEL_VIEWS, STATUS_LABELS
from desk.search import SearchFilter, search_run


@require_GET
@agent_required
def search(request: DeskRequest) -> HttpResponse:
    spec = SearchFilter.from_query(request.GET)
    results = search_run(user=request.user, spec=spec)
    exact = results.exact_ticket
    if exact is not None and results.terms.explicit_number and not request.htmx:
        return redirect("desk:ticket", exact.pk)
    next_after = results.tickets.next_after if results.tickets else None
    context = {
        "search": spec,
        "results": results,
        "links": {
            "more_tickets": spec.query(scope="tickets", after=next_after),
            "more_customers": spec.query(scope="customers"),
            "clear": SearchFilter(q=spec.q, customer=spec.customer).query(),
        },
        "statuses": list(STATUS_LABELS.items()),
        "channels": CHANNEL_VIEWS,
    }
    if request.htmx and request.GET.get("part") == "tickets":
        return render(request, "desk/search/_tickets.html#rows", context)
    if request.htmx:
        response = render(request, "desk/search.html#results", context)
        # The address bar shows the search as a link would write it, empty filters left out.
        response["HX-Push-Url"] = f"{reverse('desk:search')}?{spec.query()}"
        return response
    context |= desk_context(user=request.user, current=None)
    context["search_q"] = spec.q
    return render(request, "desk/search.html", context)
