"""Who is looking at which ticket right now: "Anna is viewing", "Sam is replying…".

Presence is kept in Redis, never in the database: it changes every few seconds and is worth
nothing after a minute. Each open ticket page holds a presence socket (`desk.consumers`);
the socket is one member of a sorted set per ticket whose score is the moment the entry
expires. An open socket refreshes its entry every `HEARTBEAT_SECONDS`; a closed one removes
it at once; a tab that goes silent (crashed browser, lost network, killed server) simply
stops refreshing and drops out after `TTL_SECONDS`, with nobody having to clean up.

A member is the JSON `[user id, short name, full name, replying, socket token]`: changing
"replying" replaces the member, which the socket can do because it remembers what it wrote.
Every change is announced as a `presence.changed` ticket event through `tickets.realtime`, so
it reaches exactly the sockets that may see the ticket (the ticket's group and the queue
feed, or a restricted team's feed)."""

from __future__ import annotations

import functools
import json
import secrets
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis
from django.conf import settings
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets import realtime

if TYPE_CHECKING:
    from helpdesk.roles import User

TTL_SECONDS = 60
# Three refreshes fit in one TTL: one lost or late heartbeat never makes a viewer flicker.
HEARTBEAT_SECONDS = TTL_SECONDS // 3
PRESENCE_EVENT = "presence.changed"
# The list asks for one page of rows; anything longer is not a page of ours.
MAX_TICKETS = 200


@functools.cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def _key(ticket_id: int) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "")
    return f"{prefix}:desk-presence:{ticket_id}"


@dataclass(frozen=True)
class Visitor:
    """One agent on one ticket (however many of their tabs are open on it)."""

    user_id: int
    short_name: str
    full_name: str
    replying: bool


@dataclass
class Entry:
    """What one socket wrote; it keeps this to refresh or replace its member."""

    ticket_id: int
    user_id: int
    short_name: str
    full_name: str
    token: str
    replying: bool = False

    def member(self) -> str:
        return json.dumps(
            [self.user_id, self.short_name, self.full_name, self.replying, self.token],
            ensure_ascii=False,
        )


def entry_for(*, ticket_id: int, user: User) -> Entry:
    return Entry(
        ticket_id=ticket_id,
        user_id=user.pk,
        short_name=user.first_name or user.get_username(),
        full_name=user.get_full_name() or user.get_username(),
        token=secrets.token_hex(8),
    )


def _write(entry: Entry, *, drop: str | None = None, now: float | None = None) -> bool:
    """Add or refresh the entry; True when it was not there (new, or it had expired)."""
    now = time.time() if now is None else now
    key = _key(entry.ticket_id)
    pipe = _redis().pipeline()
    pipe.zremrangebyscore(key, "-inf", now)
    if drop is not None:
        pipe.zrem(key, drop)
    pipe.zadd(key, {entry.member(): now + TTL_SECONDS})
    pipe.expire(key, TTL_SECONDS * 2)
    return bool(pipe.execute()[-2])


def _announce(entry: Entry) -> None:
    realtime.publish_ticket_event(
        ticket_id=entry.ticket_id, event=PRESENCE_EVENT, data={"user": entry.user_id}
    )


def presence_enter(entry: Entry, *, now: float | None = None) -> None:
    """A ticket page opened: its agent is viewing the ticket. Tells the others."""
    _write(entry, now=now)
    _announce(entry)


def presence_touch(entry: Entry, *, now: float | None = None) -> None:
    """The socket is still there (a heartbeat): refresh quietly. A tab that was silent past
    the TTL (a sleeping laptop, a throttled background tab) had dropped out: it is back."""
    if _write(entry, now=now):
        _announce(entry)


def presence_replying(entry: Entry, *, replying: bool) -> bool:
    """The agent started or stopped writing a reply. Tells the others when it changed;
    returns whether it did."""
    if entry.replying == replying:
        return False
    old = entry.member()
    entry.replying = replying
    _write(entry, drop=old)
    _announce(entry)
    return True


def presence_leave(entry: Entry) -> None:
    """The page closed (the socket disconnected). Tells the others."""
    _redis().zrem(_key(entry.ticket_id), entry.member())
    _announce(entry)


def _visitors(members: list[bytes]) -> list[Visitor]:
    by_user: dict[int, Visitor] = {}
    for raw in members:
        try:
            user_id, short, full, replying, _token = json.loads(raw)
        except (ValueError, TypeError):
            continue  # not ours (a key written by hand): ignore, it expires
        known = by_user.get(user_id)
        by_user[user_id] = Visitor(
            user_id, short, full, bool(replying) or bool(known and known.replying)
        )
    # Who replies first (that is what an agent about to answer must see), then by name.
    return sorted(by_user.values(), key=lambda v: (not v.replying, v.full_name.casefold()))


def presence_for(
    ticket_ids: list[int], *, exclude_user: int | None = None, now: float | None = None
) -> dict[int, list[Visitor]]:
    """Who is on each of these tickets, without `exclude_user` (the one asking): one Redis
    round trip whatever the number of tickets. Tickets nobody is on are left out."""
    ids = list(dict.fromkeys(ticket_ids))[:MAX_TICKETS]
    if not ids:
        return {}
    now = time.time() if now is None else now
    pipe = _redis().pipeline(transaction=False)
    for ticket_id in ids:
        pipe.zrangebyscore(_key(ticket_id), now, "+inf")
    found: dict[int, list[Visitor]] = {}
    for ticket_id, members in zip(ids, pipe.execute(), strict=True):
        visitors = [v for v in _visitors(members) if v.user_id != exclude_user]
        if visitors:
            found[ticket_id] = visitors
    return found


def someone_replying(ticket_id: int) -> bool:
    """Whether an agent is writing a reply on the ticket right now (one Redis read)."""
    return any(visitor.replying for visitor in presence_for([ticket_id]).get(ticket_id, []))


@dataclass(frozen=True)
class Line:
    """One sentence to show: "Anna and Sam are viewing"."""

    kind: str  # "replying" or "viewing": a CSS class and the icon; the words say it too
    text: str


def presence_lines(visitors: list[Visitor], *, short: bool = False) -> list[Line]:
    """The sentences for a ticket's visitors: who replies, then who only views."""
    lines: list[Line] = []
    replying = [v.short_name if short else v.full_name for v in visitors if v.replying]
    viewing = [v.short_name if short else v.full_name for v in visitors if not v.replying]
    if replying:
        text = ngettext("%(names)s is replying…", "%(names)s are replying…", len(replying)) % {
            "names": _names(replying)
        }
        lines.append(Line("replying", text))
    if viewing:
        text = ngettext("%(names)s is viewing", "%(names)s are viewing", len(viewing)) % {
            "names": _names(viewing)
        }
        lines.append(Line("viewing", text))
    return lines


def _names(names: list[str]) -> str:
    # Three names and "2 others" fit a row; a longer list says nothing more to the reader.
    if len(names) > 3:
        rest = len(names) - 2
        others = ngettext("%(count)s other", "%(count)s others", rest) % {"count": rest}
        names = [*names[:2], others]
    return str(get_text_list(names, _("and")))
