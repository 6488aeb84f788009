"""Managers set each manager's language for the weekly summary (and may turn it off) here;
the sent-summary records are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpdesk.admin_access import RoleAdminMixin
from reports.models import ManagerReportPreference, WeeklySummarySent


@admin.register(ManagerReportPreference)
class ManagerReportPreferenceAdmin(RoleAdminMixin, admin.ModelAdmin[ManagerReportPreference]):
    agents_may_view = False
    list_display = ["user", "language", "weekly_summary"]
    raw_id_fields = ["user"]


@admin.register(WeeklySummarySent)
class WeeklySummarySentAdmin(RoleAdminMixin, admin.ModelAdmin[WeeklySummarySent]):
    agents_may_view = False
    list_display = ["week_start", "user", "language", "sent_at"]
    list_filter = ["week_start"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
