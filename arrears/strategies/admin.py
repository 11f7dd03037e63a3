from django.contrib import admin

from arrears.tenancy.scoped_admin import ReadOnlyAdmin

from .models import NightlyRun


@admin.register(NightlyRun)
class NightlyRunAdmin(ReadOnlyAdmin):
    list_display = ("run_on", "status", "finished_at")
