from django.db import models

from arrears.core.models import AppendOnly, OrgScoped, TimeStamped, money_field

from .choices import (
    FeeKind,
    Frequency,
    InstallmentStatus,
    PaymentMethod,
    PaymentStatus,
    PlanStatus,
    PromiseStatus,
    SettlementKind,
    SettlementStatus,
)


class Payment(OrgScoped, TimeStamped):
    """Money received for one account. Its ledger entries carry the source ("payment", id)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="payments")
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
    split_key = models.CharField(max_length=200, blank=True, db_index=True)
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


class NightlyRun(OrgScoped, TimeStamped):
    """One `arrears nightly` per organization and date: its progress, counts and errors stay visible."""

    run_on = models.DateField()
    status = models.CharField(max_length=10, default="running")
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "run_on"], name="nightly_run_unique")]

    def __str__(self) -> str:
        return f"nightly {self.run_on} ({self.status})"
