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
