"""The nightly run on PostgreSQL with one worker and with two, next to a bare SQL pass over the same columns.

    .venv/bin/python -m bench.nightly --template arrears_auto_bench --org bench --workers 1,2

--template names a PostgreSQL database that holds an organization with accounts (an import of
`bench/gen_accounts.py` rows; at 1,000,000 accounts, a copy of `arrears_bench1m`). For each worker count the
benchmark makes its own copy (`CREATE DATABASE … TEMPLATE`), migrates it, and sets up (untimed): the
strategy's letter template and a strategy whose one segment takes about --acting of the accounts (a band of
balances cut at that quantile), so that share acts on the day (a letter each, through the gate and the
outbox); then the tasks the import left queued run (`arrears worker --batch`). Then, timed:

- the baseline: one `SELECT` of the columns the run reads for every account of the organization (status,
  debt type, state, client, balances, dates), fetched to the client — what a bare pass over the same rows
  costs;
- `arrears nightly --no-work --chunk-size N`, with N `arrears worker` processes (their schedulers off) doing
  every chunk: wall time from the command's start to its end, and the per-stage worker-seconds the run
  records (organization-wide steps, chunking, money per chunk, strategies, and the notices and the
  snapshot taken when the last chunk is done).

The copies are dropped at the end (`--keep` keeps them). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import secrets
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SERVER = "postgres://postgres@127.0.0.1:5432"
LETTER = (
    "<p>Dear {{ debtor.name }},</p><p>Your account {{ account.reference }} has a balance of "
    "{{ account.balance }}.</p><p>{{ debt_collector_disclosure }}</p>"
)


def psql(sql: str, db: str = "postgres") -> str:
    out = subprocess.run(  # noqa: S603 - our own fixed psql invocation
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-At", "-c", sql, db],  # noqa: S607
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def arrears(db: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "arrears.cli", *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": f"{SERVER}/{db}", **(env or {})},
    )


def setup(db: str, org: str, acting: float) -> dict[str, object]:
    arrears(db, "migrate", "--no-input")
    org_id = psql(f"SELECT id FROM tenancy_organization WHERE slug = '{org}'", db)
    count = int(psql(f"SELECT count(*) FROM accounts_account WHERE organization_id = {org_id}", db))
    cut = psql(
        f"SELECT percentile_cont({acting}) WITHIN GROUP (ORDER BY balance_principal) FROM accounts_account "
        f"WHERE organization_id = {org_id}",
        db,
    )
    script = f"""
from arrears.contact.messaging import template_save
from arrears.strategies.definitions import strategy_save
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve
org = organization_resolve(slug={org!r})
actor = system_principal(org.pk, "bench")
template_save(organization=org, key="bench-letter", channel="letter", body={LETTER!r}, actor=actor)
strategy_save(organization_id=org.pk, actor=actor, source='''name = "bench"
[[segments]]
name = "low"
when = {{ balance_max = "{cut}" }}
  [[segments.steps]]
  action = "letter"
  template = "bench-letter"
  [[segments.steps]]
  action = "stop"
''')
"""
    arrears(db, "shell", "-c", script)
    # What the import left queued (locating the time zones of the phones it wrote) is its own work, done by
    # the workers after it: drained here, untimed, or the run's workers would do it during the run.
    arrears(db, "worker", "--batch", "--verbosity", "0", env={"ARREARS_SCHEDULER": "0"})
    return {"accounts": count, "organization_id": int(org_id), "balance_cut": cut}


def baseline(db: str, org_id: int) -> float:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(f"{SERVER}/{db}") as conn, conn.cursor(name="bare") as cur:
        cur.itersize = 20_000
        cur.execute(
            "SELECT id, status, debt_type, jurisdiction_state, client_id, balance_principal, "
            "balance_interest, balance_fees, balance_costs, delinquent_since, placed_on, last_payment_on, "
            "interest_rate "
            "FROM accounts_account WHERE organization_id = %s ORDER BY id",
            [org_id],
        )
        for _ in cur:
            pass
    return time.perf_counter() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def nightly(db: str, org: str, on: date, workers: int, chunk: int) -> dict[str, object]:
    env = {**os.environ, "DATABASE_URL": f"{SERVER}/{db}", "ARREARS_SCHEDULER": "0"}
    procs = [
        subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "arrears.cli", "worker", "--verbosity", "0"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    cpu_before = _children_cpu()
    try:
        time.sleep(3)  # the workers' start-up (Django import) is not the run's time
        started = time.perf_counter()
        args = ("nightly", "--date", on.isoformat(), "--org", org, "--no-work", "--chunk-size", str(chunk))
        out = arrears(db, *args, "--json", env={"ARREARS_SCHEDULER": "0"})
        wall = time.perf_counter() - started
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    # The command's and the workers' CPU time (their start-up included; PostgreSQL's not): on a shared
    # machine, steadier than wall time.
    cpu = _children_cpu() - cpu_before
    summary = json.loads(out.stdout)
    counts = summary["runs"][0]["counts"]
    return {
        "workers": workers,
        "wall_seconds": round(wall, 2),
        "python_cpu_seconds": round(cpu, 2),
        "accounts": summary["accounts"],
        "messages_queued": summary["messages_queued"],
        "ledger_entries": summary["ledger_entries"],
        "steps_done": counts.get("steps_done", 0),
        "enrolled": counts.get("enrolled", 0),
        # the organization-wide steps' main cost after an import: phones it wrote without time zones
        "phones_located": counts.get("phones_located", 0),
        "stage_worker_seconds": {
            "org_steps": counts.get("ms_steps", 0) / 1000,
            "chunking": counts.get("ms_chunking", 0) / 1000,
            "money": counts.get("ms_money", 0) / 1000,
            "strategies": counts.get("ms_strategies", 0) / 1000,
            "notices": counts.get("ms_notices", 0) / 1000,
            "snapshot": counts.get("ms_snapshot", 0) / 1000,
        },
        "errors": len(summary["runs"][0]["errors"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--template", required=True)
    parser.add_argument("--org", default="bench")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--acting", type=float, default=0.10)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--date", default="2026-03-10")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {
        "machine": f"{platform.node()} {platform.machine()} {os.cpu_count()} cores",
        "load_before": os.getloadavg(),
        "runs": [],
    }
    for workers in [int(w) for w in args.workers.split(",")]:
        db = f"{args.template}_run{workers}_{secrets.token_hex(3)}"
        psql(f'CREATE DATABASE "{db}" TEMPLATE "{args.template}"')
        try:
            info = setup(db, args.org, args.acting)
            bare = baseline(db, int(info["organization_id"]))  # type: ignore[call-overload]
            run = nightly(db, args.org, date.fromisoformat(args.date), workers, args.chunk)
            run["baseline_bare_sql_seconds"] = round(bare, 2)
            run["setup"] = info
            results["runs"].append(run)  # type: ignore[attr-defined]
            print(json.dumps(run), file=sys.stderr)
        finally:
            if not args.keep:
                psql(f'DROP DATABASE "{db}" WITH (FORCE)')
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
