"""One ticket's timeline as the desk shows it: messages of every channel and the events that
say why, oldest first, the latest page at a time (older pages on demand, keyset by time),
the entries that arrived since the agent's last look, and the SLA clocks' history.

Entries are ordered by (time, kind, id), events before messages at the same instant; a
cursor names one entry in that order, so no entry is skipped or shown twice across pages
whatever timestamps collide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tickets.models import Message, Ticket, TicketEvent
from tickets.selectors import event_list, message_list, sla_state

PAGE_SIZE = 60
# How far back "since" looks again: a row stored (created_at) before the last look but
# committed after it still shows up, as long as its transaction took less than this.
SINCE_OVERLAP = timedelta(seconds=30)
# More new entries than this in one refresh: the agent is asked to reload instead.
SINCE_LIMIT = 200

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_RANK = {"event": 0, "message": 1}
_KIND = {0: "event", 1: "message"}
_CURSOR = re.compile(r"^(\d{1,20})-([01])-(\d{1,18})$")
_SEEN = re.compile(r"^[me]\d{1,18}$")

DELIVERY_LABELS = {
    "queued": gettext_lazy("Queued"),
    "sending": gettext_lazy("Sending"),
    "sent": gettext_lazy("Sent"),
    "delivered": gettext_lazy("Delivered"),
    "read": gettext_lazy("Read"),
    "failed": gettext_lazy("Failed"),
}


# --- Email HTML in a sandboxed frame --------------------------------------------------------

# The frame's own policy, first in its head: no scripts, no requests but inline images
# (`data:`, `cid:`) and, once the agent asks, remote images over https. The page's policy
# applies inside `srcdoc` as well (it is inherited), so the ticket page allows https images.
_FRAME_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; font-src data:; img-src data: cid:{extra}"
)
_FRAME_HEAD = (
    '<!doctype html><html><head><meta charset="utf-8">'
    '<meta http-equiv="Content-Security-Policy" content="{csp}">'
    # The mail's own canvas: mails are written for white paper, whatever the desk's theme.
    "<style>:root{{color-scheme:light;background:Canvas;color:CanvasText}}"
    "body{{margin:0.75rem;font:0.9375rem/1.5 system-ui,sans-serif;overflow-wrap:anywhere}}"
    "img{{max-width:100%;height:auto}}</style></head><body>"
)
# Inbound mail parks remote image addresses in data-remote-src (channels_inbox's sanitiser),
# so nothing is fetched until an agent asks; anything else remote is caught by the policy.
_PARKED = re.compile(r'\sdata-remote-src="(https:[^"]*)"', re.IGNORECASE)
_REMOTE_IMAGE = re.compile(
    r"""\bdata-remote-src\s*=|\bsrc(?:set)?\s*=\s*["']?\s*(?:https?:)?//|url\(\s*["']?\s*(?:https?:)?//""",
    re.IGNORECASE,
)
_BLOCKS = re.compile(r"<(?:br|p|div|tr|li|h\d|img|table)\b", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class MailFrame:
    """A message's sanitised HTML as a sandboxed frame's document (`srcdoc`)."""

    html: str
    images: bool = False

    @property
    def srcdoc(self) -> str:
        html = self.html
        if self.images:
            html = _PARKED.sub(r' src="\1"', html)
        csp = _FRAME_CSP.format(extra=" https:" if self.images else "")
        return _FRAME_HEAD.format(csp=csp) + html + "</body></html>"

    @property
    def remote_images(self) -> bool:
        return bool(_REMOTE_IMAGE.search(self.html))

    @property
    def height_em(self) -> int:
        """A first guess at the frame's height (a frame without scripts cannot measure its
        content): lines of text and blocks, in em, between 4 and 36; the agent can resize."""
        text = _TAGS.sub("", self.html)
        lines = len(_BLOCKS.findall(self.html)) + len(text) // 90 + 1
        return max(4, min(36, round(lines * 1.5 + 1.6)))


class BadCursor(ValueError):
    """A cursor from the query string that this module did not write."""


def _micros(at: datetime) -> int:
    return (at - _EPOCH) // timedelta(microseconds=1)


def _from_micros(value: int) -> datetime:
    try:
        return _EPOCH + timedelta(microseconds=value)
    except OverflowError:
        raise BadCursor("time out of range") from None


@dataclass(frozen=True)
class Entry:
    kind: str  # "message" | "event"
    at: datetime
    item: Any
    # Remote images in this message's HTML are allowed (the agent asked).
    images: bool = False

    @property
    def key(self) -> tuple[datetime, int, int]:
        return (self.at, _RANK[self.kind], self.item.pk)

    @property
    def cursor(self) -> str:
        return f"{_micros(self.at)}-{_RANK[self.kind]}-{self.item.pk}"

    @property
    def seen_key(self) -> str:
        return f"{self.kind[0]}{self.item.pk}"

    @property
    def email(self) -> MailFrame | None:
        """How the message's HTML is shown, or None for a plain-text message."""
        if self.kind != "message" or not self.item.body_html.strip():
            return None
        return MailFrame(html=self.item.body_html, images=self.images)

    @property
    def delivery(self) -> str:
        return str(DELIVERY_LABELS.get(self.item.delivery_state, self.item.delivery_state))

    @property
    def duration(self) -> str:
        """A call's length: "4 min 05 s", "42 s"."""
        seconds = self.item.call_duration_seconds or 0
        minutes, rest = divmod(seconds, 60)
        if minutes:
            return _("%(m)s min %(s)02d s") % {"m": minutes, "s": rest}
        return _("%(s)s s") % {"s": rest}


def entries_merge(
    messages: list[Message], events: list[TicketEvent], *, images: int | None = None
) -> list[Entry]:
    """Messages and events as entries in timeline order (oldest first)."""
    entries = [Entry("message", m.created_at, m, images=m.pk == images) for m in messages]
    entries += [Entry("event", e.created_at, e) for e in events]
    entries.sort(key=lambda entry: entry.key)
    return entries


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    # The cursor of the first entry when older ones exist ("Show older"), else "".
    older: str
    since: SinceCursor | None = None


def cursor_parse(value: str) -> tuple[datetime, int, int]:
    """(time, kind rank, id) of an entry cursor; `BadCursor` for anything else."""
    match = _CURSOR.match(value)
    if match is None:
        raise BadCursor(value)
    return _from_micros(int(match[1])), int(match[2]), int(match[3])


def _before(at: datetime, rank: int, pk: int, *, own_rank: int) -> Q:
    """Rows of one kind (`own_rank`) that come before the entry (at, rank, pk)."""
    earlier = Q(created_at__lt=at)
    if own_rank < rank:
        return earlier | Q(created_at=at)
    if own_rank == rank:
        return earlier | Q(created_at=at, pk__lt=pk)
    return earlier


def timeline_page(*, ticket: Ticket, before: str = "", images: int | None = None) -> TimelinePage:
    """The latest `PAGE_SIZE` entries (or those before the cursor `before`), oldest first:
    two queries on the (ticket, created_at) indexes plus the attachments' prefetch, whatever
    the ticket's size. `images`: the message whose remote images the agent allowed."""
    messages = message_list(ticket=ticket).order_by("-created_at", "-id")
    events = event_list(ticket=ticket).order_by("-created_at", "-id")
    since = None
    if before:
        at, rank, pk = cursor_parse(before)
        messages = messages.filter(_before(at, rank, pk, own_rank=_RANK["message"]))
        events = events.filter(_before(at, rank, pk, own_rank=_RANK["event"]))
    else:
        since = SinceCursor(at=timezone.now())
    entries = entries_merge(
        list(messages[: PAGE_SIZE + 1]), list(events[: PAGE_SIZE + 1]), images=images
    )
    more = len(entries) > PAGE_SIZE
    entries = entries[-PAGE_SIZE:]
    if since is not None:
        since = since.after(entries)
    return TimelinePage(entries, entries[0].cursor if more and entries else "", since)


# --- Entries since the last look ------------------------------------------------------------


@dataclass(frozen=True)
class SinceCursor:
    """Where the agent's timeline ends: the time of the last look and the entries already
    shown that were stored within `SINCE_OVERLAP` of it (they are looked at again)."""

    at: datetime
    seen: frozenset[str] = field(default_factory=frozenset)

    @property
    def at_param(self) -> str:
        return str(_micros(self.at))

    @property
    def seen_param(self) -> str:
        return ",".join(sorted(self.seen))

    def after(self, shown: list[Entry]) -> SinceCursor:
        """The cursor once `shown` are on the page too."""
        window = self.at - SINCE_OVERLAP
        return SinceCursor(self.at, frozenset(e.seen_key for e in shown if e.at > window))

    @classmethod
    def parse(cls, at: str, seen: str) -> SinceCursor:
        if not at.isdigit() or len(at) > 20:
            raise BadCursor(at)
        keys = [key for key in seen.split(",") if key]
        if len(keys) > 2 * SINCE_LIMIT or not all(_SEEN.match(key) for key in keys):
            raise BadCursor(seen)
        return cls(_from_micros(int(at)), frozenset(keys))


@dataclass(frozen=True)
class SinceResult:
    entries: list[Entry]
    cursor: SinceCursor
    # More arrived than one refresh shows: the agent should reload.
    truncated: bool


def _window(rows: QuerySet[Any], start: datetime) -> list[Any]:
    return list(rows.filter(created_at__gt=start).order_by("created_at", "id")[: SINCE_LIMIT + 1])


def timeline_since(*, ticket: Ticket, cursor: SinceCursor) -> SinceResult:
    """Entries stored since the cursor and not shown yet, oldest first, with the cursor for
    the next look: two queries plus the attachments' prefetch. Rows in the overlap window
    are read again and those already shown are left out, so a slow transaction's row is
    not lost and none is sent twice."""
    now = timezone.now()
    start = cursor.at - SINCE_OVERLAP
    messages = _window(message_list(ticket=ticket), start)
    events = _window(event_list(ticket=ticket), start)
    truncated = len(messages) > SINCE_LIMIT or len(events) > SINCE_LIMIT
    window = entries_merge(messages[:SINCE_LIMIT], events[:SINCE_LIMIT])
    fresh = [entry for entry in window if entry.seen_key not in cursor.seen]
    return SinceResult(fresh, SinceCursor(now).after(window), truncated)


# --- The SLA clocks' history ----------------------------------------------------------------

METRIC_LABELS = {
    "first_response": gettext_lazy("First response"),
    "next_response": gettext_lazy("Next response"),
    "resolution": gettext_lazy("Resolution"),
}
CLOCK_LABELS = {
    "on_track": gettext_lazy("Running"),
    "at_risk": gettext_lazy("At risk"),
    "breached": gettext_lazy("Breached"),
    "paused": gettext_lazy("Paused"),
    "met": gettext_lazy("Met"),
    "met_late": gettext_lazy("Met late"),
    "cancelled": gettext_lazy("Cancelled"),
}


@dataclass(frozen=True)
class Clock:
    """One SLA timer as the strip's history shows it (`tickets.selectors.sla_state`)."""

    state: dict[str, Any]
    metric_label: str
    status_label: str
    paused_at: datetime | None
    paused_minutes: int

    @property
    def live(self) -> bool:
        return self.state["remaining_seconds"] is not None


def sla_clocks(*, ticket: Ticket, now: datetime) -> list[Clock]:
    """Every SLA timer of the ticket, newest first; reads the prefetched `sla_timers`."""
    clocks = []
    for timer in sorted(ticket.sla_timers.all(), key=lambda t: (t.started_at, t.pk), reverse=True):
        state = sla_state(timer, now=now)
        clocks.append(
            Clock(
                state=state,
                metric_label=str(METRIC_LABELS.get(timer.metric, timer.metric)),
                status_label=str(CLOCK_LABELS.get(state["status"], state["status"])),
                paused_at=timer.paused_at if state["status"] == "paused" else None,
                paused_minutes=(timer.paused_seconds + 59) // 60,
            )
        )
    return clocks


def clock_nearest(clocks: list[Clock]) -> Clock | None:
    """The live clock due first: the promise the strip's countdown is about."""
    live = [clock for clock in clocks if clock.live]
    return min(live, key=lambda clock: clock.state["due_at"]) if live else None
