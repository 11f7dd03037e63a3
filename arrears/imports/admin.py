from django.contrib import admin

from arrears.tenancy.scoped_admin import ReadOnlyAdmin

from .models import ImportJob, ImportRowError


class RowErrorInline(admin.TabularInline):
    model = ImportRowError
    extra = 0
    can_delete = False
    readonly_fields = ("row", "column", "value", "message")
    max_num = 0


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "file_name",
        "client",
        "status",
        "dry_run",
        "rows",
        "accounts_created",
        "rejected",
        "created_at",
    )
    list_filter = ("status", "dry_run")
    inlines = [RowErrorInline]
