import uuid

from django.db import models

from arrears.core.models import AppendOnly, money_field

from .choices import Bucket, EntryKind


class LedgerEntry(AppendOnly):
    """One movement on one bucket of one account. Never edited: a mistake gets a reversal entry."""

    # Entries are read by account (the index below leads with it), never by organization alone; every
    # index here is paid on each entry written.
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    account = models.ForeignKey(
        "accounts.Account", on_delete=models.PROTECT, related_name="ledger_entries", db_index=False
    )
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    bucket = models.CharField(max_length=10, choices=Bucket.choices)
    # Signed effect on the bucket balance: charges are positive, payments negative.
    amount = money_field()
    currency = models.CharField(max_length=3)
    effective_on = models.DateField()
    posted_at = models.DateTimeField()
    # No index: nothing lists entries by user. Deleting a user (rare, and refused for one who posted)
    # costs one scan of the ledger instead of an index write per entry.
    actor_user = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200, blank=True)
    # Entries written together (the parts of one payment) share a batch id.
    batch = models.UUIDField(default=uuid.uuid4, db_index=True)
    # What produced the entry: ("payment", "123"), ("import", "job-9"), ("nightly", "2026-11-23").
    source_type = models.CharField(max_length=40, blank=True)
    source_id = models.CharField(max_length=64, blank=True)
    reverses = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by"
    )
    memo = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["account", "effective_on"]),
            models.Index(fields=["source_type", "source_id"]),
        ]
        ordering = ["account", "posted_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.bucket} {self.amount} {self.currency}"
