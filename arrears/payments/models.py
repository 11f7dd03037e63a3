from django.db import models

from arrears.core import crypto
from arrears.core.models import AppendOnly, OrgScoped, TimeStamped, money_field

from .choices import (
    AchAccountType,
    AchEntryStatus,
    BankLineState,
    CheckoutStatus,
    FeeKind,
    Frequency,
    InstallmentStatus,
    PaymentMethod,
    PaymentStatus,
    PlanStatus,
    PromiseStatus,
    RemitMode,
    SettlementKind,
    SettlementStatus,
)


class Payment(OrgScoped, TimeStamped):
    """Money received for one account. Its ledger entries carry the source ("payment", id)."""

    # Both served by the indexes below, which lead with them; every index is paid on each payment
    # written (a bank file posts 100,000).
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="payments", db_index=False
    )
    # In the account's currency; a payment made in another currency keeps its original below.
    amount = money_field()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=PaymentMethod.choices)
    status = models.CharField(max_length=12, choices=PaymentStatus.choices)
    received_at = models.DateTimeField()
    # The business date in the organization's time zone: the ledger's effective date.
    received_on = models.DateField()
    # A post-dated payment is not deposited (nor posted) before this date.
    deposit_on = models.DateField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200)
    reference = models.CharField("check number or provider reference", max_length=100, blank=True)
    # Payments split from one remittance over several accounts share the caller's key.
    split_key = models.CharField(max_length=200, blank=True)
    original_amount = money_field(null=True, blank=True)
    original_currency = models.CharField(max_length=3, blank=True)
    fx_rate = models.DecimalField(max_digits=20, decimal_places=10, null=True, blank=True)
    fx_rate_on = models.DateField(null=True, blank=True)
    # Reg F 1006.22(c): notice 10 to 3 business days before depositing a post-dated payment.
    notice_from = models.DateField(null=True, blank=True)
    notice_by = models.DateField(null=True, blank=True)
    notice_recorded_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.CharField(max_length=40, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"], name="payment_idempotency_key_unique"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["account", "received_on"]),
            models.Index(fields=["status", "deposit_on"]),
            # Only split payments have a split key: the others stay out of the index.
            models.Index(
                fields=["organization", "split_key"],
                condition=~models.Q(split_key=""),
                name="payment_split_key",
            ),
        ]

    def __str__(self) -> str:
        return f"payment {self.pk} {self.amount} {self.currency} ({self.status})"


class Promise(OrgScoped, TimeStamped):
    """A debtor's promise to pay an amount by a date."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="promises")
    amount = money_field()
    currency = models.CharField(max_length=3)
    made_on = models.DateField()
    due_on = models.DateField()
    grace_days = models.PositiveSmallIntegerField(default=0)
    channel = models.CharField(max_length=16, blank=True)
    note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=PromiseStatus.choices, default=PromiseStatus.PENDING)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status", "due_on"])]

    def __str__(self) -> str:
        return f"promise {self.pk} {self.amount} {self.currency} by {self.due_on} ({self.status})"


class PaymentPlan(OrgScoped, TimeStamped):
    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="payment_plans")
    total = money_field()
    currency = models.CharField(max_length=3)
    frequency = models.CharField(max_length=10, choices=Frequency.choices)
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.ACTIVE)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    made_on = models.DateField()
    grace_days = models.PositiveSmallIntegerField(default=5)
    delinquent_after = models.PositiveSmallIntegerField(
        "missed installments that make it delinquent", default=1
    )
    broken_after = models.PositiveSmallIntegerField("missed installments that break it", default=2)
    late_fee_kind = models.CharField(max_length=8, choices=FeeKind.choices, blank=True)
    late_fee_value = models.DecimalField(max_digits=19, decimal_places=4, default=0)
    late_fee_cap = money_field(null=True, blank=True)
    # The written confirmation (NY 23 NYCRR 1.5): its text, and the day it must go out by.
    confirmation_text = models.TextField()
    confirmation_due_on = models.DateField()
    actor_label = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"plan {self.pk} {self.total} {self.currency} ({self.status})"


class Installment(OrgScoped):
    plan = models.ForeignKey(PaymentPlan, on_delete=models.CASCADE, related_name="installments")
    seq = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = money_field()
    status = models.CharField(max_length=8, choices=InstallmentStatus.choices, default=InstallmentStatus.DUE)
    late_fee_posted = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "seq"], name="installment_seq_unique")]
        ordering = ["plan", "seq"]

    def __str__(self) -> str:
        return f"installment {self.seq} of plan {self.plan_id}: {self.amount} on {self.due_on}"


class Settlement(OrgScoped, TimeStamped):
    """An agreed reduced payoff. On completion the remainder is written off with the reason."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="settlements")
    kind = models.CharField(max_length=12, choices=SettlementKind.choices)
    balance_at_offer = money_field()
    amount = money_field()
    currency = models.CharField(max_length=3)
    discount_pct = models.DecimalField(max_digits=5, decimal_places=2)
    made_on = models.DateField()
    expires_on = models.DateField()
    status = models.CharField(max_length=16, choices=SettlementStatus.choices)
    required_role = models.CharField(max_length=20)
    offered_by = models.CharField(max_length=200, blank=True)
    approved_by = models.CharField(max_length=200, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    plan = models.OneToOneField(
        PaymentPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="settlement"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    write_off_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status", "expires_on"])]

    def __str__(self) -> str:
        return f"settlement {self.pk} {self.amount} {self.currency} ({self.status})"


class ExchangeRate(OrgScoped):
    """Units of `quote` for one unit of `base`, as published on a date by a source."""

    base = models.CharField(max_length=3)
    quote = models.CharField(max_length=3)
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    on = models.DateField()
    source = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "base", "quote", "on"], name="exchange_rate_unique"
            ),
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="exchange_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"1 {self.base} = {self.rate} {self.quote} on {self.on} ({self.source})"


