"""The ticket page: the header with its fields edited in place, the SLA strip with the clocks'
history, the timeline of every channel (older pages and new entries as fragments), merging
the ticket and moving one message, beside the composer and the customer panel.

Every view reads the ticket through `tickets.selectors`' access rule first, so a ticket the
agent may not see is the same 404 as a missing one on the page and on every fragment; every
write is one service call whose refusal (`DomainError`) is shown as a form error.

Live refresh contract: the header and the SLA strip refresh on `desk:ticket-changed` (the
live socket), the timeline asks for entries since its cursor on that and on
`desk:ticket-edited`, which an edit's answer triggers (`HX-Trigger`) so its new event shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget, trigger_client_event

from desk.access import DeskRequest, agent_required
from desk.backend_text import error_text
from desk.navigation import desk_context
from desk.ticket_edit import (
    EDITS,
    PRIORITY_LABELS,
    STATUS_LABELS,
    TargetError,
    agents_for,
    form_error,
    merge_preview,
    target_get,
    teams,
)
from desk.timeline import (
    BadCursor,
    Entry,
    SinceCursor,
    clock_nearest,
    sla_clocks,
    timeline_page,
    timeline_since,
)
from helpdesk.errors import DomainError
from tickets import services
from tickets.models import Message, Status, Ticket
from tickets.selectors import (
    message_list,
    ticket_find_for_user,
    ticket_get_for_user,
)

# Email HTML is shown in a `srcdoc` frame, which inherits the page's policy: the page lets
# https images through so that "Show images" can work; each frame's own policy (`MailFrame`)
# blocks them until the agent asks.
_CSP = cast("dict[str, list[str]]", settings.SECURE_CSP)
TICKET_PAGE_CSP: dict[str, list[str]] = {**_CSP, "img-src": [*_CSP["img-src"], "https:"]}
EDITED = "desk:ticket-edited"


def _ticket(request: DeskRequest, ticket_id: int, *, with_sla: bool = False) -> Ticket:
    return ticket_get_for_user(user=request.user, ticket_id=ticket_id, with_sla=with_sla)


def _head_context(ticket: Ticket, *, error: str = "") -> dict[str, Any]:
    """What the header needs: the ticket, the choices of its editable fields, an error."""
    editable = ticket.merged_into_id is None and ticket.status != Status.CLOSED
    agents = list(agents_for(ticket=ticket)) if editable else []
    return {
        "ticket": ticket,
        "editable": editable,
        "agents": agents,
        "assignee_listed": any(agent.pk == ticket.assignee_id for agent in agents),
        "teams": list(teams()) if editable else [],
        "statuses": [(str(value), label) for value, label in STATUS_LABELS.items()],
        "priorities": list(PRIORITY_LABELS.items()),
        "status_label": STATUS_LABELS.get(ticket.status, ticket.status),
        "priority_label": PRIORITY_LABELS.get(ticket.priority, ticket.priority),
        "error": error,
    }


def _clocks(ticket: Ticket, now: datetime) -> dict[str, Any]:
    clocks = sla_clocks(ticket=ticket, now=now)
    return {"clocks": clocks, "nearest": clock_nearest(clocks)}


def _page(
    request: DeskRequest,
    ticket: Ticket,
    *,
    status: int = 200,
    before: str = "",
    error: str = "",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The whole page (`extra`: an open merge or move box when answering without htmx)."""
    images = request.GET.get("images", "")
    now = timezone.now()
    context = desk_context(user=request.user, current=None)
    context.update(_head_context(ticket, error=error))
    context.update(
        timeline=timeline_page(
            ticket=ticket, before=before, images=int(images) if images.isdigit() else None
        ),
        **_clocks(ticket, now),
        now=now,
        **(extra or {}),
    )
    return render(request, "desk/ticket/page.html", context, status=status)


@require_GET
@agent_required
@csp_override(TICKET_PAGE_CSP)
def ticket_page(request: DeskRequest, ticket_id: int) -> HttpResponse:
    ticket = _ticket(request, ticket_id, with_sla=True)
    try:
        return _page(request, ticket, before=request.GET.get("before", ""))
    except BadCursor:
        return HttpResponseBadRequest("bad cursor")


