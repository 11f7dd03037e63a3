from django.contrib import admin

from arrears.core.admin import OrgScopedAdmin, ReadOnlyAdmin

from .models import ConsentRecord, ContactPoint, Debtor


class ContactPointInline(admin.TabularInline):
    model = ContactPoint
    extra = 0
    fields = ("kind", "label", "value", "status", "is_primary")
    readonly_fields = ("value",)


@admin.register(Debtor)
class DebtorAdmin(OrgScopedAdmin):
    list_display = ("id", "__str__", "kind", "date_of_birth", "national_id_masked", "organization")
    search_fields = ("name_key", "ref", "last_name", "company_name")
    # The national id is shown masked only; revealing it goes through an audited service.
    exclude = ("national_id_encrypted", "national_id_hash")
    readonly_fields = ("national_id_masked", "merged_into")
    inlines = [ContactPointInline]


@admin.register(ContactPoint)
class ContactPointAdmin(OrgScopedAdmin):
    list_display = ("value", "kind", "label", "status", "debtor")
    list_filter = ("kind", "status")
    search_fields = ("value", "postal_code")
    raw_id_fields = ("debtor",)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("debtor", "channel", "kind", "granted", "recorded_at", "source")
    list_filter = ("channel", "kind", "granted")
