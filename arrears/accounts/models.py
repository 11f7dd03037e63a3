from django.db import models

from arrears.core.models import OrgScoped, TimeStamped, money_field

from .choices import AccountStatus, AllocationOrder, DebtorRole, DebtType, InterestBasis


class Account(OrgScoped, TimeStamped):
    """One debt, owed by one or more debtors to a creditor, collected for a client."""

    # Both served by the indexes below, which lead with them.
    client = models.ForeignKey(
        "tenancy.Client", on_delete=models.PROTECT, related_name="accounts", db_index=False
    )
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    reference = models.CharField("client's account reference", max_length=100)
    debtors = models.ManyToManyField("debtors.Debtor", through="AccountDebtor", related_name="accounts")
    original_creditor = models.CharField(max_length=200, blank=True)
    current_creditor = models.CharField(max_length=200, blank=True)
    invoice_number = models.CharField(max_length=100, blank=True)
    debt_type = models.CharField(max_length=12, choices=DebtType.choices, default=DebtType.CONSUMER)
    currency = models.CharField(max_length=3)
    opened_on = models.DateField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    delinquent_since = models.DateField(null=True, blank=True, db_index=True)
    charged_off_on = models.DateField(null=True, blank=True)
    last_payment_on = models.DateField(null=True, blank=True)
    last_payment_amount = money_field(null=True, blank=True)
    itemization_date = models.DateField(null=True, blank=True)
    interest_rate = models.DecimalField("annual interest rate, %", max_digits=7, decimal_places=4, default=0)
    interest_basis = models.CharField(
        max_length=12, choices=InterestBasis.choices, default=InterestBasis.ACTUAL_365
    )
    jurisdiction_country = models.CharField(max_length=2, default="US")
    jurisdiction_state = models.CharField(max_length=3, blank=True)
    status = models.CharField(max_length=12, choices=AccountStatus.choices, default=AccountStatus.NEW)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    allocation_order = models.CharField(
        max_length=20, choices=AllocationOrder.choices, default=AllocationOrder.FEES_FIRST
    )
    placed_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    # Who works it: one collector, or a team that shares the queue; neither means the organization's pool.
    assigned_user = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_team = models.ForeignKey(
        "tenancy.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Cache of the ledger's sums per bucket, updated in the same transaction as each entry.
    # `ledger_check` proves it equals the sum of entries. Never write these outside ledger.services.
    balance_principal = money_field(default=0)
    balance_interest = money_field(default=0)
    balance_fees = money_field(default=0)
    balance_costs = money_field(default=0)
    balance_credit = money_field(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "reference"], name="account_reference_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "reference"]),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def balance_total(self):
        return self.balance_principal + self.balance_interest + self.balance_fees + self.balance_costs


class AccountDebtor(OrgScoped):
    # The unique constraint's index leads with the account; nothing looks links up by organization.
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="account_debtors", db_index=False
    )
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="account_links")
    role = models.CharField(max_length=10, choices=DebtorRole.choices, default=DebtorRole.PRIMARY)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "debtor"], name="account_debtor_unique")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.debtor_id} ({self.role})"


class AccountNote(OrgScoped):
    """A collector's note on an account. Append-only: a correction is a new note."""

    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="notes_log")
    body = models.TextField()
    author = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author_label = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["account", "created_at"])]

    def __str__(self) -> str:
        return f"note on {self.account_id} by {self.author_label}"
