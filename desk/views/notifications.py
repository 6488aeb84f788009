"""The notifications bell: its menu fragment (the top bar loads it, and again whenever
`/ws/notifications/` says the user's notifications changed), the full list it links to, and
marking read (one, all, or those of a ticket the agent opened).

Who sees what: a notification about a ticket the user may not see (a restricted team's) is
never shown nor counted (`tickets.selectors.ticket_visible_to`), whoever it was made for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from desk.access import DeskRequest, agent_required
from desk.navigation import desk_context
from tickets import services
from tickets.models import Notification, NotificationKind
from tickets.selectors import notifications_for

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from helpdesk.roles import User

BELL_SIZE = 8
PAGE_SIZE = 50
# The badge stops counting here ("99+"): an index range read, never a count of everything.
COUNT_CAP = 99

# What each kind is called in the menu (the model's labels are not translated).
KIND_LABELS: dict[str, StrOrPromise] = {
    NotificationKind.SLA_AT_RISK: _("At risk"),
    NotificationKind.SLA_BREACHED: _("Breached"),
    NotificationKind.ASSIGNED: _("Assigned to you"),
    NotificationKind.CSAT_LOW: _("Low rating"),
}


@dataclass(frozen=True)
class BellItem:
    notification: Notification
    label: StrOrPromise
    # Under a minute old: "just now" (timesince would say "0 minutes ago").
    just_now: bool = False

    @property
    def unread(self) -> bool:
        return self.notification.read_at is None


@dataclass(frozen=True)
class Bell:
    unread: int
    items: list[BellItem]

    @property
    def unread_label(self) -> str:
        return f"{COUNT_CAP}+" if self.unread > COUNT_CAP else str(self.unread)


def bell_build(*, user: User, size: int = BELL_SIZE) -> Bell:
    """The unread count (capped) and the latest notifications: two queries, whatever the
    number of notifications."""
    mine = notifications_for(user=user)
    unread = mine.filter(read_at__isnull=True)[: COUNT_CAP + 1].count()
    latest = mine.select_related("ticket").order_by("-created_at", "-pk")[:size]
    minute_ago = timezone.now() - timedelta(minutes=1)
    items = [
        BellItem(n, KIND_LABELS.get(n.kind, n.get_kind_display()), n.created_at > minute_ago)
        for n in latest
    ]
    return Bell(unread=unread, items=items)


def _bell_response(request: DeskRequest) -> HttpResponse:
    """The menu's inside, with the badge swapped out of band."""
    return render(request, "desk/_bell.html#items", {"bell": bell_build(user=request.user)})


def _htmx(request: DeskRequest) -> bool:
    # django-htmx's middleware sets `request.htmx`; DeskRequest does not declare it.
    return request.headers.get("HX-Request") == "true"


def _back(request: DeskRequest) -> HttpResponse:
    """After a form post without htmx: back where the agent was, if that is ours."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("desk:notifications")
    return HttpResponseRedirect(target)


@require_GET
@agent_required
def bell(request: DeskRequest) -> HttpResponse:
    return _bell_response(request)


@require_GET
@agent_required
def notification_list(request: DeskRequest) -> HttpResponse:
    """All of the bell's notifications on a page of their own (its link, and the no-script
    way): the latest PAGE_SIZE."""
    context = desk_context(user=request.user, current=None)
    context["bell_page"] = bell_build(user=request.user, size=PAGE_SIZE)
    return render(request, "desk/notifications.html", context)


@require_POST
@agent_required
def notification_read(request: DeskRequest, notification_id: int) -> HttpResponse:
    services.notification_read(user=request.user, notification_id=notification_id)
    return _bell_response(request) if _htmx(request) else _back(request)


@require_POST
@agent_required
def notifications_read_all(request: DeskRequest) -> HttpResponse:
    services.notifications_read(user=request.user)
    return _bell_response(request) if _htmx(request) else _back(request)


@require_POST
@agent_required
def ticket_notifications_read(request: DeskRequest, ticket_id: int) -> HttpResponse:
    """The agent opened the ticket (bell.js posts this from its page): its notifications are
    read. Only the user's own rows change, so no visibility check is needed to be safe."""
    services.notifications_read(user=request.user, ticket_id=ticket_id)
    return HttpResponse(status=204)


urlpatterns: list[URLPattern] = [
    path("notifications/", notification_list, name="notifications"),
    path("notifications/bell/", bell, name="bell"),
    path("notifications/read/", notifications_read_all, name="notifications_read_all"),
    path(
        "notifications/<int:notification_id>/read/",
        notification_read,
        name="notification_read",
    ),
    path(
        "notifications/tickets/<int:ticket_id>/read/",
        ticket_notifications_read,
        name="ticket_notifications_read",
    ),
]
