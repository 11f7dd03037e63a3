"""Scoring's own tables: fitted models (versioned), the latest score of each account, and the work
queue's locks. Written only through ``scoring.services``."""

from django.db import models

from arrears.core.models import OrgScoped, money_field


class ScoringModel(OrgScoped):
    """One trained propensity model (or the thin-data heuristic), numbered per organization.

    ``params`` holds the fitted model as plain numbers (JSON: feature names, scaling, coefficients,
    the calibration curve), never pickled code: loading a model runs no code that was stored, and
    ``signature`` (HMAC of the parameters with the project's secret key) proves this app wrote it."""

    version = models.PositiveIntegerField()
    created_at = models.DateTimeField()
    fallback = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    params = models.JSONField(default=dict)
    signature = models.CharField(max_length=64)
    metrics = models.JSONField(default=dict)  # auc, brier, heuristic_auc, calibration, capture, backtest
    n_train = models.PositiveIntegerField(default=0)
    n_test = models.PositiveIntegerField(default=0)
    trained_by = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="scoring_model_version_unique")
        ]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"model v{self.version}{' (heuristic)' if self.fallback else ''}"


class AccountScore(OrgScoped):
    """The latest score of an account: probability of a payment within 30 days and the expected
    amount collected in that time. The reasons are worked out when an account is shown (for the few on
    a page), not stored for every account."""

    account_id = models.BigIntegerField(unique=True)  # no foreign key: a cache, replaced at each scoring
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    model_version = models.PositiveIntegerField()
    probability = models.FloatField()
    expected = money_field()
    scored_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["organization", "-expected"], name="scoring_score_org_expected")]

    def __str__(self) -> str:
        return f"account {self.account_id}: {self.probability:.3f}"


class QueueLock(OrgScoped):
    """An account a collector took with "next account": nobody else is offered it until
    ``locked_until``. One row per account, claimed with a conditional update (or the insert the
    unique key lets only one transaction make)."""

    account_id = models.BigIntegerField()
    user = models.ForeignKey("tenancy.User", on_delete=models.PROTECT, related_name="+")
    locked_at = models.DateTimeField()
    locked_until = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account_id"], name="scoring_lock_account_unique")]
        indexes = [models.Index(fields=["organization", "locked_until"])]

    def __str__(self) -> str:
        return f"account {self.account_id} locked to user {self.user_id} until {self.locked_until}"
