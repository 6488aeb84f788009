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
    SocialAccount,
)


class ImapAccountForm(forms.ModelForm):
    password = forms.CharField(widget=forms.PasswordInput(render_value=True))

    class Meta:
        model = ImapAccount
        fields = ["name", "host", "port", "use_ssl", "username", "password", "folder", "active"]


@admin.register(ImapAccount)
class ImapAccountAdmin(admin.ModelAdmin):
    form = ImapAccountForm
    list_display = ["name", "username", "host", "folder", "active", "last_polled_at", "last_error"]
    readonly_fields = ["uidvalidity", "last_uid", "last_polled_at", "last_error"]


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    list_display = ["address", "name", "team", "from_address", "auto_acknowledge", "active"]
    list_filter = ["active", "auto_acknowledge", "team"]
    search_fields = ["address", "name"]


@admin.register(InboundReceipt)
class InboundReceiptAdmin(admin.ModelAdmin):
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
class ChatWidgetAdmin(admin.ModelAdmin):
    list_display = ["name", "key", "team", "prechat_form", "active"]
    list_filter = ["active", "team"]
    search_fields = ["name", "key"]


@admin.register(ChatConversation)
class ChatConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "widget", "visitor_name", "visitor_email", "ticket", "last_seen_at"]
    list_filter = ["widget"]
    search_fields = ["visitor_name", "visitor_email", "visitor_id"]
    exclude = ["token"]
    readonly_fields = ["widget", "visitor_id", "ticket", "created_at", "last_seen_at"]
    list_select_related = ["widget", "ticket"]


class SocialAccountForm(forms.ModelForm):
    # Write-only: the stored token is never rendered back into the page.
    access_token = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Leave empty to keep the current token",
    )

    class Meta:
        model = SocialAccount
        fields = ["platform", "external_id", "name", "access_token", "team", "active"]

    def clean_access_token(self) -> str:
        token = self.cleaned_data.get("access_token") or ""
        if not token and self.instance.pk:
            return self.instance.access_token
        if not token:
            raise forms.ValidationError("An access token is required for a new account.")
        return token


@admin.register(SocialAccount)
class SocialAccountAdmin(admin.ModelAdmin):
    form = SocialAccountForm
    list_display = ["name", "platform", "external_id", "team", "active"]
    list_filter = ["platform", "active"]
    search_fields = ["name", "external_id"]
