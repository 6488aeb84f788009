from __future__ import annotations

from django.contrib import admin

from customers.models import Customer, Identity, Organisation
from helpdesk.admin_access import RoleAdminMixin


class IdentityInline(RoleAdminMixin, admin.TabularInline[Identity, Customer]):
    model = Identity
    extra = 0
    fields = ["kind", "value", "display", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Organisation)
class OrganisationAdmin(RoleAdminMixin, admin.ModelAdmin[Organisation]):
    list_display = ["name", "domain", "created_at"]
    search_fields = ["name", "domain"]


@admin.register(Customer)
class CustomerAdmin(RoleAdminMixin, admin.ModelAdmin[Customer]):
    list_display = ["id", "name", "organisation", "language", "merged_into", "created_at"]
    list_filter = ["language", "organisation"]
    search_fields = ["name", "identities__value"]
    list_select_related = ["organisation", "merged_into"]
    raw_id_fields = ["merged_into", "organisation"]
    readonly_fields = ["merged_into", "merged_at", "created_at", "updated_at"]
    inlines = [IdentityInline]
    show_full_result_count = False


@admin.register(Identity)
class IdentityAdmin(RoleAdminMixin, admin.ModelAdmin[Identity]):
    list_display = ["kind", "value", "customer", "created_at"]
    list_filter = ["kind"]
    search_fields = ["value", "display", "customer__name"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
