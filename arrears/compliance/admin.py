from django.contrib import admin

from arrears.tenancy.scoped_admin import ReadOnlyAdmin

from .models import Decision, Hold, ValidationNotice


# Holds are placed and lifted only through compliance.services (audited), so the admin only shows them.
@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("kind", "account", "debtor", "effective_on", "placed_at", "lifted_at", "organization")
    list_filter = ("kind",)
    raw_id_fields = ("account", "debtor")


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ("account", "channel", "purpose", "at", "allowed", "overridden", "actor_label")
    list_filter = ("channel", "allowed", "overridden")
    raw_id_fields = ("account", "debtor")


@admin.register(ValidationNotice)
class ValidationNoticeAdmin(ReadOnlyAdmin):
    list_display = ("account", "provided_on", "ends_on", "current_amount", "currency")
    raw_id_fields = ("account", "debtor")
