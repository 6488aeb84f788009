from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from channels_inbox.models import InboundReceipt, Mailbox


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
