"""The contact-attempt log: contact writes it, compliance counts it (DESIGN: a record a lower app's rules
need lives in its own app below them). Written only through ``attempts.services``."""

from django.db import models

from arrears.core.models import OrgScoped, TimeStamped
from arrears.debtors.choices import Channel

from .choices import CallSource, Direction, Outcome


class ContactAttempt(OrgScoped, TimeStamped):
    """One try to reach a debtor (outbound) or a contact from them (inbound), on the debtor's timeline.

    An outbound attempt carries the compliance decision it was made under, allowed or blocked.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="contact_attempts")
    contact_point = models.ForeignKey(
        "debtors.ContactPoint",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_attempts",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    # What was dialled or written to (E.164, email, address line), kept even if the contact point changes.
    target = models.CharField(max_length=320, blank=True)
    at = models.DateTimeField()
    # A call's end (its start is `at`); empty for messages and for calls logged without one.
    ended_at = models.DateTimeField(null=True, blank=True)
    user = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accounts = models.ManyToManyField("accounts.Account", related_name="contact_attempts", blank=True)
    decision = models.ForeignKey(
        "compliance.Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contact_attempts",
    )
    notes = models.TextField(blank=True)

    class Meta:
        # The table kept its name when the model moved here from contact: no row moved.
        db_table = "contact_contactattempt"
        indexes = [models.Index(fields=["organization", "debtor", "at"])]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.channel} {self.outcome} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def blocked(self) -> bool:
        return self.outcome == Outcome.BLOCKED


class CallRequest(OrgScoped, TimeStamped):
    """ "Call this account at or after ``due_at``": a strategy's call step, a callback a collector
    promised, or a manager's request. The work queue ranks open requests; a call or a manager closes them."""

    account = models.ForeignKey("accounts.Account", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    reason = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=CallSource.choices)
    created_by = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["organization", "due_at"],
                name="callrequest_open_due",
                condition=models.Q(closed_at__isnull=True),
            ),
            models.Index(fields=["account", "source"], name="callrequest_account_source"),
        ]
        constraints = [
            # At most one open request per account and source: adding again is a no-op.
            models.UniqueConstraint(
                fields=["account", "source"],
                condition=models.Q(closed_at__isnull=True),
                name="callrequest_one_open_per_source",
            )
        ]

    def __str__(self) -> str:
        return f"call {self.account_id} from {self.due_at:%Y-%m-%d %H:%M} ({self.source})"
