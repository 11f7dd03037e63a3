from django.contrib import admin

from arrears.tenancy.scoped_admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Account, AccountDebtor


class AccountDebtorInline(ReadOnlyTabularInline):
    model = AccountDebtor
    fields = ("debtor", "role", "organization")
    readonly_fields = fields


@admin.register(Account)
class AccountAdmin(ReadOnlyAdmin):
    list_display = ("reference", "client", "status", "currency", "delinquent_since", "organization")
    list_filter = ("status", "debt_type")
    search_fields = ("reference", "invoice_number")
    # Accounts change through accounts.services (audited): status through account_transition, balances
    # only through the ledger. The admin shows them and never edits them.
    inlines = [AccountDebtorInline]
