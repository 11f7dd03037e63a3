from django.db import models

from arrears.core.models import OrgScoped, TimeStamped

from .choices import DateOrder, FileFormat, JobStatus

COUNTERS = (
    "rows",
    "accounts_created",
    "accounts_updated",
    "debtors_created",
    "debtors_matched",
    "contact_points_created",
    "rejected",
    "merge_candidates",
)


class ImportJob(OrgScoped, TimeStamped):
    """One file imported into one client: its options, its progress and its counts.

    `rows_done` is the spreadsheet row number up to which rows are committed. It moves in the
    same transaction as the rows it covers, so a killed job resumes there with no duplicates.
    """

    client = models.ForeignKey("tenancy.Client", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    file_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=1000)
    file_sha256 = models.CharField(max_length=64, db_index=True)
    format = models.CharField(max_length=12, choices=FileFormat.choices, default=FileFormat.AUTO)
    mapping_toml = models.TextField(blank=True)
    date_order = models.CharField(max_length=3, choices=DateOrder.choices, blank=True)
    skip_invalid = models.BooleanField(default=False)
    dry_run = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=JobStatus.choices, default=JobStatus.PENDING, db_index=True
    )
    message = models.TextField(blank=True)
    unknown_columns = models.JSONField(default=list, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    accounts_created = models.PositiveIntegerField(default=0)
    accounts_updated = models.PositiveIntegerField(default=0)
    debtors_created = models.PositiveIntegerField(default=0)
    debtors_matched = models.PositiveIntegerField(default=0)
    contact_points_created = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    merge_candidates = models.PositiveIntegerField(default=0)
    written = models.BooleanField(default=False)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"import #{self.pk} {self.file_name} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status in (JobStatus.COMPLETED, JobStatus.DRY_RUN, JobStatus.REJECTED):
            return 100
        total = self.rows_total or 0
        return min(99, int(100 * self.rows_written / total)) if total else 0


class ImportRowError(models.Model):
    """One reason one row was rejected. Spreadsheet row numbers: the header is row 1."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="row_errors")
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=100)
    value = models.TextField(blank=True)
    message = models.CharField(max_length=300)

    class Meta:
        indexes = [models.Index(fields=["job", "row"])]
        ordering = ["job", "row", "id"]

    def __str__(self) -> str:
        return f"row {self.row} {self.column}: {self.message}"


class AddressKey(OrgScoped):
    """The normalised form of an address contact point, hashed, so dedupe finds it by equality."""

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.CASCADE, related_name="+")
    contact_point = models.ForeignKey("debtors.ContactPoint", on_delete=models.CASCADE, related_name="+")
    key = models.BigIntegerField()
    # Served by the (key, organization) index; nothing looks keys up by organization alone.
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        indexes = [models.Index(fields=["key", "organization"])]

    def __str__(self) -> str:
        return f"{self.debtor_id}: {self.key}"
