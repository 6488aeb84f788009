"""The desk's queues: which tickets a view holds, in promise order, a page at a time.

Every queue starts from `tickets.selectors.ticket_list_for_user` (the one access rule) and
is read in the order of the nearest promise — `Ticket.sla_due_at` ascending, tickets with no
live clock last, then id — on the `(filter, sla_due_at, id)` indexes of migration
tickets/0010, with keyset pagination: a page costs the same at row 50 and at row 500,000.
Counts are bounded (`COUNT_CAP`): the left column never counts a whole table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db import connection
from django.db.models import F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from tickets.choices import ACTIVE_STATUSES, SOCIAL_CHANNELS, Channel, Direction, Status
from tickets.models import Message, Ticket
from tickets.selectors import ticket_visible_to

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from helpdesk.roles import User

PAGE_SIZE = 50
# Above this a count shows as "999+": counting stops at an index range, not a table scan.
COUNT_CAP = 999

# The views of the left column, in order: (key, label).
VIEWS: list[tuple[str, _StrPromise]] = [
    ("mine", _("Mine")),
    ("unassigned", _("Unassigned")),
    ("teams", _("My teams")),
    ("at_risk", _("At risk")),
    ("breached", _("Breached")),
    ("chats", _("Live chats")),
    ("all", _("All open")),
]
CHANNEL_VIEWS: list[tuple[str, _StrPromise]] = [
    ("email", _("Email")),
    ("chat", _("Chat")),
    ("phone", _("Phone")),
    ("social", _("Social")),
    ("web", _("Web form")),
]
STATUS_LABELS: dict[str, _StrPromise] = {
    Status.NEW: _("New"),
    Status.OPEN: _("Open"),
    Status.PENDING: _("Pending"),
    Status.ON_HOLD: _("On hold"),
    Status.SOLVED: _("Solved"),
    Status.CLOSED: _("Closed"),
}
SORTS: list[tuple[str, _StrPromise]] = [("due", _("Due first")), ("newest", _("Newest first"))]


@dataclass(frozen=True)
class QueueFilter:
    """One list as the URL says it: `?view=mine&channel=email&status=open&tag=vip&sort=due`.
    Unknown values fall back to the defaults, never to an error page."""

    view: str = "mine"
    channel: str = ""
    status: str = ""
    team: int | None = None
    tag: str = ""
    sort: str = "due"

    @classmethod
    def from_query(cls, params: Any) -> QueueFilter:
        view = params.get("view", "mine")
        channel = params.get("channel", "")
        status = params.get("status", "")
        team = params.get("team", "")
        sort = params.get("sort", "due")
        return cls(
            view=view if view in dict(VIEWS) else "mine",
            channel=channel if channel in dict(CHANNEL_VIEWS) else "",
            status=status if status in Status.values else "",
            team=int(team) if team.isdigit() and len(team) < 10 else None,
            tag=params.get("tag", "").strip()[:50],
            sort=sort if sort in dict(SORTS) else "due",
        )

    def query(self, **changes: Any) -> str:
        """This filter (with `changes`) as a query string, defaults left out."""
        data = replace(self, **changes)
        pairs = {
            "view": data.view,
            "channel": data.channel,
            "status": data.status,
            "team": data.team or "",
            "tag": data.tag,
            "sort": "" if data.sort == "due" else data.sort,
        }
        return urlencode({key: value for key, value in pairs.items() if value})


def _view_condition(view: str, *, user: User, now: datetime) -> Q:
    if view == "mine":
        return Q(assignee_id=user.pk)
    if view == "unassigned":
        return Q(assignee__isnull=True)
    if view == "teams":
        # A subquery, not a list: no query of its own.
        return Q(team_id__in=user.helpdesk_teams.values("pk"))
    if view == "at_risk":
        return Q(sla_at_risk_at__lte=now, sla_due_at__gt=now)
    if view == "breached":
        return Q(sla_due_at__lte=now)
    if view == "chats":
        return Q(channel=Channel.CHAT)
    return Q()


def _channel_condition(channel: str) -> Q:
    if channel == "social":
        return Q(channel__in=sorted(SOCIAL_CHANNELS))
    return Q(channel=channel) if channel else Q()


def queue_tickets(
    *, user: User, spec: QueueFilter, now: datetime | None = None
) -> QuerySet[Ticket]:
    """The tickets of a list, visible to `user`, unordered and without joins."""
    now = now or timezone.now()
    statuses = [spec.status] if spec.status else list(ACTIVE_STATUSES)
    condition = _view_condition(spec.view, user=user, now=now) & _channel_condition(spec.channel)
    if spec.team is not None:
        condition &= Q(team_id=spec.team)
    if spec.tag:
        condition &= Q(tags__contains=[spec.tag])
    return Ticket.objects.filter(
        ticket_visible_to(user=user), condition, status__in=statuses, merged_into__isnull=True
    )


def _latest_line() -> Subquery:
    """The first 200 characters of the latest public message (inbound or outbound), read per
    row of the page from the (ticket, created_at) index inside the list's own query."""
    latest = (
        Message.objects.filter(
            ticket_id=OuterRef("pk"), direction__in=[Direction.INBOUND, Direction.OUTBOUND]
        )
        .order_by("-created_at", "-id")
        .annotate(line=Left("body_text", 200))
        .values("line")[:1]
    )
    return Subquery(latest)


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: the last row's (due, id), or (created) for newest first."""

    due: datetime | None
    ticket_id: int

    def encode(self) -> str:
        return f"{self.due.isoformat() if self.due else '-'}_{self.ticket_id}"

    @classmethod
    def decode(cls, value: str) -> Cursor | None:
        due_text, _sep, id_text = value.rpartition("_")
        if not id_text.isdigit() or len(id_text) > 18:
            return None
        due = None if due_text == "-" else parse_datetime(due_text)
        if due_text != "-" and due is None:
            return None
        return cls(due, int(id_text))


