"""Who is an agent and who is a manager: the one role check every surface asks.

Roles are Django groups: "Agents" and "Managers"; superusers count as managers (and so as
agents). The DRF permission classes (`tickets.permissions`), the websocket consumers and the
admin (`helpdesk.admin_access`) all ask these two functions, so a role means the same thing
everywhere.

A bottom-layer module (see `[tool.importlinter]` in pyproject.toml): it imports none of our
apps, so every app — `customers` included — may use it. Each call reads the user's groups;
callers that ask many times per request cache the answer (`admin_access.admin_role`).
It also names the acting user's type, `User`, and narrows `request.user` to it
(`acting_user`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeGuard

from django.core.exceptions import PermissionDenied

if TYPE_CHECKING:
    # `User` is the acting user's type in annotations everywhere (`by: User`, `agent: User`):
    # the project keeps Django's default user model (no AUTH_USER_MODEL). Importers take it
    # under TYPE_CHECKING too: the model may not load before the app registry is ready.
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as User

AGENTS_GROUP = "Agents"
MANAGERS_GROUP = "Managers"
# Managers may do everything agents may.
AGENT_GROUPS = (AGENTS_GROUP, MANAGERS_GROUP)


def _is_active_user(user: User | AnonymousUser | None) -> TypeGuard[User]:
    # TypeGuard: only a signed-in user is authenticated, and ours are all `User`s.
    return bool(user and user.is_authenticated and user.is_active)


def is_agent(user: User | AnonymousUser | None) -> bool:
    """True for an active, signed-in superuser or member of Agents or Managers."""
    if not _is_active_user(user):
        return False
    if user.is_superuser:
        return True
    return any(group.name in AGENT_GROUPS for group in user.groups.all())


def is_manager(user: User | AnonymousUser | None) -> bool:
    """True for an active, signed-in superuser or member of Managers."""
    if not _is_active_user(user):
        return False
    return user.is_superuser or any(group.name == MANAGERS_GROUP for group in user.groups.all())


def acting_user(user: User | AnonymousUser) -> User:
    """`request.user` as the signed-in `User` a service takes as `by`, `agent` or `author`.

    For views behind an agent or manager permission (`tickets.permissions`, the admin), which
    has already turned anonymous requests away: this narrows the type, and a request that
    somehow got here unsigned is refused (`PermissionDenied`, a 403) rather than recorded.
    """
    from django.contrib.auth import models as auth_models  # needs the app registry: not at import

    if isinstance(user, auth_models.AnonymousUser):
        raise PermissionDenied("sign in first")
    return user
