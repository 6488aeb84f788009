"""Who may do what in the Django admin: the API's roles, in one place.

The admin used to ask Django's model permissions, which `seed_demo` handed out per app: agents
got `change_*` on every tickets model (so they rewrote SLA targets, teams and attachment
files) and managers got nothing on channels_inbox and surveys. Now every helpdesk ModelAdmin
and inline takes `RoleAdminMixin`, which asks `admin_role()` — built on
`helpdesk.roles.is_agent` / `is_manager`, the checks the API's permission classes use:

- managers (the "Managers" group) and superusers: everything a ModelAdmin allows (its own
  `has_*_permission` overrides, e.g. read-only messages and timelines, still apply);
- agents (the "Agents" group): view only, and not even that where `agents_may_view` is False
  (pages that would print channel secrets);
- anyone else, staff or not: nothing.

Model permissions no longer matter for these models. Entering the admin at all still needs
`is_staff` (Django's `AdminSite.has_permission`).

Layering: this module imports only Django and `helpdesk.roles`, so it sits just above the
bottom helpers and below every app — `customers.admin` takes the mixin without depending on
`tickets` (it used to, through `tickets.permissions`). Keep it that way: no app imports here.
"""

from __future__ import annotations

import enum
from typing import Any, cast

from django.http import HttpRequest

from helpdesk.roles import is_agent, is_manager


class AdminRole(enum.Enum):
    MANAGER = "manager"
    AGENT = "agent"


_CACHE_ATTR = "_helpdesk_admin_role"


def admin_role(request: HttpRequest) -> AdminRole | None:
    """The acting user's role: MANAGER (Managers group or superuser), AGENT (Agents group),
    or None. Asked once per request: an admin page checks permissions dozens of times and
    each check would otherwise read the user's groups again."""
    if not hasattr(request, _CACHE_ATTR):
        role = None
        if is_manager(request.user):
            role = AdminRole.MANAGER
        elif is_agent(request.user):
            role = AdminRole.AGENT
        setattr(request, _CACHE_ATTR, role)
    return cast("AdminRole | None", getattr(request, _CACHE_ATTR))


def _may_view(request: HttpRequest, agents_may_view: bool) -> bool:
    role = admin_role(request)
    return role is AdminRole.MANAGER or (role is AdminRole.AGENT and agents_may_view)


def _may_write(request: HttpRequest) -> bool:
    return admin_role(request) is AdminRole.MANAGER


class RoleAdminMixin:
    """Put first in the bases of a ModelAdmin or an inline (an inline would otherwise ask
    the model permissions). A subclass that narrows a permission further (read-only
    records) overrides the method and returns False, or ANDs its condition with `super()`."""

    # False hides the model from agents entirely (its read-only page would show secrets).
    agents_may_view: bool = True

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_view(request, True)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_view(request, self.agents_may_view)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        # `*args`: inlines are asked with the parent object as well.
        return _may_write(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_write(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_write(request)
