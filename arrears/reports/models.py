"""Read models kept by `reports`: account snapshots (change-only), daily roll-ups, dashboard layouts."""

from datetime import time

from django.conf import settings
from django.db import models

from arrears.core.models import money_field


class AccountSnapshot(models.Model):
    """An account's state (balance by bucket, status, aging bucket, collector) from `valid_from` until
    the day before `valid_to` (open: still current). A row is written only when the state changed, so a
    year of daily snapshots of 1,000,000 accounts costs one row per change, not 365 million rows.

    Plain integer ids, no foreign keys: written set-based by `snapshots_take`, read by KPIs, never joined
    back for integrity (the account may be reassigned; the snapshot keeps what was true that day).
    """

    id = models.BigAutoField(primary_key=True)
    organization_id = models.IntegerField()
    account_id = models.BigIntegerField()
    client_id = models.IntegerField()
    collector_id = models.IntegerField(null=True)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True)
    status = models.CharField(max_length=12)
    bucket = models.CharField(max_length=8)
    delinquent_since = models.DateField(null=True)
    placed_on = models.DateField(null=True)
    balance_principal = money_field()
    balance_interest = money_field()
    balance_fees = money_field()
    balance_costs = money_field()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account_id"], condition=models.Q(valid_to__isnull=True), name="snapshot_one_open"
            )
        ]
        indexes = [
            models.Index(fields=["organization_id", "valid_from"], name="snapshot_org_from"),
            models.Index(fields=["account_id", "valid_from"], name="snapshot_account_from"),
        ]

    def __str__(self) -> str:
        return (
            f"account {self.account_id} {self.valid_from}..{self.valid_to or ''} {self.status}/{self.bucket}"
        )


class SnapshotRun(models.Model):
    """One day's snapshot of one organization: how many accounts, how many changed, how long it took."""

    organization_id = models.IntegerField()
    as_of = models.DateField()
    accounts = models.IntegerField()
    changed = models.IntegerField()
    seconds = models.FloatField()
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization_id", "as_of"], name="snapshot_run_unique")
        ]

    def __str__(self) -> str:
        return f"snapshot of org {self.organization_id} on {self.as_of}"


class DailyRollup(models.Model):
    """Accounts and balance per client, collector, status and aging bucket on a snapshot day: what the
    dashboards read, so a 1,000,000-account organization's page sums a few hundred rows."""

    organization_id = models.IntegerField()
    day = models.DateField()
    client_id = models.IntegerField()
    collector_id = models.IntegerField(null=True)
    status = models.CharField(max_length=12)
    bucket = models.CharField(max_length=8)
    accounts = models.IntegerField()
    balance = money_field()

    class Meta:
        indexes = [models.Index(fields=["organization_id", "day"], name="rollup_org_day")]

    def __str__(self) -> str:
        return f"{self.day} client {self.client_id} {self.status}/{self.bucket}: {self.accounts}"


class DashboardLayout(models.Model):
    """A user's arrangement of one dashboard's widgets: order and visibility."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    organization_id = models.IntegerField()
    dashboard = models.CharField(max_length=20)
    widgets = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organization_id", "dashboard"], name="dashboard_layout_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dashboard} layout of user {self.user_id}"


class FurnishedAccount(models.Model):
    """An account once reported to the bureaus: a later recall must delete it (DA), not just stop."""

    organization_id = models.IntegerField()
    account_id = models.BigIntegerField(unique=True)
    first_on = models.DateField()
    last_on = models.DateField()
    last_status = models.CharField(max_length=2)

    def __str__(self) -> str:
        return f"account {self.account_id} furnished {self.last_status} on {self.last_on}"


class KpiFigures(models.Model):
    """The KPIs of a snapshot day for the organization (client_id 0) or one client, computed once when
    the day is snapshotted: what the dashboards show, and the same figure every time it is read."""

    organization_id = models.IntegerField()
    day = models.DateField()
    client_id = models.IntegerField(default=0)
    period_days = models.IntegerField()
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization_id", "day", "client_id", "period_days"],
                name="kpi_figures_unique",
            )
        ]

    def __str__(self) -> str:
        return f"KPIs of org {self.organization_id} client {self.client_id} on {self.day}"


class ReportSchedule(models.Model):
    """A dashboard (the organization's, one client's or one collector's) emailed as PDF or XLSX to users
    of the organization, daily, weekly (on `weekday`) or monthly (on `day_of_month`), at `send_at` in the
    organization's time zone."""

    organization_id = models.IntegerField()
    name = models.CharField(max_length=200)
    client_id = models.IntegerField(default=0, help_text="0: the organization's dashboard")
    collector_id = models.IntegerField(default=0, help_text="a collector's dashboard (user id); 0: none")
    kpis = models.JSONField(default=list, blank=True, help_text="the KPI keys to include; empty: all")
    send_at = models.TimeField(default=time(7, 0), help_text="local time, the organization's time zone")
    weekday = models.PositiveSmallIntegerField(default=0, help_text="weekly: 0 Monday … 6 Sunday")
    day_of_month = models.PositiveSmallIntegerField(default=1, help_text="monthly: 1 … 28")
    # Sends due before this moment (paused, or another cadence) are not caught up.
    active_since = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # "Send now": the pending request's stamp; the task that clears it is the one that sends.
    send_requested_at = models.DateTimeField(null=True, blank=True)
    format = models.CharField(max_length=4, choices=[("pdf", "PDF"), ("xlsx", "XLSX")])
    frequency = models.CharField(
        max_length=8, choices=[("daily", "Daily"), ("weekly", "Weekly"), ("monthly", "Monthly")]
    )
    recipients = models.JSONField(default=list, help_text="user ids, members of the organization")
    last_sent_on = models.DateField(null=True, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.frequency} {self.format})"


class AlertRule(models.Model):
    """A threshold on a KPI, or on account events, that notifies users in the app and by email, at most
    once per period (day, week or month)."""

    organization_id = models.IntegerField()
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=12,
        choices=[
            ("kpi_below", "KPI below"),
            ("kpi_above", "KPI above"),
            ("payment_over", "Payment over"),
            ("dispute", "Dispute on a client's account"),
        ],
    )
    kpi = models.CharField(
        max_length=40, blank=True, help_text="a key of `arrears reports kpi`, e.g. liquidation_rate"
    )
    threshold = models.DecimalField(max_digits=19, decimal_places=4, default=0)
    client_id = models.IntegerField(default=0, help_text="0: every client")
    period = models.CharField(max_length=5, choices=[("day", "Day"), ("week", "Week"), ("month", "Month")])
    recipients = models.JSONField(default=list, help_text="user ids, members of the organization")
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.name


class AlertFiring(models.Model):
    """One firing of a rule in one period: the unique key is what makes it at most once."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="firings")
    period_key = models.CharField(max_length=12)
    fired_at = models.DateTimeField()
    message = models.TextField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rule", "period_key"], name="alert_once_per_period")]

    def __str__(self) -> str:
        return f"{self.rule_id} {self.period_key}"


class Notification(models.Model):
    """An in-app notice for one user."""

    organization_id = models.IntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "organization_id", "created_at"], name="notification_user")]

    def __str__(self) -> str:
        return self.text[:60]
