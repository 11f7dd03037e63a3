from django.db import models
from django.db.models import Q

from arrears.core.models import AppendOnly


class AuditEvent(AppendOnly):
    """Append-only, hash-chained per organization: each row carries the hash of the one before it."""

    # Every write appends here, batches thousands a second: the (organization, seq) key serves the
    # organization alone, and only rows with a user go in the user's index. No foreign-key constraint
    # in the database for the organization: PostgreSQL would check it at commit for every row, each
    # check share-locking the organization's one row (15 ms of every 2,000 events, and every worker
    # of the organization locking the same row). The chain head keeps its constraint; the ORM still
    # refuses to delete an organization with events (PROTECT is Django's), and nothing deletes one.
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor_user = models.ForeignKey(
        "tenancy.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    actor_label = models.CharField(max_length=200)
    event = models.CharField(max_length=80)
    subject_type = models.CharField(max_length=60)
    subject_id = models.CharField(max_length=64)
    # The account the event concerns, when there is one: the account timeline reads by it.
    account_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "seq"], name="audit_seq_unique")]
        indexes = [
            models.Index(fields=["organization", "subject_type", "subject_id"]),
            models.Index(
                fields=["actor_user"], name="audit_event_actor_user", condition=Q(actor_user__isnull=False)
            ),
        ]
        ordering = ["organization", "seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.event} {self.subject_type}:{self.subject_id}"


class AuditChainHead(models.Model):
    """One row per organization, locked while appending so the chain has no forks."""

    organization = models.OneToOneField("tenancy.Organization", on_delete=models.CASCADE, primary_key=True)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
    # HMAC of (organization, seq, hash) under ARREARS_AUDIT_KEY; empty when the chain is not keyed.
    seal = models.CharField(max_length=64, default="", blank=True)

    def __str__(self) -> str:
        return f"chain head of {self.organization_id} at #{self.seq}"
