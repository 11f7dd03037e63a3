from django.db import models

# The KPIs a schedule can include and an alert can watch: the keys of `arrears reports kpi`, with the
# names the dashboard gives them (docs/reports.md defines each).
KPI_LABELS: dict[str, str] = {
    "liquidation_rate": "Liquidation rate",
    "recovery_rate_count": "Recovery rate (count)",
    "recovery_rate_value": "Recovery rate (value)",
    "rpc_rate": "RPC rate, per dial",
    "promise_rate": "Promise rate",
    "ptp_kept_rate": "Promise-kept rate",
    "dso_countback": "DSO (countback), days",
    "best_possible_dso": "Best possible DSO, days",
    "average_days_delinquent": "Average days delinquent",
    "cei": "CEI (%)",
    "cost_to_collect": "Cost to collect",
}
# Rates are fractions (0.04 = 4 %); the rest are days or a percentage as they stand.
RATE_KPIS = frozenset(
    {"liquidation_rate", "recovery_rate_count", "recovery_rate_value", "rpc_rate", "promise_rate",
     "ptp_kept_rate", "cost_to_collect"}
)  # fmt: skip


class ReportFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "XLSX"


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"
    MONTHLY = "monthly", "Monthly"


class AlertKind(models.TextChoices):
    KPI_BELOW = "kpi_below", "KPI below"
    KPI_ABOVE = "kpi_above", "KPI above"
    PAYMENT_OVER = "payment_over", "Payment over"
    DISPUTE = "dispute", "Dispute on a client's account"


class AlertPeriod(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"
