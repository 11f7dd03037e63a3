from django.db import models

from arrears.core.models import OrgScoped, TimeStamped


class NightlyRun(OrgScoped, TimeStamped):
    """One `arrears nightly` per organization and date: its progress, counts and errors stay visible."""

    run_on = models.DateField()
    status = models.CharField(max_length=10, default="running")
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # The table payments created: the model moved here, its rows stayed where they were.
        db_table = "payments_nightlyrun"
        constraints = [models.UniqueConstraint(fields=["organization", "run_on"], name="nightly_run_unique")]

    def __str__(self) -> str:
        return f"nightly {self.run_on} ({self.status})"


class ErasureRequest(OrgScoped, TimeStamped):
    """A debtor asked for their personal data to be erased (GDPR art. 17, CCPA 1798.105).

    Honoured by `arrears retention apply` once no record must be kept (Reg F 1006.100: 3 years after the
    last collection activity), no legal hold stands and no claim is open; until then it waits, and
    `arrears retention report` says why.
    """

    debtor = models.ForeignKey("debtors.Debtor", on_delete=models.PROTECT, related_name="+")
    law = models.CharField(max_length=10, default="gdpr")  # gdpr | ccpa
    received_at = models.DateTimeField()
    received_by_label = models.CharField(max_length=200)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "erased_at"])]

    def __str__(self) -> str:
        return f"erasure request {self.pk} for debtor {self.debtor_id}"
