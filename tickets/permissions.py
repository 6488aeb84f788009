"""Who may use the agent API: agents, managers and admins."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

AGENT_GROUPS = ("Agents", "Managers")


def is_agent(user: Any) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    return any(group.name in AGENT_GROUPS for group in user.groups.all())


class IsAgent(BasePermission):
    message = "Only agents, managers and admins may use this API."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_agent(request.user)


def is_manager(user: Any) -> bool:
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or any(group.name == "Managers" for group in user.groups.all())
