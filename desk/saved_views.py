"""Writes on an agent's saved views: create, rename, delete. Each is the owner's alone — a
view of someone else's answers like one that does not exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from desk.models import SavedView
from desk.navigation import SAVED_VIEWS_MAX
from desk.queues import QueueFilter
from helpdesk.errors import DomainError

if TYPE_CHECKING:
    from helpdesk.roles import User

NAME_MAX = 80


class SavedViewError(DomainError):
    """A name that cannot be used, or one view too many."""


def _clean_name(name: str, *, owner: User, exclude: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise SavedViewError(_("Give the view a name."))
    if len(name) > NAME_MAX:
        raise SavedViewError(_("Use at most %(n)s characters for the name.") % {"n": NAME_MAX})
    taken = SavedView.objects.filter(owner=owner, name=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise SavedViewError(_("You already have a view named “%(name)s”.") % {"name": name})
    return name


def saved_view_get(*, owner: User, view_id: int) -> SavedView:
    """`owner`'s saved view, or `Http404` (also for another agent's)."""
    view = SavedView.objects.filter(owner=owner, pk=view_id).first()
    if view is None:
        raise Http404("No such view")
    return view


@transaction.atomic
def saved_view_create(*, owner: User, name: str, spec: QueueFilter) -> SavedView:
    """Keep `spec` (the list's own query string, its order only if the agent chose one) in
    the left column under `name`."""
    name = _clean_name(name, owner=owner)
    if SavedView.objects.filter(owner=owner).count() >= SAVED_VIEWS_MAX:
        raise SavedViewError(
            _("You can keep %(n)s saved views; delete one first.") % {"n": SAVED_VIEWS_MAX}
        )
    return SavedView.objects.create(owner=owner, name=name, query=spec.query())


@transaction.atomic
def saved_view_rename(*, owner: User, view_id: int, name: str) -> SavedView:
    view = saved_view_get(owner=owner, view_id=view_id)
    view.name = _clean_name(name, owner=owner, exclude=view.pk)
    view.save(update_fields=["name"])
    return view


@transaction.atomic
def saved_view_delete(*, owner: User, view_id: int) -> SavedView:
    """Delete and return the view (its query tells where the agent was)."""
    view = saved_view_get(owner=owner, view_id=view_id)
    view.delete()
    return view
