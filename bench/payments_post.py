"""Post 100,000 payments through the payments service on PostgreSQL, next to a bare INSERT of the same rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arrears_bench \\
        .venv/bin/python -m bench.payments_post --payments 100000 --batch 1000 --accounts 1000

Three figures, on a fresh organization in that database (migrated first):
- baseline: the same payment rows, bare `INSERT … VALUES` (psycopg executemany, one transaction per
  batch) into a table shaped like `payments_payment` with its indexes and constraints, and nothing else;
- service, batched: `payments_post(requests=…)` per batch of --batch payments, each payment allocated,
  on the ledger, on the cached balances and in the hash-chained audit log, one transaction per batch;
  baseline and service alternate in rounds of --round payments, so that on a shared machine both see
  the same load (the per-round figures are printed too);
- service, one call per payment: `payment_post` for --single payments, one transaction each (what an
  API client that posts payments one at a time gets).
Then it checks the work: one payment per key, cached balances equal to the ledger, an intact audit chain.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--round", type=int, default=10_000, help="baseline and service alternate per round")
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--single", type=int, default=2_000, help="payments posted one call at a time")
    parser.add_argument("--workers", type=int, default=1, help="processes posting batches side by side")
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)

    from arrears.audit.selectors import audit_chain_verify
    from arrears.core.money import Money
    from arrears.debtors.services import debtor_create
    from arrears.ledger.selectors import ledger_cache_mismatches
    from arrears.ledger.services import account_open
    from arrears.payments.models import Payment
    from arrears.payments.services import PaymentRequest, payment_post
    from arrears.tenancy.domain import system_principal
    from arrears.tenancy.services import client_create, organization_create

    run = datetime.now(tz=UTC).strftime("%Y%m%d%H%M%S")
    org = organization_create(
        slug=f"bench-{run}",
        name="Bench",
        kind="agency",
        currency="USD",
        country="US",
        timezone="America/New_York",
    )
    actor = system_principal(org.pk, "bench")
    client = client_create(organization=org, code="bench", name="Bench Bank", actor=actor)
    started = time.perf_counter()
    debtor = debtor_create(organization_id=org.pk, actor=actor, first_name="Bench", last_name="Debtor")
    accounts = [
        account_open(
            client=client,
            reference=f"B-{i:06d}",
            debtors=[debtor],
            currency="USD",
            actor=actor,
            principal=Decimal("1000000.00"),
            fees=Decimal("35.00"),
        )
        for i in range(args.accounts)
    ]
    print(f"setup: {args.accounts} accounts in {time.perf_counter() - started:.1f}s", file=sys.stderr)

    rng = random.Random(args.seed)
    received_at = datetime(2026, 12, 1, 15, tzinfo=UTC)
    methods = ["ach", "card", "check", "cash", "bank_transfer", "portal"]
    requests = [
        PaymentRequest(
            rng.choice(accounts),
            Money(Decimal(rng.randint(100, 5_000)) / 100, "USD"),
            rng.choice(methods),
            received_at,
            f"{run}-{i}",
        )
        for i in range(args.payments)
    ]

    baseline_s = service_s = 0.0
    rounds = []
    _baseline_table(connection, create=True)
    for start in range(0, len(requests), args.round):
        part = requests[start : start + args.round]
        b = _bare_insert(connection, org.pk, part, args.batch)
        p = _post_batches(part, actor, args.batch, args.workers)
        baseline_s, service_s = baseline_s + b, service_s + p
        rounds.append(
            {
                "baseline_rows_per_s": round(len(part) / b),
                "service_payments_per_s": round(len(part) / p),
                "load_average": round(os.getloadavg()[0], 2),
            }
        )
        print(f"round {len(rounds)}: {rounds[-1]}", file=sys.stderr)
    _baseline_table(connection, create=False)
    baseline = len(requests) / baseline_s
    batched = len(requests) / service_s
    print(f"baseline bare INSERT: {baseline:,.0f} rows/s", file=sys.stderr)
    print(
        f"service, batches of {args.batch}, {args.workers} process(es): {batched:,.0f} payments/s",
        file=sys.stderr,
    )

    singles = [
        PaymentRequest(rng.choice(accounts), Money(Decimal("1.00"), "USD"), "ach", received_at, f"{run}-s{i}")
        for i in range(args.single)
    ]
    started = time.perf_counter()
    for r in singles:
        payment_post(
            account=r.account,
            amount=r.amount,
            method=r.method,
            received_at=r.received_at,
            actor=actor,
            idempotency_key=r.idempotency_key,
        )
    single = len(singles) / (time.perf_counter() - started) if singles else 0.0
    print(f"service, one call per payment: {single:,.0f} payments/s", file=sys.stderr)

    posted = Payment.objects.filter(organization=org).count()
    mismatches = list(ledger_cache_mismatches(organization_id=org.pk))
    chain = audit_chain_verify(organization_id=org.pk)
    ok = posted == args.payments + args.single and not mismatches and chain.ok
    result = {
        "payments": args.payments,
        "batch": args.batch,
        "workers": args.workers,
        "accounts": args.accounts,
        "baseline_insert_rows_per_s": round(baseline),
        "service_batched_payments_per_s": round(batched),
        "service_to_baseline": round(batched / baseline, 3),
        "rounds": rounds,
        "service_single_payments_per_s": round(single),
        "single_sample": args.single,
        "checks": {"payments": posted, "cache_mismatches": len(mismatches), "audit_chain_ok": chain.ok},
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "postgres": connection.cursor().connection.info.server_version,
            "load_average": [round(x, 2) for x in os.getloadavg()],
        },
        "target_payments_per_s": 2_000,
    }
    print(json.dumps(result, indent=2))
    return 0 if ok else 1


def _post_batches(requests, actor, batch: int, workers: int) -> float:
    """Post every request in batches and return the seconds it took; with several workers, forked
    processes take batches in turn."""
    import multiprocessing

    from django.db import connections

    from arrears.payments.services import payments_post

    chunks = [requests[i : i + batch] for i in range(0, len(requests), batch)]

    def work(n: int) -> None:
        for chunk in chunks[n::workers]:
            payments_post(requests=chunk, actor=actor)
        connections.close_all()

    started = time.perf_counter()
    if workers == 1:
        work(0)
    else:
        connections.close_all()  # each process opens its own connection
        context = multiprocessing.get_context("fork")
        processes = [context.Process(target=work, args=(n,)) for n in range(workers)]
        for p in processes:
            p.start()
        for p in processes:
            p.join()
        if any(p.exitcode for p in processes):
            raise SystemExit("a worker failed")
    return time.perf_counter() - started


def _baseline_table(connection, *, create: bool) -> None:
    """The baseline's table: payments_payment's columns, indexes and constraints, and nothing else."""
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_payment_baseline")
        if create:
            cur.execute("CREATE TABLE bench_payment_baseline (LIKE payments_payment INCLUDING ALL)")


def _bare_insert(connection, organization_id: int, requests, batch: int) -> float:
    """The same rows, bare INSERTs in one transaction per batch; returns the seconds it took."""
    now = datetime.now(tz=UTC)
    columns = (
        "created_at",
        "updated_at",
        "organization_id",
        "account_id",
        "amount",
        "currency",
        "method",
        "status",
        "received_at",
        "received_on",
        "idempotency_key",
        "reference",
        "split_key",
        "original_currency",
        "reversal_reason",
        "actor_label",
        "posted_at",
    )
    sql = (
        f"INSERT INTO bench_payment_baseline ({', '.join(columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    rows = [
        (
            now,
            now,
            organization_id,
            r.account.pk,
            r.amount.amount,
            "USD",
            r.method,
            "posted",
            r.received_at,
            r.received_at.date(),
            r.idempotency_key,
            "",
            "",
            "",
            "",
            "bench",
            now,
        )
        for r in requests
    ]
    from django.db import transaction

    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(sql, rows[i : i + batch])
    return time.perf_counter() - started


if __name__ == "__main__":
    raise SystemExit(main())
