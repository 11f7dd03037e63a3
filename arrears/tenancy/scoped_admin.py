"""Admin scoped to the staff user's organizations. Superusers see everything."""

from __future__ import annotations

from django.contrib import admin
from django.http import Http404

from .models import Membership


def organization_ids_for(user) -> list[int]:
    return list(Membership.objects.filter(user=user).values_list("organization_id", flat=True))


class OrgScopedAdmin(admin.ModelAdmin):
    """Rows outside the user's organizations do not exist for them: lists omit them, URLs give 404."""

    org_field = "organization"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_field}__in": organization_ids_for(request.user)})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404("No such object.")
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if not request.user.is_superuser and related is not None:
            orgs = organization_ids_for(request.user)
            if related._meta.label == "tenancy.Organization":
                kwargs["queryset"] = related.objects.filter(pk__in=orgs)
            elif any(f.name == "organization" for f in related._meta.fields):
                kwargs["queryset"] = related.objects.filter(organization__in=orgs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(OrgScopedAdmin):
    """For append-only rows (ledger, audit): viewable, never added, changed or deleted through the admin."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyTabularInline(admin.TabularInline):
    """Rows shown beside a read-only parent: never added, changed or deleted through the admin."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