@require_GET
@agent_required
def ticket_header(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The header's inside again (after a live change)."""
    ticket = _ticket(request, ticket_id)
    return render(request, "desk/ticket/_header.html#head", _head_context(ticket))


@require_GET
@agent_required
def ticket_sla(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The promise chip, and the clocks' history out of band."""
    ticket = _ticket(request, ticket_id, with_sla=True)
    now = timezone.now()
    context = {"ticket": ticket, "now": now, **_clocks(ticket, now)}
    return render(request, "desk/ticket/_t_sla_fragment.html", context)


@require_GET
@agent_required
def timeline_older(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The page of entries before the cursor, and the next "Show older" out of band."""
    ticket = _ticket(request, ticket_id)
    try:
        timeline = timeline_page(ticket=ticket, before=request.GET.get("before") or "-")
    except BadCursor:
        return HttpResponseBadRequest("bad cursor")
    context = {"ticket": ticket, "timeline": timeline, "entries": timeline.entries}
    return render(request, "desk/ticket/_t_older.html", context)


@require_GET
@agent_required
def timeline_new(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """Entries stored since the cursor (`t`, `seen`) and not shown yet, to append; the next
    cursor and a line for screen readers out of band."""
    ticket = _ticket(request, ticket_id)
    try:
        cursor = SinceCursor.parse(request.GET.get("t", ""), request.GET.get("seen", ""))
    except BadCursor:
        return HttpResponseBadRequest("bad cursor")
    result = timeline_since(ticket=ticket, cursor=cursor)
    context = {"ticket": ticket, "entries": result.entries, "result": result}
    return render(request, "desk/ticket/_t_since.html", context)


@require_GET
@agent_required
def message_body(request: DeskRequest, ticket_id: int, message_id: int) -> HttpResponse:
    """One message's body again, with its remote images when `images=1`."""
    _, message = _message(request, ticket_id, message_id)
    entry = Entry("message", message.created_at, message, images=request.GET.get("images") == "1")
    return render(request, "desk/ticket/_t_body.html", {"entry": entry, "m": message})


def _message(request: DeskRequest, ticket_id: int, message_id: int) -> tuple[Ticket, Message]:
    """The ticket (through the access rule) and one of its messages; 404 for any other."""
    ticket = _ticket(request, ticket_id)
    message = message_list(ticket=ticket).filter(pk=message_id).first()
    if message is None:
        raise Http404("No such message on this ticket")
    return ticket, message


# --- Edits in place -------------------------------------------------------------------------


def _edit_answer(request: DeskRequest, ticket_id: int, *, error: str, field: str) -> HttpResponse:
    """The header after an edit; the edit's event reaches the timeline by `EDITED`."""
    if ticket_find_for_user(user=request.user, ticket_id=ticket_id) is None:
        # Moved to a restricted team the agent is not in: it is no longer theirs to see.
        queue = reverse("desk:queue")
        return HttpResponseClientRedirect(queue) if request.htmx else redirect(queue)
    ticket = _ticket(request, ticket_id, with_sla=not request.htmx)
    if not request.htmx:
        if not error:
            return redirect("desk:ticket", ticket_id=ticket.pk)
        return _page(request, ticket, status=400, error=error)
    response = render(request, "desk/ticket/_header.html#head", _head_context(ticket, error=error))
    if not error:
        trigger_client_event(response, EDITED, {"ticket": ticket.pk, "field": field})
    return response


@require_POST
@agent_required
@csp_override(TICKET_PAGE_CSP)
def ticket_edit(request: DeskRequest, ticket_id: int, field: str) -> HttpResponse:
    """One field of the ticket (`ticket_edit.EDITS`), through its one service."""
    edit = EDITS.get(field)
    if edit is None:
        raise Http404("No such field")
    ticket = _ticket(request, ticket_id)
    form = edit.form(request.POST, ticket=ticket)
    error = ""
    if not form.is_valid():
        error = form_error(form)
    else:
        try:
            edit.apply(ticket, form.cleaned_data, request.user)
        except DomainError as exc:
            error = error_text(exc)
    return _edit_answer(request, ticket.pk, error=error, field=field)


# --- Merge and move (each asks before it does anything) --------------------------------------


def _box(
    request: DeskRequest, ticket: Ticket, template: str, key: str, state: dict[str, Any]
) -> HttpResponse:
    """A merge or move box: the fragment for htmx, else the page with the box open."""
    if request.htmx:
        return render(request, template, {"ticket": ticket, key: state, **state})
    full = ticket_get_for_user(user=request.user, ticket_id=ticket.pk)
    return _page(request, full, status=400 if state.get("error") else 200, extra={key: state})


@require_http_methods(["GET", "POST"])
@agent_required
@csp_override(TICKET_PAGE_CSP)
def ticket_merge(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """Merge this ticket into another: a preview first (where it goes, what moves), then the
    merge (`confirm`), then the agent is taken to the ticket it went into."""
    ticket = _ticket(request, ticket_id)
    if request.method == "GET":
        return _box(request, ticket, "desk/ticket/_t_merge.html", "merge", {})
    value = request.POST.get("into", "")
    try:
        target = target_get(user=request.user, value=value, source=ticket)
    except TargetError as exc:
        return _box(
            request, ticket, "desk/ticket/_t_merge.html", "merge", {"error": error_text(exc)}
        )
    if request.POST.get("confirm") != "1":
        preview = merge_preview(source=ticket, target=target)
        return _box(request, ticket, "desk/ticket/_t_merge.html", "merge", {"preview": preview})
    try:
        services.ticket_merge(source=ticket, target=target, by=request.user)
    except DomainError as exc:
        return _box(
            request, ticket, "desk/ticket/_t_merge.html", "merge", {"error": error_text(exc)}
        )
    url = reverse("desk:ticket", args=[target.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_http_methods(["GET", "POST"])
@agent_required
@csp_override(TICKET_PAGE_CSP)
def message_move(request: DeskRequest, ticket_id: int, message_id: int) -> HttpResponse:
    """Move one message to another ticket of the customer (`to_ticket`) or split it off into
    a new one (`split`): a preview first, then the move (`confirm`)."""
    ticket, message = _message(request, ticket_id, message_id)
    box = "desk/ticket/_t_move.html"
    state: dict[str, Any] = {"m": message}
    if request.method == "GET":
        return _box(request, ticket, box, "move", state)
    target = None
    if request.POST.get("split") != "1":
        try:
            target = target_get(
                user=request.user, value=request.POST.get("to_ticket", ""), source=ticket
            )
        except TargetError as exc:
            return _box(request, ticket, box, "move", {**state, "error": error_text(exc)})
    if request.POST.get("confirm") != "1":
        return _box(request, ticket, box, "move", {**state, "preview": True, "target": target})
    try:
        moved_to = services.message_move(message=message, to_ticket=target, by=request.user)
    except DomainError as exc:
        return _box(
            request, ticket, box, "move", {**state, "error": error_text(exc), "target": target}
        )
    if not request.htmx:
        return redirect("desk:ticket", ticket_id=ticket.pk)
    context = {"ticket": ticket, "m": message, "moved_to": moved_to, "split": target is None}
    response = render(request, "desk/ticket/_t_moved.html", context)
    retarget(response, f"#message-{message.pk}")
    reswap(response, "outerHTML")
    trigger_client_event(response, EDITED, {"ticket": ticket.pk, "field": "messages"})
    return response


urlpatterns = [
    path("tickets/<int:ticket_id>/header/", ticket_header, name="ticket_header"),
    path("tickets/<int:ticket_id>/sla/", ticket_sla, name="ticket_sla"),
    path("tickets/<int:ticket_id>/timeline/older/", timeline_older, name="ticket_older"),
    path("tickets/<int:ticket_id>/timeline/new/", timeline_new, name="ticket_since"),
    path("tickets/<int:ticket_id>/edit/<slug:field>/", ticket_edit, name="ticket_edit"),
    path("tickets/<int:ticket_id>/merge/", ticket_merge, name="ticket_merge"),
    path(
        "tickets/<int:ticket_id>/messages/<int:message_id>/body/",
        message_body,
        name="message_body",
    ),
    path(
        "tickets/<int:ticket_id>/messages/<int:message_id>/move/",
        message_move,
        name="message_move",
    ),
]
