"""Who sees which figures: managers everything, agents only their own (the filter's agent
forced to themselves), everyone only the tickets of teams they may see."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from helpdesk.roles import is_manager
from reports.filters import ReportFilter

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from helpdesk.roles import User


class ReportForbidden(PermissionError):
    """An agent asked for another agent's figures."""


def filter_for(f: ReportFilter, user: User | AnonymousUser) -> ReportFilter:
    """The filter `user` may see: unchanged for a manager; for an agent, their own figures
    (no agent given, or their own id), else `ReportForbidden`. Pass the result, with the
    user as `viewer`, to the figure functions."""
    if is_manager(user):
        return f
    if f.agent_id is not None and f.agent_id != user.pk:
        raise ReportForbidden(_("You may only see your own figures."))
    return f.with_agent(user.pk)
