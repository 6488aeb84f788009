from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from helpdesk.admin_access import RoleAdminMixin
from helpdesk.roles import acting_user
from tickets import services
from tickets.business_hours import parse_weekly
from tickets.models import (
    Attachment,
    BusinessCalendar,
    BusinessHoliday,
    Message,
    Notification,
    SlaBreach,
    SlaPolicy,
    SlaTimer,
    Team,
    Ticket,
    TicketEvent,
    Todo,
)


@admin.register(Team)
class TeamAdmin(RoleAdminMixin, admin.ModelAdmin[Team]):
    list_display = ["name", "lead", "is_default", "restricted", "created_at"]
    list_filter = ["restricted"]
    search_fields = ["name"]
    filter_horizontal = ["members"]
    list_select_related = ["lead"]


class MessageInline(RoleAdminMixin, admin.StackedInline[Message, Ticket]):
    model = Message
    extra = 0
    readonly_fields = (
        "direction",
        "channel",
        "author_user",
        "author_customer",
        "body_text",
        "is_automatic",
        "delivery_state",
        "created_at",
    )
    fields = readonly_fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Replies go through the reply service (outbox, SLA), not through a raw row.
        return False


class EventInline(RoleAdminMixin, admin.TabularInline[TicketEvent, Ticket]):
    model = TicketEvent
    extra = 0
    readonly_fields = ("created_at", "kind", "text", "actor")
    fields = readonly_fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(RoleAdminMixin, admin.ModelAdmin[Ticket]):
    list_display = [
        "id",
        "subject",
        "customer",
        "status",
        "priority",
        "channel",
        "assignee",
        "team",
        "unanswered_contacts",
        "updated_at",
    ]
    list_filter = ["status", "priority", "channel", "team"]
    search_fields = ["=id", "subject", "customer__name", "customer__identities__value"]
    list_select_related = ["customer", "assignee", "team"]
    raw_id_fields = ["customer", "assignee", "follow_up_of", "merged_into"]
    readonly_fields = [
        "unanswered_contacts",
        "repeat_contacts",
        "chase_priority_raised",
        "latest_inbound_channel",
        "last_inbound_at",
        "first_ack_at",
        "first_human_reply_at",
        "last_human_reply_at",
        "solved_at",
        "closed_at",
        "created_at",
        "updated_at",
    ]
    inlines = [MessageInline, EventInline]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and (obj.status == "closed" or obj.merged_into_id):
            # Closed and merged tickets are read-only; later contacts open a follow-up.
            return [f.name for f in Ticket._meta.fields]
        if obj is not None:
            # Moving a ticket between customers or channels is a merge / split, not an edit.
            fields += ["customer", "channel", "follow_up_of", "merged_into"]
        return fields

    def save_model(
        self, request: HttpRequest, obj: Ticket, form: ModelForm[Ticket], change: bool
    ) -> None:
        """Edits go through the services, so every change lands on the timeline."""
        by = acting_user(request.user)
        try:
            if not change:
                ticket = services.ticket_create(
                    customer=obj.customer,
                    subject=obj.subject,
                    channel=obj.channel,
                    by=by,
                    team=obj.team,
                    priority=obj.priority,
                )
                obj.pk = ticket.pk
                obj._state.adding = False
                changed = {"assignee", "tags", "status"} & set(form.changed_data)
            else:
                ticket = Ticket.objects.get(pk=obj.pk)
                changed = set(form.changed_data)
            if "subject" in changed:
                services.ticket_set_subject(ticket=ticket, subject=obj.subject, by=by)
            if "assignee" in changed:
                services.ticket_assign(ticket=ticket, agent=obj.assignee, by=by)
            if "team" in changed:
                services.ticket_set_team(ticket=ticket, team=obj.team, by=by)
            if "priority" in changed:
                services.ticket_set_priority(ticket=ticket, priority=obj.priority, by=by)
            if "tags" in changed:
                services.ticket_set_tags(ticket=ticket, tags=obj.tags, by=by)
            if "status" in changed:
                services.ticket_set_status(ticket=ticket, status=obj.status, by=by)
        except services.TicketError as exc:
            raise ValidationError(str(exc)) from exc
        obj.refresh_from_db()


def _download_link(obj: Attachment) -> str:
    """The authorised download (role check, sandboxed response); `/media/` is not served."""
    if obj.pk is None:
        return "-"
    url = reverse("attachment-download", kwargs={"pk": obj.pk})
    return format_html('<a href="{}">{}</a>', url, obj.filename)


