"""The left column every desk page shows: the views with their live, bounded counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import QueryDict

from desk.models import SavedView
from desk.queues import CHANNEL_VIEWS, COUNT_CAP, STATUS_LABELS, VIEWS, QueueFilter, queue_counts
from helpdesk.roles import is_manager
from tickets.choices import ACTIVE_STATUSES

if TYPE_CHECKING:
    from helpdesk.roles import User


# The left column lists at most this many saved views per agent (and no more can be saved).
SAVED_VIEWS_MAX = 30
# A page shows the counts the agent's column last fetched (at most this old) and fetches
# fresh ones as a fragment right after: the counting query (tens of milliseconds at a
# million tickets) never holds up a page.
COUNTS_CACHE_SECONDS = 120


def _counts_key(user: User) -> str:
    return f"desk-nav-counts:{user.pk}"


def count_label(count: int) -> str:
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


@dataclass
class NavItem:
    """One entry of the left column. `query` is the view without its order (how the current
    one is found); `link` is where it leads, a saved view's own order included."""

    key: str
    label: str
    query: str
    count: int | None = None
    current: bool = False
    link: str = ""

    def __post_init__(self) -> None:
        self.link = self.link or self.query

    @property
    def count_label(self) -> str:
        return "" if self.count is None else count_label(self.count)


@dataclass
class Nav:
    views: list[NavItem] = field(default_factory=list)
    channels: list[NavItem] = field(default_factory=list)
    statuses: list[NavItem] = field(default_factory=list)
    saved: list[NavItem] = field(default_factory=list)
    # False when the counts are missing or cached: the column fetches fresh ones on load.
    fresh: bool = True

    def all(self) -> list[NavItem]:
        return [*self.views, *self.channels, *self.statuses, *self.saved]

    def current_item(self) -> NavItem | None:
        """The entry the list shows, a saved view before a built-in one of the same filter
        (the agent named it)."""
        for item in [*self.saved, *self.views, *self.channels, *self.statuses]:
            if item.current:
                return item
        return None

    def current_saved(self) -> NavItem | None:
        return next((item for item in self.saved if item.current), None)


def nav_build(*, user: User, current: QueueFilter | None, fresh: bool = True) -> Nav:
    """The column with every view's count: counted in one query (plus one for the saved
    views) when `fresh`, else the agent's last counts from the cache, if any (no query)."""
    nav = Nav(fresh=fresh)
    specs: list[tuple[str, QueueFilter]] = []
    for key, label in VIEWS:
        spec = QueueFilter(view=key)
        nav.views.append(NavItem(key, str(label), spec.query()))
        specs.append((f"v:{key}", spec))
    for key, label in CHANNEL_VIEWS:
        spec = QueueFilter(view="all", channel=key)
        nav.channels.append(NavItem(key, str(label), spec.query()))
        specs.append((f"c:{key}", spec))
    for status in ACTIVE_STATUSES:
        spec = QueueFilter(view="all", status=status)
        nav.statuses.append(NavItem(str(status), str(STATUS_LABELS[status]), spec.query()))
        specs.append((f"s:{status}", spec))
    for saved in SavedView.objects.filter(owner=user).order_by("name")[:SAVED_VIEWS_MAX]:
        spec = QueueFilter.from_query(QueryDict(saved.query))
        nav.saved.append(NavItem(str(saved.pk), saved.name, spec.filter_query, link=spec.query()))
        specs.append((f"saved:{saved.pk}", spec))
    if fresh:
        counts = queue_counts(user=user, keys=specs)
        cache.set(_counts_key(user), counts, COUNTS_CACHE_SECONDS)
    else:
        counts = cache.get(_counts_key(user)) or {}
    for (key, _spec), item in zip(specs, nav.all(), strict=True):
        item.count = counts.get(key)
    if current is not None:
        # A view stays current whatever order the agent reads it in.
        query = current.filter_query
        for item in nav.all():
            item.current = item.query == query
        if nav.current_saved() is not None:
            # The agent named this list: the left column marks that name, not a built-in
            # entry that happens to hold the same filter.
            for item in [*nav.views, *nav.channels, *nav.statuses]:
                item.current = False
    return nav


def desk_context(*, user: User, current: QueueFilter | None) -> dict[str, Any]:
    """What desk/base.html needs on every page."""
    return {
        "nav": nav_build(user=user, current=current, fresh=False),
        "spec": current or QueueFilter(),
        "is_manager": is_manager(user),
    }
