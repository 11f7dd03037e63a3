from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Client, Membership, Organization, User
from .scoped_admin import OrgScopedAdmin, organization_ids_for


@admin.register(Organization)
class OrganizationAdmin(OrgScopedAdmin):
    org_field = "pk"
    list_display = ("slug", "name", "kind", "collection_mode", "currency", "country", "timezone")
    search_fields = ("slug", "name")


@admin.register(Client)
class ClientAdmin(OrgScopedAdmin):
    list_display = ("code", "name", "organization", "is_self", "active")
    list_filter = ("active",)
    search_fields = ("code", "name")


@admin.register(Membership)
class MembershipAdmin(OrgScopedAdmin):
    list_display = ("user", "organization", "role")
    list_filter = ("role",)
    filter_horizontal = ("clients",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(memberships__organization__in=organization_ids_for(request.user)).distinct()
