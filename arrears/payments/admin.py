from django.contrib import admin

from arrears.core.admin import OrgScopedAdmin, ReadOnlyAdmin

from .models import (
    ExchangeRate,
    Installment,
    InterestAccrual,
    InterestCap,
    NightlyRun,
    Payment,
    PaymentPlan,
    Promise,
    Settlement,
)

# Money moves only through payments.services (ledger, audit, locks): the admin shows, never edits.


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "amount", "currency", "method", "status", "received_on", "deposit_on")
    list_filter = ("status", "method")
    search_fields = ("account__reference", "idempotency_key", "reference")
    raw_id_fields = ("account",)


@admin.register(Promise)
class PromiseAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "amount", "currency", "due_on", "grace_days", "status")
    list_filter = ("status",)
    search_fields = ("account__reference",)
    raw_id_fields = ("account",)


class InstallmentInline(admin.TabularInline):
    model = Installment
    fields = ("seq", "due_on", "amount", "status", "late_fee_posted")
    readonly_fields = fields
    can_delete = False
    extra = 0


@admin.register(PaymentPlan)
class PaymentPlanAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "total", "currency", "frequency", "status", "confirmation_due_on")
    list_filter = ("status", "frequency")
    search_fields = ("account__reference",)
    raw_id_fields = ("account",)
    inlines = (InstallmentInline,)


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "amount", "discount_pct", "status", "required_role", "expires_on")
    list_filter = ("status", "kind")
    search_fields = ("account__reference",)
    raw_id_fields = ("account", "plan")


@admin.register(InterestAccrual)
class InterestAccrualAdmin(ReadOnlyAdmin):
    list_display = ("id", "account", "start", "through", "amount", "forgiven", "rate", "suspended")
    raw_id_fields = ("account",)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(ReadOnlyAdmin):
    list_display = ("base", "quote", "rate", "on", "source")
    list_filter = ("base", "quote")


@admin.register(NightlyRun)
class NightlyRunAdmin(ReadOnlyAdmin):
    list_display = ("run_on", "status", "finished_at")


@admin.register(InterestCap)
class InterestCapAdmin(OrgScopedAdmin):
    """State caps are configuration, kept by an administrator with their citation."""

    list_display = ("state", "max_rate", "citation")
