"""Reports at scale: the daily account snapshot, and the organization dashboard next to a trivial view.

    DATABASE_URL=postgres://…/arrears_reports_1m .venv/bin/python -m bench reports [--org bench]
        [--history-days 365] [--requests 40]

Runs against a migrated database that already holds the organization's accounts (the 1,000,000-account
template, or a small one made with `arrears demo`). It

1. (unless --skip-history) writes a year of daily snapshot history set-based: each account changing
   state about once a month as aging moves it, one row per change (valid_from/valid_to), with the
   roll-ups `snapshots_take` would have left;
2. times `snapshots_take` for the day over every account: the set-based part, then the day's KPI
   figures. Right after the history every account has changed (the worst case);
   `--skip-history --as-of <next day>` times an ordinary night;
3. times GET /reports/ (the organization dashboard) and GET /login/ (a trivial view) as a logged-in
   manager, interleaved, and prints p50/p95 of each.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from datetime import date, timedelta

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from arrears.accounts.reporting import account_snapshot_source  # noqa: E402
from arrears.reports.models import AccountSnapshot, DailyRollup, KpiFigures, SnapshotRun  # noqa: E402
from arrears.reports.services import snapshots_take  # noqa: E402
from arrears.tenancy.choices import Role  # noqa: E402
from arrears.tenancy.domain import system_principal  # noqa: E402
from arrears.tenancy.selectors import organization_resolve, user_by_username  # noqa: E402
from arrears.tenancy.services import membership_grant, user_create  # noqa: E402

SNAP = AccountSnapshot._meta.db_table
ROLLUP = DailyRollup._meta.db_table


def history(org_id: int, start: date, days: int) -> float:
    """A year of change-only snapshots: version k of an account is valid from start + 30k + (id mod 30)."""
    began = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {SNAP} WHERE organization_id = %s", [org_id])  # noqa: S608
        cur.execute(f"DELETE FROM {ROLLUP} WHERE organization_id = %s", [org_id])  # noqa: S608
        SnapshotRun.objects.filter(organization_id=org_id).delete()
        KpiFigures.objects.filter(organization_id=org_id).delete()
        versions = days // 30
        buckets = "ARRAY['current','1-30','31-60','61-90','91-120','121-180','181-365','365+']"
        cur.execute(
            f"""
            INSERT INTO {SNAP} (organization_id, account_id, client_id, collector_id, valid_from, valid_to,
                status, bucket, delinquent_since, placed_on, balance_principal, balance_interest,
                balance_fees, balance_costs)
            SELECT a.organization_id, a.id, a.client_id, a.assigned_user_id,
                   %s::date + (k * 30 + a.id %% 30)::int,
                   CASE WHEN k < %s - 1 THEN %s::date + ((k + 1) * 30 + a.id %% 30)::int END,
                   a.status, ({buckets})[1 + least(k, 7)], a.delinquent_since, a.placed_on,
                   a.balance_principal + (%s - k), a.balance_interest, a.balance_fees, a.balance_costs
            FROM accounts_account a CROSS JOIN generate_series(0, %s - 1) k
            WHERE a.organization_id = %s
            """,  # noqa: S608
            [start, versions, start, versions, versions, org_id],
        )
        # the last version stays open; rows for days after today are pulled back to end the year today
        cur.execute(
            f"""
            INSERT INTO {ROLLUP}
                (organization_id, day, client_id, collector_id, status, bucket, accounts, balance)
            SELECT %s, d::date, s.client_id, s.collector_id, s.status, s.bucket, count(*),
                   sum(s.balance_principal + s.balance_interest + s.balance_fees + s.balance_costs)
            FROM generate_series(%s::date, %s::date, interval '1 day') d
            JOIN {SNAP} s ON s.organization_id = %s AND s.valid_from <= d::date
                 AND (s.valid_to IS NULL OR s.valid_to > d::date)
            WHERE extract(day FROM d) = 1 OR d::date = %s::date
            GROUP BY d, s.client_id, s.collector_id, s.status, s.bucket
            """,  # noqa: S608
            [org_id, start, start + timedelta(days=days - 1), org_id, start + timedelta(days=days - 1)],
        )
        cur.execute(
            "INSERT INTO reports_snapshotrun (organization_id, as_of, accounts, changed, seconds, taken_at) "
            "SELECT %s, d::date, 0, 0, 0, now() FROM generate_series(%s::date, %s::date, interval '1 day') d",
            [org_id, start, start + timedelta(days=days - 1)],
        )
        cur.execute(f"SELECT count(*) FROM {SNAP} WHERE organization_id = %s", [org_id])  # noqa: S608
        rows = cur.fetchone()[0]
    print(
        f"history: {rows:,} snapshot rows for {days} days in {time.perf_counter() - began:.1f} s", flush=True
    )
    return time.perf_counter() - began


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--org", default="bench")
    parser.add_argument("--history-days", type=int, default=365)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--skip-history", action="store_true", help="keep the history already written")
    parser.add_argument("--as-of", default="", help="the day to snapshot (default today): the next night")
    args = parser.parse_args()
    org = organization_resolve(slug=args.org)
    today = date.fromisoformat(args.as_of) if args.as_of else date.today()  # noqa: DTZ011
    accounts = account_snapshot_source(organization_id=org.pk, as_of=today).count()
    start = today - timedelta(days=args.history_days)
    if not args.skip_history:
        history(org.pk, start, args.history_days)
    # 2. the next day's snapshot over every account
    began = time.perf_counter()
    result = snapshots_take(organization_id=org.pk, as_of=today)
    total = time.perf_counter() - began
    run = SnapshotRun.objects.get(organization_id=org.pk, as_of=today)
    print(
        f"snapshot of {result.accounts:,} accounts ({result.changed:,} changed): "
        f"set-based {run.seconds:.1f} s, with the day's KPI figures {total:.1f} s",
        flush=True,
    )
    # 3. dashboard vs trivial view
    user = user_by_username(username="bench-manager")
    if user is None:
        actor = system_principal(org.pk, "bench")
        user = user_create(username="bench-manager", password=os.urandom(12).hex())
        membership_grant(organization=org, user=user, role=Role.MANAGER, actor=actor)
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())  # managers must have a second factor (the default)
    client = Client()
    client.force_login(user)
    dash, trivial = [], []
    url = f"/reports/?as_of={today.isoformat()}"
    for _ in range(3):  # warm up
        client.get(url)
        client.get("/login/")
    for _ in range(args.requests):
        t = time.perf_counter()
        r = client.get(url)
        dash.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200, r.status_code
        t = time.perf_counter()
        client.get("/login/")
        trivial.append((time.perf_counter() - t) * 1000)
    figures = {
        "accounts": accounts,
        "snapshot_rows": AccountSnapshot.objects.filter(organization_id=org.pk).count(),
        "snapshot_set_based_s": round(run.seconds, 1),
        "snapshot_with_figures_s": round(total, 1),
        "dashboard_ms": {"p50": round(statistics.median(dash), 1), "p95": round(percentile(dash, 95), 1)},
        "trivial_ms": {"p50": round(statistics.median(trivial), 1), "p95": round(percentile(trivial, 95), 1)},
        "requests": args.requests,
        "vendor": connection.vendor,
        "machine": f"{platform.machine()} {os.cpu_count()} cpu",
        "load": os.getloadavg(),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
