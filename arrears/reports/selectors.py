"""Reads of `reports`: KPIs as of any date, dashboard figures and the accounts behind each figure."""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Sum

from arrears.accounts.choices import AgingBucket
from arrears.attempts import reporting as attempts_reporting
from arrears.core.errors import NotFound
from arrears.ledger import reporting as ledger_reporting
from arrears.payments import reporting as payments_reporting

from .domain import cadence, kpis
from .errors import ReportError
from .models import (
    AccountSnapshot,
    AlertFiring,
    AlertRule,
    DailyRollup,
    DashboardLayout,
    KpiFigures,
    Notification,
    ReportSchedule,
    SnapshotRun,
)

BUCKETS = [b.value for b in AgingBucket]
PERIOD_DAYS = 30


def month_start(day: date, back: int = 0) -> date:
    y, m = day.year, day.month - back
    while m < 1:
        y, m = y - 1, m + 12
    return date(y, m, 1)


def snapshot_day(*, organization_id: int, as_of: date) -> date | None:
    """The latest snapshot day on or before `as_of`: the state every stock KPI is read from."""
    return (
        SnapshotRun.objects.filter(organization_id=organization_id, as_of__lte=as_of)
        .order_by("-as_of")
        .values_list("as_of", flat=True)
        .first()
    )


def snapshots_at(*, organization_id: int, day: date) -> QuerySet[AccountSnapshot]:
    """Each account's snapshot row in force on `day` (valid_from ≤ day < valid_to)."""
    return AccountSnapshot.objects.filter(organization_id=organization_id, valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )


def rollup(
    *, organization_id: int, day: date, client_id: int | None = None, collector_id: int | None = None
) -> QuerySet[DailyRollup]:
    qs = DailyRollup.objects.filter(organization_id=organization_id, day=day)
    if client_id:
        qs = qs.filter(client_id=client_id)
    if collector_id:
        qs = qs.filter(collector_id=collector_id)
    return qs


def aging(
    *, organization_id: int, day: date | None, client_id: int | None = None, collector_id: int | None = None
) -> dict[str, dict[str, Any]]:
    """Accounts and balance per aging bucket on a snapshot day (all buckets, zeros included)."""
    out = {b: {"accounts": 0, "balance": Decimal(0)} for b in BUCKETS}
    if day is None:
        return out
    rows = (
        rollup(organization_id=organization_id, day=day, client_id=client_id, collector_id=collector_id)
        .values("bucket")
        .annotate(n=Sum("accounts"), b=Sum("balance"))
    )
    for r in rows:
        out[r["bucket"]] = {"accounts": r["n"] or 0, "balance": r["b"] or Decimal(0)}
    return out


def status_mix(
    *, organization_id: int, day: date | None, client_id: int | None = None, collector_id: int | None = None
) -> list[dict[str, Any]]:
    if day is None:
        return []
    return list[Any](
        rollup(organization_id=organization_id, day=day, client_id=client_id, collector_id=collector_id)
        .values("status")
        .annotate(accounts=Sum("accounts"), balance=Sum("balance"))
        .order_by("-balance")
    )


def _receivables(aging_rows: dict[str, dict[str, Any]]) -> tuple[Decimal, Decimal]:
    total = sum((v["balance"] for v in aging_rows.values()), Decimal(0))
    return total, aging_rows[AgingBucket.CURRENT]["balance"]


def roll_rate_matrix(
    *, organization_id: int, start: date, end: date, client_id: int | None = None
) -> dict[str, dict[str, Decimal | None]]:
    """Roll rates between the snapshots in force on `start` and on `end` (accounts in both), counted by
    one GROUP BY over the snapshot table joined to itself."""
    snap = AccountSnapshot._meta.db_table
    client_sql = " AND a.client_id = %s" if client_id else ""
    # The table name is the model's; every value is a parameter.
    sql = (
        f"SELECT a.bucket, b.bucket, count(*) FROM {snap} a JOIN {snap} b ON b.account_id = a.account_id "  # noqa: S608
        "WHERE a.organization_id = %s AND a.valid_from <= %s AND (a.valid_to IS NULL OR a.valid_to > %s) "
        "AND b.organization_id = %s AND b.valid_from <= %s AND (b.valid_to IS NULL OR b.valid_to > %s)"
        f"{client_sql} GROUP BY a.bucket, b.bucket"
    )
    params: list[Any] = [organization_id, start, start, organization_id, end, end]
    if client_id:
        params.append(client_id)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    # each (start, end) pair weighted by its count: the domain's formula, without a row per account
    return kpis.roll_rates([(a, b, Decimal(n)) for a, b, n in rows], buckets=BUCKETS, by="balance")


