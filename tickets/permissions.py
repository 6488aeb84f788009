"""Who may use the agent API: agents, managers and admins.

The role checks themselves live in `helpdesk.roles` (a bottom-layer module every app may
import, the admin included); `is_agent` / `is_manager` are re-exported here for the API
and consumer modules that already import them from this module.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from helpdesk.roles import AGENT_GROUPS, is_agent, is_manager

__all__ = ["AGENT_GROUPS", "IsAgent", "is_agent", "is_manager"]


class IsAgent(BasePermission):
    message = "Only agents, managers and admins may use this API."

    def has_permission(self, request: Request, view: Any) -> bool:
        return is_agent(request.user)
