"""The portal's own records: the verification log the throttles count, one-time codes (hashed), and the
limits an organization sets for what a debtor may arrange on their own."""

from decimal import Decimal

from django.db import models

from arrears.core.models import OrgScoped, money_field

from .choices import VerificationStep


class VerificationEvent(OrgScoped):
    """One step of a verification, append-only. The throttles count rows per debtor, per address (the
    email or phone a code went to) and per IP in a time window: counters that every web process shares
    through the database, with no cache server to run."""

    step = models.CharField(max_length=20, choices=VerificationStep.choices)
    debtor_id = models.BigIntegerField(null=True, blank=True)
    # A keyed hash of the contact value a code went to: counted without storing the address twice.
    address_key = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["debtor_id", "step", "at"], name="portal_ver_debtor"),
            models.Index(fields=["ip", "step", "at"], name="portal_ver_ip"),
            models.Index(fields=["address_key", "step", "at"], name="portal_ver_address"),
        ]

    def __str__(self) -> str:
        return f"{self.step} debtor={self.debtor_id} at {self.at:%Y-%m-%d %H:%M}"


class OneTimeCode(OrgScoped):
    """A code sent to a contact point already on file. Only its keyed hash is stored; it expires soon and
    is used at most once."""

    debtor_id = models.BigIntegerField()
    contact_point_id = models.BigIntegerField()
    channel = models.CharField(max_length=10)
    code_hash = models.CharField(max_length=100)  # "<salt>$<hmac-sha256 hex>"
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["debtor_id", "-created_at"], name="portal_code_debtor")]

    def __str__(self) -> str:
        return f"code for debtor {self.debtor_id} via {self.channel}"


class PortalLimits(models.Model):
    """What a debtor may arrange alone; anything beyond goes to a collector. One row per organization
    (absent: the defaults below)."""

    organization = models.OneToOneField(
        "tenancy.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    max_installments = models.PositiveSmallIntegerField(default=12)
    min_installment = money_field(default=Decimal("25"))
    max_first_due_days = models.PositiveSmallIntegerField("first installment within (days)", default=30)
    max_promise_days = models.PositiveSmallIntegerField("promise due within (days)", default=30)

    def __str__(self) -> str:
        return f"portal limits of {self.organization_id}"
