from django.contrib import admin

from arrears.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import ConsentRecord, ContactPoint, Debtor


class ContactPointInline(ReadOnlyTabularInline):
    model = ContactPoint
    fields = ("kind", "label", "value", "status", "is_primary")
    readonly_fields = fields


# Debtors and their contact points change through debtors.services (audited, and the compliance gate reads
# opt-outs and consent from them): the admin shows them and never edits them.
@admin.register(Debtor)
class DebtorAdmin(ReadOnlyAdmin):
    list_display = ("id", "__str__", "kind", "date_of_birth", "national_id_masked", "organization")
    search_fields = ("name_key", "ref", "last_name", "company_name")
    # The national id is shown masked only; revealing it goes through an audited service.
    exclude = ("national_id_encrypted", "national_id_hash")
    readonly_fields = ("national_id_masked", "merged_into")
    inlines = [ContactPointInline]


@admin.register(ContactPoint)
class ContactPointAdmin(ReadOnlyAdmin):
    list_display = ("value", "kind", "label", "status", "debtor")
    list_filter = ("kind", "status")
    search_fields = ("value", "postal_code")
    raw_id_fields = ("debtor",)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdmin):
    list_display = ("debtor", "channel", "kind", "granted", "recorded_at", "source")
    list_filter = ("channel", "kind", "granted")