class AttachmentInline(RoleAdminMixin, admin.TabularInline[Attachment, Message]):
    model = Attachment
    extra = 0
    readonly_fields = ["filename", "content_type", "size", "content_id", "is_inline", "download"]
    # The stored file is shown as a link to the download endpoint, never as its media URL.
    exclude = ["file"]

    @admin.display(description="file")
    def download(self, obj: Attachment) -> str:
        return _download_link(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Attachments come with the message (ingestion, reply service).
        return False


@admin.register(Message)
class MessageAdmin(RoleAdminMixin, admin.ModelAdmin[Message]):
    list_display = [
        "id",
        "ticket",
        "direction",
        "channel",
        "is_automatic",
        "delivery_state",
        "created_at",
    ]
    list_filter = ["direction", "channel", "delivery_state", "is_automatic"]
    search_fields = ["body_text", "provider_message_id", "=ticket__id"]
    list_select_related = ["ticket"]
    raw_id_fields = ["ticket", "author_user", "author_customer", "identity"]
    readonly_fields = [
        "provider_message_id",
        "thread_key",
        "send_attempts",
        "sent_at",
        "delivered_at",
        "created_at",
    ]
    inlines = [AttachmentInline]
    show_full_result_count = False

    # Messages are written by ingestion and the reply service (outbox, SLA, chasing);
    # the admin shows them but does not fabricate or rewrite them.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Attachment)
class AttachmentAdmin(RoleAdminMixin, admin.ModelAdmin[Attachment]):
    list_display = ["filename", "message", "content_type", "size", "created_at"]
    raw_id_fields = ["message"]
    search_fields = ["filename"]
    exclude = ["file"]
    readonly_fields = ["download"]

    @admin.display(description="file")
    def download(self, obj: Attachment) -> str:
        return _download_link(obj)

    # Like messages: stored by ingestion and the reply service, shown here, never replaced
    # (a swapped file would no longer be what the customer sent). Managers may delete one.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TicketEvent)
class TicketEventAdmin(RoleAdminMixin, admin.ModelAdmin[TicketEvent]):
    """Read-only: the timeline is append-only."""

    list_display = ["created_at", "ticket", "kind", "text", "actor"]
    list_filter = ["kind"]
    list_select_related = ["ticket", "actor"]
    search_fields = ["=ticket__id", "text"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Todo)
class TodoAdmin(RoleAdminMixin, admin.ModelAdmin[Todo]):
    list_display = ["id", "ticket", "kind", "text", "created_at", "done_at", "done_by"]
    list_filter = ["kind", ("done_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["ticket", "message", "created_at"]
    list_select_related = ["ticket", "done_by"]


class BusinessHolidayInline(RoleAdminMixin, admin.TabularInline[BusinessHoliday, BusinessCalendar]):
    model = BusinessHoliday
    extra = 1


class BusinessCalendarForm(forms.ModelForm[BusinessCalendar]):
    class Meta:
        model = BusinessCalendar
        fields = ["name", "time_zone", "weekly_hours"]

    def clean_time_zone(self) -> str:
        zone: str = self.cleaned_data["time_zone"]
        if zone not in available_timezones():
            raise forms.ValidationError(f"'{zone}' is not an IANA time zone (Europe/Amsterdam)")
        return zone

    def clean_weekly_hours(self) -> dict[str, Any]:
        hours = self.cleaned_data["weekly_hours"] or {}
        try:
            parse_weekly(hours)
        except (TypeError, ValueError) as exc:
            raise forms.ValidationError(f"weekly hours: {exc}") from exc
        return hours


@admin.register(BusinessHoliday)
class BusinessHolidayAdmin(RoleAdminMixin, admin.ModelAdmin[BusinessHoliday]):
    list_display = ["date", "name", "calendar"]
    list_filter = ["calendar"]
    list_select_related = ["calendar"]


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RoleAdminMixin, admin.ModelAdmin[BusinessCalendar]):
    form = BusinessCalendarForm
    list_display = ["name", "time_zone"]
    inlines = [BusinessHolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(RoleAdminMixin, admin.ModelAdmin[SlaPolicy]):
    """Saved through `sla_policy_save`: a change bumps the version and re-times running
    clocks."""

    list_display = [
        "name",
        "channels",
        "priorities",
        "first_response_minutes",
        "next_response_minutes",
        "resolution_minutes",
        "calendar",
        "position",
        "version",
        "active",
    ]
    readonly_fields = ["version", "updated_at"]

    def save_model(self, request: HttpRequest, obj: SlaPolicy, form: Any, change: bool) -> None:
        services.sla_policy_save(policy=obj, by=acting_user(request.user))


@admin.register(SlaTimer)
class SlaTimerAdmin(RoleAdminMixin, admin.ModelAdmin[SlaTimer]):
    list_display = ["ticket", "metric", "state", "due_at", "breached_at", "met_at", "policy"]
    list_filter = ["metric", "state", "policy"]
    list_select_related = ["ticket", "policy"]
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlaBreach)
class SlaBreachAdmin(RoleAdminMixin, admin.ModelAdmin[SlaBreach]):
    list_display = ["ticket", "metric", "due_at", "recorded_at"]
    list_filter = ["metric"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(RoleAdminMixin, admin.ModelAdmin[Notification]):
    list_display = ["user", "kind", "text", "created_at", "read_at", "email_state", "emailed_at"]
    list_filter = ["kind", "email_state"]
    list_select_related = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        # Everyone sees only their own, superusers included: a notification is personal.
        return super().get_queryset(request).filter(user=request.user.pk)
