from django.contrib import admin

from arrears.tenancy.scoped_admin import ReadOnlyAdmin

from .models import Document


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "kind", "content_type", "size", "account", "uploaded_by", "uploaded_at")
    list_filter = ("kind",)
    search_fields = ("original_name", "sha256", "account__reference")
    # The file itself is served by the permission-checked, audited download view only.
    exclude = ("file",)