def cohorts(*, organization_id: int, as_of: date, client_id: int | None = None) -> list[kpis.CohortFigures]:
    """Liquidation by placement cohort (month placed): Σ collected ÷ Σ placed per cohort, as of `as_of`."""
    placed = ledger_reporting.charges_by_cohort(
        organization_id=organization_id, through=as_of, client_id=client_id
    )
    counts = ledger_reporting.accounts_by_cohort(
        organization_id=organization_id, through=as_of, client_id=client_id
    )
    collected = payments_reporting.collected_by_cohort(
        organization_id=organization_id, through=as_of, client_id=client_id
    )
    return [
        kpis.CohortFigures(
            cohort=c,
            accounts=counts.get(c, 0),
            placed=placed[c] or Decimal(0),
            collected=collected.get(c) or Decimal(0),
        )
        for c in sorted(placed)
    ]


def _f(value: Decimal | None, places: int = 4) -> float | None:
    return None if value is None else round(float(value), places)


def kpis_compute(
    *, organization_id: int, as_of: date, client_id: int | None = None, period_days: int = PERIOD_DAYS
) -> dict[str, Any]:
    """Every KPI as of the end of `as_of`: stocks from the snapshot in force that day, flows from the
    records dated in the period (`period_days` ending on `as_of`). Each figure is defined in
    docs/reports.md; a re-run for the same date and the same books gives the same figures."""
    since = as_of - timedelta(days=period_days - 1)
    day = snapshot_day(organization_id=organization_id, as_of=as_of)
    ages = aging(organization_id=organization_id, day=day, client_id=client_id)
    receivables, current = _receivables(ages)
    accounts_now = sum(v["accounts"] for v in ages.values())

    placed_by_client = ledger_reporting.charges_by_client(organization_id=organization_id, through=as_of)
    collected_by_client = payments_reporting.collected_by_client(
        organization_id=organization_id, through=as_of
    )
    if client_id:
        placed = placed_by_client.get(client_id) or Decimal(0)
        collected = collected_by_client.get(client_id) or Decimal(0)
    else:
        placed = sum((v or Decimal(0) for v in placed_by_client.values()), Decimal(0))
        collected = sum((v or Decimal(0) for v in collected_by_client.values()), Decimal(0))
    collected_period = sum(
        payments_reporting.collected_by_account(
            organization_id=organization_id, through=as_of, since=since, client_id=client_id
        ).values(),
        Decimal(0),
    )
    paying = payments_reporting.accounts_paying_count(
        organization_id=organization_id, through=as_of, client_id=client_id
    )
    recalled = Decimal(0)
    if day is not None:
        recalled = rollup(organization_id=organization_id, day=day, client_id=client_id).filter(
            status="recalled"
        ).aggregate(b=Sum("balance"))["b"] or Decimal(0)

    dials = attempts_reporting.dial_counts(
        organization_id=organization_id, since=since, through=as_of, client_id=client_id
    )
    promises = payments_reporting.promise_counts(
        organization_id=organization_id,
        since=since,
        through=as_of,
        client_id=client_id,
        reached_account_ids=attempts_reporting.right_party_account_ids(
            organization_id=organization_id, since=since, through=as_of, client_id=client_id
        ),
    )
    # DSO: receivables against the monthly placements ("sales") of the 12 months ending on as_of.
    sales = ledger_reporting.charges_by_month(
        organization_id=organization_id, since=month_start(as_of, 11), through=as_of, client_id=client_id
    )
    periods = []
    for back in range(12):
        m = month_start(as_of, back)
        days = (as_of - m).days + 1 if back == 0 else calendar.monthrange(m.year, m.month)[1]
        periods.append((sales.get(m, Decimal(0)), days))
    dso = kpis.dso_countback(receivables=receivables, periods=periods)
    best = kpis.best_possible_dso(current_receivables=current, sales=periods[0][0], days=periods[0][1])
    # CEI over the month to date: beginning receivables from the snapshot in force before the month.
    begin_day = snapshot_day(organization_id=organization_id, as_of=month_start(as_of) - timedelta(days=1))
    begin_total, _ = _receivables(aging(organization_id=organization_id, day=begin_day, client_id=client_id))
    cei = (
        kpis.cei(
            beginning_receivables=begin_total,
            credit_sales=periods[0][0],
            ending_total_receivables=receivables,
            ending_current_receivables=current,
            months=1,
        )
        if begin_day is not None
        else None
    )
    rates = payments_reporting.contingency_rates(organization_id=organization_id)
    cost = Decimal(0)
    for cid, amount in payments_reporting.collected_by_client(
        organization_id=organization_id, through=as_of, since=since
    ).items():
        if client_id and cid != client_id:
            continue
        cost += (amount or Decimal(0)) * rates.get(cid, Decimal(0)) / 100
    return {
        "as_of": as_of.isoformat(),
        "period": {"from": since.isoformat(), "to": as_of.isoformat(), "days": period_days},
        "snapshot_day": day.isoformat() if day else None,
        "kpis": {
            "liquidation_rate": _f(kpis.liquidation_rate(collected=collected, placed=placed)),
            "recovery_rate_count": _f(
                kpis.recovery_rate_by_count(accounts_paying=paying, accounts_placed=accounts_now)
            ),
            "recovery_rate_value": _f(
                kpis.recovery_rate_by_value(collected=collected, placed=placed, recalled=recalled)
            ),
            "rpc_rate": _f(
                kpis.rpc_rate_per_dial(
                    right_party_contacts=dials["right_party_contacts"], dials=dials["dials"]
                )
            ),
            "promise_rate": _f(
                kpis.promise_rate(
                    promises_made=promises["made_in_contact"],
                    right_party_contacts=dials["right_party_contacts"],
                )
            ),
            "ptp_kept_rate": _f(
                kpis.promise_kept_rate(kept=promises["kept"], due=promises["kept"] + promises["broken"])
            ),
            "dso_countback": _f(dso, 1),
            "best_possible_dso": _f(best, 1),
            "average_days_delinquent": _f(kpis.average_days_delinquent(dso=dso, best_dso=best), 1),
            "cei": _f(cei, 2),
            "cei_months": 1,
            "cost_to_collect": _f(kpis.cost_to_collect(cost=cost, collected=collected_period)),
        },
        "figures": {
            "placed": str(placed),
            "collected": str(collected),
            "collected_in_period": str(collected_period),
            "receivables": str(receivables),
            "current_receivables": str(current),
            "accounts": accounts_now,
            "accounts_paying": paying,
            "dials": dials["dials"],
            "right_party_contacts": dials["right_party_contacts"],
            "promises_made": promises["made"],
            "promises_kept": promises["kept"],
            "promises_broken": promises["broken"],
        },
    }


