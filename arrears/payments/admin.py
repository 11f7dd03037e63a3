from django.contrib import admin

from arrears.tenancy.scoped_admin import OrgScopedAdmin, ReadOnlyAdmin, ReadOnlyTabularInline

from .models import (
    AchAuthorization,
    AchEntry,
    AchFile,
    AchOriginator,
    BankLine,
    BankStatementImport,
    CheckoutSession,
    ClientTerms,
    CommissionRule,
    ContingencyRate,
    ExchangeRate,
    Installment,
    InterestAccrual,
    InterestCap,
    Payment,
    PaymentPlan,
    Promise,
    RemittanceStatement,
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


class InstallmentInline(ReadOnlyTabularInline):
    model = Installment
    fields = ("seq", "due_on", "amount", "status", "late_fee_posted")
    readonly_fields = fields


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


@admin.register(InterestCap)
class InterestCapAdmin(OrgScopedAdmin):
    """State caps are configuration, kept by an administrator with their citation."""

    list_display = ("state", "max_rate", "citation")


# Reconciliation, ACH, card checkout and remittance: records of what happened, read-only; the terms a
# client is collected on (rates, commission) are edited here.
@admin.register(BankStatementImport)
class BankStatementImportAdmin(ReadOnlyAdmin):
    list_display = ("file_name", "format", "created_at", "actor_label")


@admin.register(BankLine)
class BankLineAdmin(ReadOnlyAdmin):
    list_display = (
        "booking_date",
        "amount",
        "currency",
        "bank_account",
        "transaction_id",
        "statement_import",
    )
    search_fields = ("transaction_id", "bank_id", "key")


@admin.register(AchOriginator)
class AchOriginatorAdmin(OrgScopedAdmin):
    list_display = ("company_name", "company_id", "odfi_routing")


@admin.register(AchAuthorization)
class AchAuthorizationAdmin(ReadOnlyAdmin):
    list_display = ("account", "holder_name", "account_last4", "account_type", "authorized_at", "revoked_at")
    # The account number is shown as its last four digits only.
    exclude = ("account_number_encrypted",)


@admin.register(AchFile)
class AchFileAdmin(ReadOnlyAdmin):
    list_display = ("effective_date", "created_at", "entry_count", "total_cents", "entry_hash")
    exclude = ("content_encrypted",)


@admin.register(AchEntry)
class AchEntryAdmin(ReadOnlyAdmin):
    list_display = ("trace_number", "amount_cents", "status", "return_code", "returned_at", "ach_file")


@admin.register(CheckoutSession)
class CheckoutSessionAdmin(ReadOnlyAdmin):
    list_display = ("session_id", "account", "amount", "currency", "status", "payment")


@admin.register(ClientTerms)
class ClientTermsAdmin(OrgScopedAdmin):
    list_display = ("client", "rate", "remit_mode")


@admin.register(ContingencyRate)
class ContingencyRateAdmin(OrgScopedAdmin):
    list_display = ("client", "account", "min_age_days", "rate")


@admin.register(CommissionRule)
class CommissionRuleAdmin(OrgScopedAdmin):
    list_display = ("collector", "rate")


@admin.register(RemittanceStatement)
class RemittanceStatementAdmin(ReadOnlyAdmin):
    list_display = (
        "client",
        "period_start",
        "period_end",
        "collections",
        "fees",
        "due_to_client",
        "remit_mode",
    )
