"""Reconcile a 100,000-entry camt.053 against 100,000 expected installments on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/arrears_bench \\
        .venv/bin/python -m bench.reconcile_camt --entries 100000 --accounts 10000

Setup (not timed): a fresh organization with --accounts accounts, each on a 12-installment plan
whose installments due in October 2026 (entries/accounts of them, default 1) are written (rows in
bulk; each account's principal, 12 installments' worth, charged on the ledger), and a camt.053.001.08
statement with one credit per installment:
the installment's amount, booked on its due date, the account reference in the free text, an
end-to-end id and the debtor's name.

Timed, in the same run:
- parse alone: `camt.iter_transactions` over the file, every transaction built, nothing else;
- reconcile: `reconciliation.bank_file_import` (what `arrears reconcile import` runs): parse, match
  each credit against the expected installments, post every clear match through `payments_post`
  (allocated, on the ledger, audited), store and audit every bank line;
- re-import: the same file again (everything a duplicate, nothing posted).
Then it checks the work: every line matched and posted once, cached balances equal to the ledger.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "arrears.settings")

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
NAMES = ["Maria Bernasconi", "James Smith", "Aiko Tanaka", "Lukas Müller", "Fatima Haddad", "Noah Berg"]


def write_statement(path: Path, installments: list[tuple[str, Decimal, date]], seed: int) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write(
            f"<?xml version='1.0' encoding='UTF-8'?>\n<Document xmlns='{NAMESPACE}'><BkToCstmrStmt>"
            "<GrpHdr><MsgId>RECON-BENCH</MsgId><CreDtTm>2026-11-01T05:00:00+01:00</CreDtTm></GrpHdr>"
            "<Stmt><Id>RECON-STMT</Id><CreDtTm>2026-11-01T05:00:00+01:00</CreDtTm>"
            "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy>"
            "<Svcr><FinInstnId><BICFI>COBADEFFXXX</BICFI></FinInstnId></Svcr></Acct>\n"
        )
        batch: list[str] = []
        for n, (reference, amount, due) in enumerate(installments):
            batch.append(
                f"<Ntry><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
                f"<BookgDt><Dt>{due}</Dt></BookgDt><ValDt><Dt>{due}</Dt></ValDt>"
                f"<AcctSvcrRef>RB{n:09d}</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>E2E-{n:09d}"
                f"</EndToEndId></Refs><RltdPties><Dbtr><Pty><Nm>{rng.choice(NAMES)}</Nm></Pty></Dbtr>"
                f"</RltdPties><RmtInf><Ustrd>Installment for account {reference}, thank you</Ustrd>"
                "</RmtInf></TxDtls></NtryDtls></Ntry>\n"
            )
            if len(batch) == 1000:
                out.write("".join(batch))
                batch.clear()
        out.write("".join(batch) + "</Stmt></BkToCstmrStmt></Document>\n")


def setup(org, client, accounts: int, per_account: int, seed: int) -> list[tuple[str, Decimal, date]]:
    """Accounts, ledger charges, plans and installments in bulk; returns (reference, amount, due)."""
    from arrears.accounts.models import Account
    from arrears.core.bulk import insert_rows
    from arrears.ledger.models import LedgerEntry
    from arrears.payments.models import Installment, PaymentPlan

    rng = random.Random(seed)
    now = datetime.now(tz=UTC)
    amounts = [Decimal(rng.randint(2_000, 40_000)) / 100 for _ in range(accounts)]
    account_ids = insert_rows(
        Account,
        [
            {
                "organization_id": org.pk, "client_id": client.pk, "reference": f"R-{i:06d}",
                "currency": "EUR", "debt_type": "consumer", "status": "on_plan",
                "allocation_order": "fees_first", "interest_rate": 0, "interest_basis": "actual_365",
                "jurisdiction_country": "US", "jurisdiction_state": "", "original_creditor": "",
                "current_creditor": "", "invoice_number": "", "notes": "",
                "balance_principal": amounts[i] * 12, "balance_interest": 0, "balance_fees": 0,
                "balance_costs": 0, "balance_credit": 0, "created_at": now, "updated_at": now,
            }
            for i in range(accounts)
        ],
    )  # fmt: skip
    insert_rows(
        LedgerEntry,
        [
            {
                "organization_id": org.pk, "account_id": pk, "kind": "charge", "bucket": "principal",
                "amount": amounts[i] * 12, "currency": "EUR", "effective_on": date(2026, 9, 1),
                "posted_at": now, "actor_label": "bench", "batch": __import__("uuid").uuid4(),
                "source_type": "bench", "source_id": "setup", "memo": "",
            }
            for i, pk in enumerate(account_ids)
        ],
    )  # fmt: skip
    plan_ids = insert_rows(
        PaymentPlan,
        [
            {
                "organization_id": org.pk, "account_id": pk, "total": amounts[i] * 12, "currency": "EUR",
                "frequency": "custom", "status": "active", "made_on": date(2026, 9, 20), "grace_days": 5,
                "delinquent_after": 1, "broken_after": 2, "late_fee_kind": "", "late_fee_value": 0,
                "confirmation_text": "bench", "confirmation_due_on": date(2026, 9, 25),
                "actor_label": "bench",
                "created_at": now, "updated_at": now,
            }
            for i, pk in enumerate(account_ids)
        ],
    )  # fmt: skip
    expected: list[tuple[str, Decimal, date]] = []
    rows = []
    for i, plan_id in enumerate(plan_ids):
        for k in range(per_account):
            due = date(2026, 10, 1 + (i + k * 3) % 28)
            rows.append(
                {"organization_id": org.pk, "plan_id": plan_id, "seq": 10 + k, "due_on": due,
                 "amount": amounts[i], "status": "due", "late_fee_posted": False}
            )  # fmt: skip
            expected.append((f"R-{i:06d}", amounts[i], due))
    for start in range(0, len(rows), 20_000):
        insert_rows(Installment, rows[start : start + 20_000])
    rng.shuffle(expected)
    return expected


class CpuClock:
    """CPU seconds next to wall time: this process, its finished children (the parse child), and the
    PostgreSQL backend serving it (read from /proc, same host); the machine is shared, so wall time
    alone says little."""

    def __init__(self, backend_pid: int | None) -> None:
        self.backend_pid = backend_pid

    def _backend(self) -> float:
        try:
            with open(f"/proc/{self.backend_pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def read(self) -> tuple[float, float, float, float]:
        me, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return (
            time.perf_counter(),
            me.ru_utime + me.ru_stime,
            children.ru_utime + children.ru_stime,
            self._backend(),
        )

    def since(self, start: tuple[float, float, float, float]) -> str:
        now = self.read()
        wall, main, child, backend = (b - a for a, b in zip(start, now, strict=True))
        return (
            f"wall {wall:.1f}s, CPU: main {main:.1f}s, parse child {child:.1f}s, "
            f"PostgreSQL backend {backend:.1f}s, load {os.getloadavg()[0]:.1f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.entries % args.accounts:
        parser.error("--entries must be a multiple of --accounts")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        print("this benchmark needs PostgreSQL: set DATABASE_URL", file=sys.stderr)
        return 2
    call_command("migrate", verbosity=0)

    from arrears.ledger.selectors import ledger_cache_mismatches
    from arrears.payments.bankfiles import camt
    from arrears.payments.models import BankLine, Payment
    from arrears.payments.reconciliation import bank_file_import
    from arrears.tenancy.domain import system_principal
    from arrears.tenancy.services import client_create, organization_create

    run = datetime.now(tz=UTC).strftime("%Y%m%d%H%M%S")
    org = organization_create(
        slug=f"recon-{run}",
        name="Recon bench",
        kind="agency",
        currency="EUR",
        country="DE",
        timezone="Europe/Berlin",
    )
    actor = system_principal(org.pk, "bench")
    client = client_create(organization=org, code="bench", name="Bench Bank", actor=actor)
    started = time.perf_counter()
    expected = setup(org, client, args.accounts, args.entries // args.accounts, args.seed)
    print(f"setup: {args.accounts:,} accounts, {len(expected):,} installments in "
          f"{time.perf_counter() - started:.1f}s", file=sys.stderr)  # fmt: skip
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"PostgreSQL {connection.cursor().connection.info.server_version}", file=sys.stderr)  # fmt: skip

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        clock = CpuClock(cursor.fetchone()[0])

    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "camt053-reconcile.xml"
        write_statement(path, expected, args.seed)
        data = path.read_bytes()
        print(f"statement: {len(expected):,} entries, {len(data) / 2**20:.1f} MiB", file=sys.stderr)

        load = os.getloadavg()[0]
        start = clock.read()
        parsed = sum(1 for _ in camt.iter_transactions(data))
        parse_s = time.perf_counter() - start[0]
        print(f"parse alone: {parsed:,} transactions; load {load:.1f} before; {clock.since(start)}",
              file=sys.stderr)  # fmt: skip

        load = os.getloadavg()[0]
        start = clock.read()
        summary = bank_file_import(
            organization=org, data=data, file_name=path.name, actor=actor, format="camt053", chunk=args.chunk
        )
        reconcile_s = time.perf_counter() - start[0]
        print(f"reconcile: {summary.as_dict()}; load {load:.1f} before; {clock.since(start)}",
              file=sys.stderr)  # fmt: skip

        start = clock.read()
        again = bank_file_import(
            organization=org, data=data, file_name=path.name, actor=actor, format="camt053"
        )
        again_s = time.perf_counter() - start[0]
        print(f"re-import: {again.as_dict()}; {clock.since(start)}", file=sys.stderr)

    mismatches = list(ledger_cache_mismatches(organization_id=org.pk))
    payments = Payment.objects.filter(organization=org).count()
    lines = BankLine.objects.filter(organization=org).count()
    ok = (
        summary.matched == summary.posted == len(expected)
        and again.duplicates == len(expected)
        and again.posted == 0
        and payments == lines == len(expected)
        and not mismatches
    )
    print(f"checks: payments {payments:,}, bank lines {lines:,}, cache mismatches {len(mismatches)}: "
          f"{'ok' if ok else 'FAILED'}", file=sys.stderr)  # fmt: skip
    print(
        f"parse {parse_s:.1f}s ({parsed / parse_s:,.0f}/s), reconcile {reconcile_s:.1f}s "
        f"({len(expected) / reconcile_s:,.0f}/s), re-import {again_s:.1f}s"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