def collector_performance(*, organization_id: int, since: date, through: date) -> list[dict[str, Any]]:
    """Per collector: contacts, right-party contacts, promises, money collected, each per hour worked."""
    promises = payments_reporting.promises_by_actor(
        organization_id=organization_id, since=since, through=through
    )
    collected = payments_reporting.collected_by_actor(
        organization_id=organization_id, since=since, through=through
    )
    out = []
    for row in attempts_reporting.collector_activity(
        organization_id=organization_id, since=since, through=through
    ):
        label = row["username"]
        fig = kpis.CollectorFigures(
            collector=label,
            hours=kpis.hours_worked(row["days"]),
            contacts=row["contacts"],
            right_party_contacts=row["rpc"],
            promises=promises.get(label, 0),
            collected=collected.get(label) or Decimal(0),
        )
        out.append({"user_id": row["user_id"], "figures": fig, "per_hour": fig.per_hour()})
    return sorted(out, key=lambda r: r["figures"].collector)


def drill_accounts(
    *,
    organization_id: int,
    as_of: date,
    client_id: int | None = None,
    collector_id: int | None = None,
    bucket: str = "",
    status: str = "",
    limit: int = 200,
) -> tuple[int, list[AccountSnapshot]]:
    """The accounts behind an aging or status figure: their snapshot rows on the figure's day."""
    day = snapshot_day(organization_id=organization_id, as_of=as_of)
    if day is None:
        return 0, []
    qs = snapshots_at(organization_id=organization_id, day=day)
    if client_id:
        qs = qs.filter(client_id=client_id)
    if collector_id:
        qs = qs.filter(collector_id=collector_id)
    if bucket:
        qs = qs.filter(bucket=bucket)
    if status:
        qs = qs.filter(status=status)
    return qs.count(), list(qs.order_by("account_id")[:limit])