class InterestCap(OrgScoped):
    """The highest annual % rate the organization may charge in a state, with the law that says so."""

    state = models.CharField(max_length=3)
    max_rate = models.DecimalField(max_digits=7, decimal_places=4)
    citation = models.CharField(max_length=200)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "state"], name="interest_cap_unique")]

    def __str__(self) -> str:
        return f"{self.state} ≤ {self.max_rate}% ({self.citation})"


class InterestAccrual(OrgScoped, AppendOnly):
    """Run marker: interest on an account has been accrued from `start` through `through`.

    One per account and date, so a second nightly run for the same date posts nothing.
    """

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="interest_accruals"
    )
    start = models.DateField()
    through = models.DateField()
    amount = money_field()
    forgiven = money_field(default=0)
    rate = models.DecimalField(max_digits=7, decimal_places=4)
    basis = models.CharField(max_length=12)
    days = models.IntegerField()
    suspended = models.BooleanField(default=False)
    scra = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "through"], name="interest_accrual_unique")]
        indexes = [models.Index(fields=["account", "-through"])]

    def __str__(self) -> str:
        return f"interest {self.amount} on account {self.account_id} {self.start}..{self.through}"


# ---------------------------------------------------------------------------------------------
# Money in, part 2: reconciliation, ACH debits, card checkout, remittance
# ---------------------------------------------------------------------------------------------


class BankStatementImport(OrgScoped, TimeStamped):
    """One bank file read by `arrears reconcile import`, with what became of its lines."""

    file_name = models.CharField(max_length=300)
    file_sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=10)
    counts = models.JSONField(default=dict)
    warnings = models.JSONField(default=list)
    actor_label = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"bank file {self.file_name} ({self.format})"


class BankLine(OrgScoped):
    """One transaction of a bank statement, once per organization and bank account.

    `key` is the bank file layer's idempotency key (account + bank transaction id) hashed again with
    the reporting bank's id, so two banks reusing an account number never collide.
    """

    # Served by the indexes below, which lead with it.
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    statement_import = models.ForeignKey(BankStatementImport, on_delete=models.PROTECT, related_name="lines")
    key = models.CharField(max_length=64)
    bank_account = models.CharField(max_length=80)
    bank_id = models.CharField(max_length=40, blank=True)
    transaction_id = models.CharField(max_length=200)
    booking_date = models.DateField(null=True, blank=True)
    value_date = models.DateField(null=True, blank=True)
    amount = money_field()
    currency = models.CharField(max_length=3)
    direction = models.CharField(max_length=6)
    status = models.CharField(max_length=8)
    references = models.JSONField(default=list)
    counterparty_name = models.CharField(max_length=200, blank=True)
    raw = models.TextField(blank=True)
    state = models.CharField(max_length=10, choices=BankLineState.choices)
    confidence = models.DecimalField(max_digits=4, decimal_places=3, default=0)
    reasons = models.JSONField(default=list)
    # The best candidate (suggested for review, or the one posted against).
    match_kind = models.CharField(max_length=12, blank=True)
    match_id = models.IntegerField(null=True, blank=True)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="bank_lines"
    )
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "key"], name="bank_line_key_unique")]
        indexes = [models.Index(fields=["organization", "state"])]

    def __str__(self) -> str:
        return f"bank line {self.transaction_id} {self.amount} {self.currency} ({self.state})"


class AchOriginator(OrgScoped, TimeStamped):
    """The organization's ODFI and company details, written on every ACH file it sends."""

    odfi_routing = models.CharField(max_length=9)
    company_name = models.CharField(max_length=16)
    company_id = models.CharField(max_length=10)
    destination_name = models.CharField(max_length=23)
    origin_name = models.CharField(max_length=23)
    entry_description = models.CharField(max_length=10, default="INSTALLMNT")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="ach_originator_unique")]

    def __str__(self) -> str:
        return f"ACH originator {self.company_name} via {self.odfi_routing}"


