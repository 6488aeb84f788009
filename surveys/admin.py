"""Managers edit survey settings here; surveys and answers are read-only records (written
by the sweeps and by customers)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpdesk.admin_access import RoleAdminMixin
from surveys.models import (
    NpsAnswer,
    Survey,
    SurveyAnswer,
    SurveyChannelSetting,
    SurveySettings,
    SurveyWording,
)


class ChannelSettingInline(
    RoleAdminMixin, admin.TabularInline[SurveyChannelSetting, SurveySettings]
):
    model = SurveyChannelSetting
    extra = 0


class WordingInline(RoleAdminMixin, admin.StackedInline[SurveyWording, SurveySettings]):
    model = SurveyWording
    extra = 0


@admin.register(SurveySettings)
class SurveySettingsAdmin(RoleAdminMixin, admin.ModelAdmin[SurveySettings]):
    list_display = ["__str__", "throttle_days", "nps_interval_days", "change_window_minutes"]
    inlines = [ChannelSettingInline, WordingInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One settings row (migration 0002 creates it); managers only, like every setting.
        return super().has_add_permission(request) and not SurveySettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(RoleAdminMixin, admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Survey)
class SurveyAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "customer", "channel", "state", "cancel_reason", "send_at", "sent_at"]
    list_filter = ["state", "channel", "delivery", "cancel_reason"]
    list_select_related = ["ticket", "customer"]
    search_fields = ["ticket__id", "customer__name"]
    raw_id_fields = ["ticket", "customer", "message"]
    exclude = ["nonce"]


@admin.register(SurveyAnswer)
class SurveyAnswerAdmin(ReadOnlyAdmin):
    list_display = [
        "ticket",
        "rating",
        "channel",
        "agent",
        "team",
        "answered_at",
        "needs_recovery",
        "acknowledged_at",
    ]
    list_filter = ["rating", "channel", "needs_recovery", "team"]
    list_select_related = ["ticket", "agent", "team"]
    search_fields = ["comment", "ticket__id"]
    raw_id_fields = ["survey", "ticket", "customer"]


@admin.register(NpsAnswer)
class NpsAnswerAdmin(ReadOnlyAdmin):
    list_display = ["customer", "score", "channel", "answered_at"]
    list_filter = ["score", "channel"]
    list_select_related = ["customer"]
    search_fields = ["comment", "customer__name"]
    raw_id_fields = ["customer", "survey"]
