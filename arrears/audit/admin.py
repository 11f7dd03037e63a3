from django.contrib import admin

from arrears.tenancy.scoped_admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "event", "actor_label", "subject_type", "subject_id", "organization")
    list_filter = ("event",)
    search_fields = ("subject_id", "event", "actor_label")
