from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from channels_inbox.models import (
    ChatConversation,
    ChatWidget,
    ImapAccount,
    InboundReceipt,
    Mailbox,
    PhoneNumber,
    SocialAccount,
)
from customers.normalise import InvalidIdentity, normalise_phone
from helpdesk.admin_access import RoleAdminMixin


class ImapAccountForm(forms.ModelForm[ImapAccount]):
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))

    class Meta:
        model = ImapAccount
        fields = ["name", "host", "port", "use_ssl", "username", "password", "folder", "active"]


@admin.register(ImapAccount)
class ImapAccountAdmin(RoleAdminMixin, admin.ModelAdmin[ImapAccount]):
    form = ImapAccountForm
    # A read-only page would print the password: agents do not get this page.
    agents_may_view = False
    list_display = ["name", "username", "host", "folder", "active", "last_polled_at", "last_error"]
    readonly_fields = ["uidvalidity", "last_uid", "last_polled_at", "last_error"]


@admin.register(Mailbox)
class MailboxAdmin(RoleAdminMixin, admin.ModelAdmin[Mailbox]):
    list_display = ["address", "name", "team", "from_address", "auto_acknowledge", "active"]
    list_filter = ["active", "auto_acknowledge", "team"]
    search_fields = ["address", "name"]


@admin.register(InboundReceipt)
class InboundReceiptAdmin(RoleAdminMixin, admin.ModelAdmin[InboundReceipt]):
    """Every delivery as it arrived; the ones that could not be parsed show their error."""

    list_display = ["id", "received_at", "channel", "provider", "state", "size", "error"]
    list_filter = ["state", "channel", "provider"]
    search_fields = ["error", "body_sha256"]
    readonly_fields = [f.name for f in InboundReceipt._meta.fields if f.name != "body"] + ["raw"]
    exclude = ["body"]
    show_full_result_count = False

    @admin.display(description="raw payload (first 20 kB)")
    def raw(self, obj: InboundReceipt) -> str:
        return bytes(obj.body[:20_000]).decode("utf-8", errors="replace")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChatWidget)
class ChatWidgetAdmin(RoleAdminMixin, admin.ModelAdmin[ChatWidget]):
    list_display = ["name", "key", "team", "prechat_form", "auto_acknowledge", "active"]
    list_filter = ["active", "team"]
    search_fields = ["name", "key"]


@admin.register(ChatConversation)
class ChatConversationAdmin(RoleAdminMixin, admin.ModelAdmin[ChatConversation]):
    list_display = ["id", "widget", "visitor_name", "visitor_email", "ticket", "last_seen_at"]
    list_filter = ["widget"]
    search_fields = ["visitor_name", "visitor_email", "visitor_id"]
    exclude = ["token"]
    readonly_fields = ["widget", "visitor_id", "ticket", "created_at", "last_seen_at"]
    list_select_related = ["widget", "ticket"]


class SocialAccountForm(forms.ModelForm[SocialAccount]):
    # The form's row, named for the type checker (ModelForm takes no type argument at run time).
    instance: SocialAccount

    # Write-only: the stored token is never rendered back into the page.
    access_token = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Leave empty to keep the current token",
    )

    class Meta:
        model = SocialAccount
        fields = [
            "platform",
            "external_id",
            "name",
            "access_token",
            "team",
            "auto_acknowledge",
            "active",
        ]

    def clean_access_token(self) -> str:
        token = self.cleaned_data.get("access_token") or ""
        if not token and self.instance.pk:
            return self.instance.access_token
        if not token:
            raise forms.ValidationError("An access token is required for a new account.")
        return token


@admin.register(SocialAccount)
class SocialAccountAdmin(RoleAdminMixin, admin.ModelAdmin[SocialAccount]):
    form = SocialAccountForm
    # A read-only page would print the access token: agents do not get this page.
    agents_may_view = False
    list_display = ["name", "platform", "external_id", "team", "auto_acknowledge", "active"]
    list_filter = ["platform", "active"]
    search_fields = ["name", "external_id"]


class PhoneNumberForm(forms.ModelForm[PhoneNumber]):
    class Meta:
        model = PhoneNumber
        fields = ["number", "label", "team", "active"]

    def clean_number(self) -> str:
        # Stored in E.164, as Twilio writes the number called (its `To`).
        try:
            return normalise_phone(self.cleaned_data["number"])
        except InvalidIdentity as exc:
            raise forms.ValidationError(exc.messages) from exc


@admin.register(PhoneNumber)
class PhoneNumberAdmin(RoleAdminMixin, admin.ModelAdmin[PhoneNumber]):
    """Numbers customers call us on, and the team that takes new tickets from their calls."""

    form = PhoneNumberForm
    list_display = ["number", "label", "team", "active"]
    list_filter = ["active", "team"]
    search_fields = ["number", "label"]


# The automatic texts' page (a tickets model, edited beside the mailboxes it names).
from channels_inbox import admin_promise as admin_promise  # noqa: E402
