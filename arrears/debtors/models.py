from django.db import models
from django.db.models import Q

from arrears.core import crypto
from arrears.core.models import OrgScoped, TimeStamped

from .choices import (
    CandidateStatus,
    Channel,
    ConsentKind,
    ContactKind,
    ContactLabel,
    ContactStatus,
    DebtorKind,
    DoNotContactReason,
)


class Debtor(OrgScoped, TimeStamped):
    kind = models.CharField(max_length=10, choices=DebtorKind.choices, default=DebtorKind.PERSON)
    ref = models.CharField("debtor reference", max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    # Lower-cased, whitespace-folded full name: what dedupe and search match on. Stored as given above.
    name_key = models.CharField(max_length=300, editable=False)
    date_of_birth = models.DateField(null=True, blank=True)
    # National id (SSN, …): ciphertext, a keyed hash for matching, and the last 4 for display.
    national_id_encrypted = models.TextField(blank=True, editable=False)
    national_id_hash = models.CharField(max_length=64, blank=True, editable=False)
    national_id_last4 = models.CharField(max_length=4, blank=True, editable=False)
    # An IANA zone the debtor told us; it overrides every zone inferred from addresses and phones.
    timezone = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=10, default="en")
    # Times the consumer said are inconvenient: [{"days": ["mon", …], "start": "15:00", "end": "17:00"}].
    inconvenient_times = models.JSONField(default=list, blank=True)
    do_not_contact = models.BooleanField(default=False)
    do_not_contact_reason = models.CharField(max_length=20, choices=DoNotContactReason.choices, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # The organization is the leading column of the name index, which serves it alone too.
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        # Every index here is paid for on each insert (an import writes hundreds of thousands of
        # debtors), so each is one that a query uses: no second `_like` copy of a key only ever
        # compared for equality, and partial indexes where most rows have nothing to find.
        indexes = [
            models.Index(fields=["organization", "name_key", "date_of_birth"]),
            models.Index(
                fields=["national_id_hash"], name="debtor_national_id_hash", condition=~Q(national_id_hash="")
            ),
            models.Index(fields=["organization", "ref"], name="debtor_org_ref", condition=~Q(ref="")),
            models.Index(
                fields=["merged_into"], name="debtor_merged_into", condition=Q(merged_into__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.kind == DebtorKind.COMPANY and self.company_name:
            return self.company_name
        return (
            " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p) or self.company_name
        )

    @property
    def national_id_masked(self) -> str:
        return f"***-**-{self.national_id_last4}" if self.national_id_last4 else ""

    def national_id_plain(self) -> str:
        """Decrypts; callers must audit the view (debtors.services.debtor_reveal_national_id)."""
        return crypto.decrypt(self.national_id_encrypted) if self.national_id_encrypted else ""


class ContactPoint(OrgScoped, TimeStamped):
    # The unique constraint's index leads with the debtor and serves it alone too.
    debtor = models.ForeignKey(
        Debtor, on_delete=models.CASCADE, related_name="contact_points", db_index=False
    )
    kind = models.CharField(max_length=10, choices=ContactKind.choices)
    label = models.CharField(max_length=10, choices=ContactLabel.choices, default=ContactLabel.OTHER)
    # Phone in E.164, email lower-cased, or a one-line address. Search and dedupe use it.
    value = models.CharField(max_length=320)
    line1 = models.CharField(max_length=200, blank=True)
    line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=20, choices=ContactStatus.choices, default=ContactStatus.UNVERIFIED)
    is_primary = models.BooleanField(default=False)
    source = models.CharField(max_length=60, blank=True)
    # A phone's time zones (``debtors.domain.phone_zones``, space-separated; '' when the number is not a
    # place), worked out once when written: the compliance gate reads them for every decision, and
    # working them out costs more than the rest of a decision. NULL: not worked out yet (rows written
    # by an import until ``contact_points_locate`` runs, and every address and email, whose zones are
    # cheap to work out when read).
    time_zones = models.CharField(max_length=200, null=True, blank=True, default=None)
    # Looked up by value (dedupe, search), never by organization alone.
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["debtor", "kind", "value"], name="contact_point_unique"),
        ]
        indexes = [
            models.Index(fields=["value"], name="contact_point_value"),
            # Search by ZIP prefix (`LIKE '100%'`) in any collation; only addresses have one.
            models.Index(
                fields=["postal_code"],
                name="contact_point_postal_code",
                opclasses=["varchar_pattern_ops"],
                condition=Q(kind="address"),
            ),
            # Phones whose zones are not worked out yet: empty once ``contact_points_locate`` has run.
            models.Index(
                fields=["id"],
                name="contact_point_unlocated",
                condition=Q(kind="phone", time_zones__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class ConsentRecord(OrgScoped):
    """Append-only record of consent or opt-out, per contact point (or the whole debtor) and channel.

    The newest row for (debtor, contact point, channel, kind) is the current state.
    """

    debtor = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="consents")
    contact_point = models.ForeignKey(
        ContactPoint, null=True, blank=True, on_delete=models.CASCADE, related_name="consents"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    kind = models.CharField(max_length=10, choices=ConsentKind.choices)
    granted = models.BooleanField()
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["debtor", "channel", "kind", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {'on' if self.granted else 'off'}"


class DebtorMerge(OrgScoped):
    """`merged` was folded into `kept`. `moved` lists every row that changed hands, so it can be undone."""

    kept = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="+")
    merged = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="+")
    # {"app_label.Model.field": [pk, …]}: rows whose debtor foreign key moved from merged to kept.
    moved = models.JSONField(default=dict)
    actor_label = models.CharField(max_length=200, blank=True)
    merged_at = models.DateTimeField()
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "imports_debtormerge"  # the name it was created with, when merging lived in imports
        indexes = [models.Index(fields=["organization", "-merged_at"])]

    def __str__(self) -> str:
        return f"debtor {self.merged_id} → {self.kept_id}"


class MergeCandidate(OrgScoped, TimeStamped):
    """Two debtors that look alike but did not meet a matching rule: a person decides."""

    debtor_a = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="+")
    debtor_b = models.ForeignKey(Debtor, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    reason = models.CharField(max_length=200)
    # The import that found the pair. An id, not a foreign key: imports sits above debtors.
    job_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CandidateStatus.choices, default=CandidateStatus.OPEN)
    merge = models.ForeignKey(DebtorMerge, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    decided_by = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "imports_mergecandidate"
        constraints = [
            models.UniqueConstraint(fields=["debtor_a", "debtor_b"], name="merge_candidate_pair_unique")
        ]
        indexes = [models.Index(fields=["organization", "status"])]

    def __str__(self) -> str:
        return f"{self.debtor_a_id} ~ {self.debtor_b_id} ({self.score:.0f})"