class AchAuthorization(OrgScoped, TimeStamped):
    """A debtor's authorisation to debit a bank account for a plan's installments (NACHA PPD)."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="ach_authorizations"
    )
    plan = models.ForeignKey(PaymentPlan, on_delete=models.PROTECT, related_name="ach_authorizations")
    holder_name = models.CharField(max_length=100)
    routing_number = models.CharField(max_length=9)
    # Encrypted at rest (arrears.core.crypto); only the last four digits are ever shown.
    account_number_encrypted = models.TextField()
    account_last4 = models.CharField(max_length=4)
    account_type = models.CharField(max_length=8, choices=AchAccountType.choices)
    authorized_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "revoked_at"])]

    def __str__(self) -> str:
        return f"ACH authorization {self.pk} ****{self.account_last4}"


class AchFile(OrgScoped):
    """An ACH file written for one effective date; its bytes are kept to send again unchanged, encrypted
    at rest like the columns (they hold full bank account numbers)."""

    effective_date = models.DateField()
    created_at = models.DateTimeField()
    content_encrypted = models.TextField()
    entry_count = models.IntegerField()
    total_cents = models.BigIntegerField()
    entry_hash = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["organization", "effective_date"])]

    def __str__(self) -> str:
        return f"ACH file {self.pk} for {self.effective_date}"

    @property
    def content(self) -> str:
        """The file as sent to the bank (decrypted)."""
        return crypto.decrypt(self.content_encrypted)


class AchEntry(OrgScoped):
    """One debit in an ACH file: an installment, its trace number, its payment and any return."""

    ach_file = models.ForeignKey(AchFile, on_delete=models.PROTECT, related_name="entries")
    authorization = models.ForeignKey(AchAuthorization, on_delete=models.PROTECT, related_name="entries")
    installment = models.OneToOneField(Installment, on_delete=models.PROTECT, related_name="ach_entry")
    trace_number = models.CharField(max_length=15)
    amount_cents = models.BigIntegerField()
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=AchEntryStatus.choices, default=AchEntryStatus.SENT)
    return_code = models.CharField(max_length=3, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "trace_number"])]

    def __str__(self) -> str:
        return f"ACH entry {self.trace_number} ({self.status})"


class CheckoutSession(OrgScoped, TimeStamped):
    """A hosted card checkout opened with a payment provider for one account."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="checkouts")
    provider = models.CharField(max_length=20)
    session_id = models.CharField(max_length=255)
    url = models.URLField(max_length=2000)
    amount = money_field()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=8, choices=CheckoutStatus.choices, default=CheckoutStatus.OPEN)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "session_id"], name="checkout_session_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider} checkout {self.session_id} ({self.status})"


class ClientTerms(OrgScoped, TimeStamped):
    """How the agency is paid by one creditor client: a contingency rate and how it remits.

    Kept here rather than on `tenancy.Client`: the terms are money-in rules, and rates that vary by
    placement age or by account need rows of their own anyway (`ContingencyRate`).
    """

    client = models.OneToOneField("tenancy.Client", on_delete=models.PROTECT, related_name="terms")
    rate = models.DecimalField("default contingency rate, %", max_digits=6, decimal_places=3)
    remit_mode = models.CharField(max_length=5, choices=RemitMode.choices, default=RemitMode.NET)

    def __str__(self) -> str:
        return f"{self.client_id}: {self.rate}% {self.remit_mode}"


class ContingencyRate(OrgScoped):
    """A rate that overrides the client's default: for one account, or from a placement age on."""

    client = models.ForeignKey("tenancy.Client", on_delete=models.PROTECT, related_name="contingency_rates")
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    min_age_days = models.PositiveIntegerField("placement age from which it applies, days", default=0)
    rate = models.DecimalField("contingency rate, %", max_digits=6, decimal_places=3)

    def __str__(self) -> str:
        return f"{self.rate}% from day {self.min_age_days}"


class CommissionRule(OrgScoped):
    """A collector's share of the agency's fee on the payments they took (blank collector: everyone)."""

    collector = models.CharField(max_length=200, blank=True)
    rate = models.DecimalField("share of the fee, %", max_digits=6, decimal_places=3)

    def __str__(self) -> str:
        return f"{self.collector or 'every collector'}: {self.rate}% of the fee"


class RemittanceStatement(OrgScoped, TimeStamped):
    """What was remitted to a client for a month; regenerating the month replaces the figures."""

    client = models.ForeignKey("tenancy.Client", on_delete=models.PROTECT, related_name="remittances")
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3)
    remit_mode = models.CharField(max_length=5, choices=RemitMode.choices)
    collections = money_field()
    fees = money_field()
    due_to_client = money_field()
    invoiced = money_field()
    lines = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "period_start", "currency"], name="remittance_statement_unique"
            )
        ]

    def __str__(self) -> str:
        return f"remittance {self.client_id} {self.period_start:%Y-%m} {self.currency}"
