"""Holds, stored decisions, validation notices and the organization's contact policy."""

from datetime import time

from django.db import models
from django.db.models import Q

from arrears.core.models import AppendOnly, OrgScoped, TimeStamped, money_field

from .choices import HoldKind


class Hold(OrgScoped, TimeStamped):
    """A state that stops some or all collection, on one account or on a debtor (all their accounts).

    Placed and lifted only through ``compliance.services``; lifting keeps the row (who, when, why).
    """

    kind = models.CharField(max_length=30, choices=HoldKind.choices)
    account = models.ForeignKey(
        "accounts.Account", null=True, blank=True, on_delete=models.CASCADE, related_name="holds"
    )
    debtor = models.ForeignKey(
        "debtors.Debtor", null=True, blank=True, on_delete=models.CASCADE, related_name="holds"
    )
    # The legally relevant date: dispute received, petition filed, date of death, notice of counsel.
    effective_on = models.DateField()
    placed_at = models.DateTimeField()
    placed_by = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    placed_by_label = models.CharField(max_length=200)
    reason = models.TextField(blank=True)
    # Kind-specific facts: {"written": true} for a dispute, {"case_number": …, "chapter": 7} for bankruptcy.
    details = models.JSONField(default=dict, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_by_label = models.CharField(max_length=200, blank=True)
    lift_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(account__isnull=False) | models.Q(debtor__isnull=False),
                name="hold_has_subject",
            )
        ]
        indexes = [
            models.Index(fields=["account", "lifted_at"]),
            models.Index(fields=["debtor", "lifted_at"]),
        ]

    def __str__(self) -> str:
        state = "lifted" if self.lifted_at else "active"
        return f"{self.get_kind_display()} ({state})"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class Decision(OrgScoped, AppendOnly):
    """One answer of the compliance gate, kept with the facts it was made from so it can be replayed
    (``arrears compliance evaluate`` accepts ``facts`` as is)."""

    # A batch writes thousands of decisions a second, so every index here costs: the account's index
    # leads with the account and serves it alone too, and decisions are read by account, never by
    # organization alone. Batch decisions have no user: the user's index holds only the rows with one.
    # No foreign-key constraints in the database for the organization, the account and the debtor:
    # PostgreSQL checks each at commit for every row, locking (and logging) the row referred to, and at a
    # batch's rate that costs more than storing the decision (40 ms of a 2,000-decision chunk's 80 ms for
    # the account and the debtor, 15 ms more for the organization, whose one row every worker's check
    # would share-lock at once). Decisions are an append-only log, like the audit events; the ORM still
    # refuses to delete a row a decision names (PROTECT is Django's, not the database's), and nothing
    # deletes an organization, an account or a debtor.
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    account = models.ForeignKey(
        "accounts.Account",
        on_delete=models.PROTECT,
        related_name="compliance_decisions",
        db_index=False,
        db_constraint=False,
    )
    debtor = models.ForeignKey(
        "debtors.Debtor", null=True, on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    channel = models.CharField(max_length=10)
    target = models.CharField(max_length=320, blank=True)
    purpose = models.CharField(max_length=30)
    # The instant decided for, and when the decision was made (they differ for a scheduled contact).
    at = models.DateTimeField()
    decided_at = models.DateTimeField()
    allowed = models.BooleanField()
    reasons = models.JSONField(default=list)
    requirements = models.JSONField(default=list)
    next_allowed_at = models.DateTimeField(null=True, blank=True)
    facts = models.JSONField(default=dict)
    actor_user = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200)
    # A blocked decision a permitted user chose to override, with the reason they gave.
    overridden = models.BooleanField(default=False)
    override_reason = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["account", "-at"]),
            models.Index(
                fields=["actor_user"], name="decision_actor_user", condition=Q(actor_user__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {'allowed' if self.allowed else 'blocked'} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def proceeds(self) -> bool:
        return self.allowed or self.overridden

    @property
    def codes(self) -> list[str]:
        return [r["code"] for r in self.reasons]


class ValidationNotice(OrgScoped, TimeStamped):
    """A validation notice (Reg F 1006.34, Model Form B-1) provided to the consumer, with its PDF."""

    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="validation_notices"
    )
    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="+")
    provided_on = models.DateField()
    assumed_receipt_on = models.DateField()
    ends_on = models.DateField("validation period ends on")
    itemization_date = models.DateField()
    currency = models.CharField(max_length=3)
    amount_on_itemization_date = money_field()
    interest = money_field()
    fees = money_field()
    payments = money_field()
    credits = money_field()
    current_amount = money_field()
    document = models.FileField(upload_to="validation_notices/%Y/%m/")
    created_by_label = models.CharField(max_length=200)
    # How it reached the consumer: "email" (1006.42, with E-SIGN consent) or "letter" when the outbox
    # sent it (``message_id``, ``sent_at``, ``delivered_to``); blank when recorded by hand (the CLI).
    channel = models.CharField(max_length=10, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_to = models.CharField(max_length=320, blank=True, default="")
    # The outbox message that carried it (contact sits above compliance, so an id, not a foreign key).
    message_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["account", "-provided_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["message_id"],
                condition=Q(message_id__isnull=False),
                name="validation_notice_message_once",
            )
        ]

    def __str__(self) -> str:
        return f"Validation notice {self.provided_on} (ends {self.ends_on})"


class ContactPolicy(models.Model):
    """An organization's own contact limits, stricter than the law (``compliance.policy``). No row: the
    law's limits. Written only by ``compliance.services.contact_policy_set``."""

    organization = models.OneToOneField(
        "tenancy.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    call_limit = models.PositiveSmallIntegerField(default=7)
    earliest = models.TimeField(default=time(8, 0))
    latest = models.TimeField(default=time(21, 0))
    weekend_calls = models.BooleanField(default=True)
    holiday_calls = models.BooleanField(default=True)
    updated_at = models.DateTimeField()
    updated_by_label = models.CharField(max_length=200)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(call_limit__gte=1, call_limit__lte=7), name="contact_policy_call_limit_legal"
            ),
            models.CheckConstraint(
                condition=Q(
                    earliest__gte=time(8, 0), latest__lte=time(21, 0), latest__gt=models.F("earliest")
                ),
                name="contact_policy_hours_legal",
            ),
        ]

    def __str__(self) -> str:
        return f"contact policy of {self.organization_id}"