def _after(cursor: Cursor, sort: str) -> Q:
    """Rows after `cursor` in the list's order (NULL due times last)."""
    if sort == "newest":
        return Q(pk__lt=cursor.ticket_id)
    if cursor.due is None:
        return Q(sla_due_at__isnull=True, pk__gt=cursor.ticket_id)
    return (
        Q(sla_due_at__gt=cursor.due)
        | Q(sla_due_at=cursor.due, pk__gt=cursor.ticket_id)
        | Q(sla_due_at__isnull=True)
    )


@dataclass(frozen=True)
class QueuePage:
    tickets: Sequence[Ticket]
    next_cursor: str | None


def queue_page(
    *, user: User, spec: QueueFilter, after: str = "", size: int = PAGE_SIZE
) -> QueuePage:
    """One page of a list with what each row shows (customer, assignee, team, the latest
    message's first line): one query, whatever the page or the table size."""
    tickets = (
        queue_tickets(user=user, spec=spec)
        .select_related("customer", "assignee", "team")
        .annotate(latest_line=_latest_line())
    )
    cursor = Cursor.decode(after) if after else None
    if cursor is not None:
        tickets = tickets.filter(_after(cursor, spec.sort))
    if spec.sort == "newest":
        tickets = tickets.order_by("-id")
    else:
        tickets = tickets.order_by(F("sla_due_at").asc(nulls_last=True), "id")
    rows = list(tickets[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = Cursor(rows[-1].sla_due_at, rows[-1].pk).encode() if more and rows else None
    return QueuePage(rows, next_cursor)


def queue_counts(*, user: User, keys: list[tuple[str, QueueFilter]]) -> dict[str, int]:
    """Bounded counts of many lists in one query: each is `count(*)` over at most
    `COUNT_CAP + 1` index entries, so "999+" costs what 1,000 rows cost."""
    if not keys:
        return {}
    parts: list[str] = []
    params: list[Any] = []
    now = timezone.now()
    for _key, spec in keys:
        sql, inner = (
            queue_tickets(user=user, spec=spec, now=now)
            .values("pk")[: COUNT_CAP + 1]
            .query.sql_with_params()
        )
        # `sql` is Django's own compiled query with its parameters kept apart.
        parts.append(f"(SELECT count(*) FROM ({sql}) AS bounded)")  # noqa: S608
        params.extend(inner)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return {key: int(value) for (key, _spec), value in zip(keys, row, strict=True)}
