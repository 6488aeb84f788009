"""How a promise reads to an agent: the countdown chip on every unresolved ticket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets.choices import ACTIVE_STATUSES


def duration_text(seconds: int) -> str:
    """ "3 d 4 h", "3 h 12 min", "8 min" in the reader's language (two units at most)."""
    minutes = max(seconds, 0) // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days and not hours:
        return _("%(d)s d") % {"d": days}
    if days:
        return _("%(d)s d %(h)s h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": mins}
    return ngettext("%(m)s min", "%(m)s min", mins) % {"m": mins}


@dataclass(frozen=True)
class Promise:
    """state: on_track | at_risk | breached | none; label for the chip, title for a hover."""

    state: str
    label: str
    title: str
    due_at: datetime | None


def promise_of(
    *, status: str, due_at: datetime | None, at_risk_at: datetime | None, now: datetime
) -> Promise:
    if status not in ACTIVE_STATUSES or due_at is None:
        return Promise("none", "—", _("Nothing is due"), None)
    when = formats.date_format(timezone.localtime(due_at), "D j M H:i")
    left = int((due_at - now).total_seconds())
    if left <= 0:
        label = _("missed %(time)s ago") % {"time": duration_text(-left)}
        return Promise("breached", label, _("Was due %(when)s") % {"when": when}, due_at)
    state = "at_risk" if at_risk_at is not None and at_risk_at <= now else "on_track"
    label = _("in %(time)s") % {"time": duration_text(left)}
    return Promise(state, label, _("Due %(when)s") % {"when": when}, due_at)
