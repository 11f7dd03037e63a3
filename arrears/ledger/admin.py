from django.contrib import admin

from arrears.tenancy.scoped_admin import ReadOnlyAdmin

from .models import LedgerEntry


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "kind", "bucket", "amount", "currency", "effective_on", "posted_at")
    list_filter = ("kind", "bucket")
    search_fields = ("account__reference", "source_id")
    raw_id_fields = ("account",)