def payment_analytics(
    *, organization_id: int, since: date, through: date, client_id: int | None = None
) -> dict[str, Any]:
    mix = payments_reporting.payment_method_mix(
        organization_id=organization_id, since=since, through=through, client_id=client_id
    )
    firsts = payments_reporting.first_payment_days(
        organization_id=organization_id, since=since, through=through, client_id=client_id
    )
    waits = sorted((first - placed).days for _acc, first, placed in firsts if placed)
    buckets: dict[str, int] = defaultdict(int)
    for w in waits:
        buckets["0-30" if w <= 30 else "31-90" if w <= 90 else "91-180" if w <= 180 else "181+"] += 1
    return {
        "method_mix": mix,
        "time_to_pay": {
            "accounts": len(waits),
            "median_days": waits[len(waits) // 2] if waits else None,
            "buckets": [(k, buckets.get(k, 0)) for k in ("0-30", "31-90", "91-180", "181+")],
        },
        "plans": payments_reporting.plan_performance(organization_id=organization_id, client_id=client_id),
    }


def dashboard_layout(*, user_id: int, organization_id: int, dashboard: str) -> list[dict[str, Any]]:
    row = DashboardLayout.objects.filter(
        user_id=user_id, organization_id=organization_id, dashboard=dashboard
    ).first()
    return list[Any](row.widgets) if row else []


def figures_compute(*, organization_id: int, as_of: date, client_id: int | None = None) -> dict[str, Any]:
    """KPIs, cohorts and the 30-day roll-rate matrix of one day: what a dashboard shows, JSON-ready."""
    data = kpis_compute(organization_id=organization_id, as_of=as_of, client_id=client_id)
    data["cohorts"] = [
        {
            "cohort": c.cohort,
            "accounts": c.accounts,
            "placed": str(c.placed),
            "collected": str(c.collected),
            "liquidation_rate": _f(c.liquidation_rate),
        }
        for c in cohorts(organization_id=organization_id, as_of=as_of, client_id=client_id)
    ]
    start = as_of - timedelta(days=PERIOD_DAYS)
    matrix = roll_rate_matrix(organization_id=organization_id, start=start, end=as_of, client_id=client_id)
    data["roll_rates"] = {
        "from": start.isoformat(),
        "to": as_of.isoformat(),
        "matrix": {a: {b: _f(v) for b, v in row.items()} for a, row in matrix.items()},
    }
    return data


def figures_for(
    *, organization_id: int, as_of: date, client_id: int | None = None
) -> tuple[dict[str, Any], bool]:
    """The stored figures of `as_of` when that day was snapshotted, else computed now. (data, stored?)"""
    row = (
        KpiFigures.objects.filter(
            organization_id=organization_id, day=as_of, client_id=client_id or 0, period_days=PERIOD_DAYS
        )
        .values_list("data", flat=True)
        .first()
    )
    if row is not None:
        return dict(row), True
    return figures_compute(organization_id=organization_id, as_of=as_of, client_id=client_id), False


def notifications_for(*, user_id: int, organization_id: int) -> list[Notification]:
    return list(
        Notification.objects.filter(user_id=user_id, organization_id=organization_id).order_by("-created_at")[
            :100
        ]
    )


def notifications_unread(*, user_id: int, organization_id: int) -> int:
    return Notification.objects.filter(
        user_id=user_id, organization_id=organization_id, read_at__isnull=True
    ).count()


# --- scheduled reports and alert rules -----------------------------------------------------------------


def report_schedule_get(*, organization_id: int, pk: int) -> ReportSchedule:
    found = ReportSchedule.objects.filter(organization_id=organization_id, pk=pk).first()
    if found is None:
        raise NotFound(ReportError.SCHEDULE_NOT_FOUND, "no such scheduled report")
    return found


def report_schedule_next(schedule: ReportSchedule, *, tz: str, now: datetime) -> datetime | None:
    """When the schedule sends next: now (the next worker tick) when a send is due and not made, else
    its next send time; None while paused."""
    if not schedule.active:
        return None
    freq, at, wd, dom = schedule.frequency, schedule.send_at, schedule.weekday, schedule.day_of_month
    if cadence.due(
        frequency=freq, at=at, tz=tz, now=now, weekday=wd, day_of_month=dom,
        last_sent_on=schedule.last_sent_on, active_since=schedule.active_since,
    ):  # fmt: skip
        return now
    return cadence.next_send(frequency=freq, at=at, tz=tz, now=now, weekday=wd, day_of_month=dom)


def report_schedules_list(*, organization_id: int) -> list[ReportSchedule]:
    return list(ReportSchedule.objects.filter(organization_id=organization_id).order_by("name", "pk"))


def alert_rule_get(*, organization_id: int, pk: int) -> AlertRule:
    found = AlertRule.objects.filter(organization_id=organization_id, pk=pk).first()
    if found is None:
        raise NotFound(ReportError.ALERT_NOT_FOUND, "no such alert rule")
    return found


def alert_rules_list(*, organization_id: int) -> list[AlertRule]:
    return list(AlertRule.objects.filter(organization_id=organization_id).order_by("name", "pk"))


def alert_firings_latest(*, rule_ids: list[int]) -> dict[int, AlertFiring]:
    """The latest firing of each rule (one query)."""
    latest: dict[int, AlertFiring] = {}
    for firing in AlertFiring.objects.filter(rule_id__in=rule_ids).order_by("rule_id", "-fired_at", "-pk"):
        latest.setdefault(firing.rule_id, firing)
    return latest


def alert_firings(*, rule: AlertRule, limit: int = 20) -> list[AlertFiring]:
    return list(rule.firings.order_by("-fired_at", "-pk")[:limit])


def dashboard_figures(
    *,
    organization_id: int,
    as_of: date,
    period: int,
    drill_url: Callable[..., str],
    payments_url: Callable[..., str],
    client_id: int | None = None,
    collector_id: int | None = None,
) -> dict[str, Any]:
    """What a dashboard shows of one scope (the organization, a client or a collector) as of a day: the
    KPIs, aging and status with their SVG bars, and payment analytics over `period` days. Every figure
    links to the accounts behind it through `drill_url(**filters)` and `payments_url(**filters)`, so
    the workbench and the client portal each drill down to their own pages."""
    from . import charts

    since = as_of - timedelta(days=period - 1)
    day = snapshot_day(organization_id=organization_id, as_of=as_of)
    figures, stored = figures_for(organization_id=organization_id, as_of=as_of, client_id=client_id)
    ages = aging(organization_id=organization_id, day=day, client_id=client_id, collector_id=collector_id)
    drill = {"as_of": (day or as_of).isoformat(), "client": client_id, "collector": collector_id}
    pay = {"since": since.isoformat(), "until": as_of.isoformat(), "client": client_id}
    payments = payment_analytics(
        organization_id=organization_id, since=since, through=as_of, client_id=client_id
    )
    return {
        "as_of": as_of,
        "since": since,
        "period": period,
        "snapshot_day": day,
        "stored": stored,
        "figures": figures,
        "kpis": figures["kpis"],
        "aging": ages,
        "aging_bars": charts.bars(
            [
                (bucket, v["balance"], f"{v['balance']:,.0f}", drill_url(bucket=bucket, **drill))
                for bucket, v in ages.items()
            ]
        ),
        "accounts_total": sum(v["accounts"] for v in ages.values()),
        "balance_total": sum((v["balance"] for v in ages.values()), 0),
        "all_accounts": drill_url(**drill),
        "status_rows": [
            {**r, "href": drill_url(status=r["status"], **drill)}
            for r in status_mix(
                organization_id=organization_id, day=day, client_id=client_id, collector_id=collector_id
            )
        ],
        "payments": payments,
        "pay_drill": payments_url(**pay),
        "method_bars": charts.bars(
            [
                (m["method"], m["total"], f"{m['total']:,.0f}", payments_url(method=m["method"], **pay))
                for m in payments["method_mix"]
            ],
            height=150,
        ),
        "buckets": BUCKETS,
    }
