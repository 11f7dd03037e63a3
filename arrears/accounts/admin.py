from django.contrib import admin

from arrears.tenancy.scoped_admin import OrgScopedAdmin

from .models import Account, AccountDebtor


class AccountDebtorInline(admin.TabularInline):
    model = AccountDebtor
    extra = 0
    raw_id_fields = ("debtor",)
    readonly_fields = ("organization",)


@admin.register(Account)
class AccountAdmin(OrgScopedAdmin):
    list_display = ("reference", "client", "status", "currency", "delinquent_since", "organization")
    list_filter = ("status", "debt_type")
    search_fields = ("reference", "invoice_number")
    # Status moves through accounts.services.account_transition; balances only through the ledger.
    readonly_fields = (
        "status",
        "status_changed_at",
        "balance_principal",
        "balance_interest",
        "balance_fees",
        "balance_costs",
        "balance_credit",
    )
    inlines = [AccountDebtorInline]
