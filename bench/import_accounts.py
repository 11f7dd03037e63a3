"""Account import benchmark: our import next to its two baselines, on the same file, in one run.

    .venv/bin/python bench/import_accounts.py --rows 1000000

1. ours: `arrears import accounts FILE --client bench --json` into a fresh PostgreSQL database
   (validate every row, dedupe debtors, COPY in batches, ledger entries, audit). Wall time and the
   process's peak RSS (from wait4's rusage).
2. the physical limit: `COPY` of the same file into a bare staging table (all text, no index).
3. the floor of our data model: `COPY` of the very rows the import wrote (debtors, contact points,
   address keys, accounts, account-debtor links, ledger entries, audit events, read back from its run)
   into clones of their tables with the same indexes, constraints and foreign keys, in one
   transaction, committed. What no import into this schema can beat on this machine.
4. a naive import: per row, Django ORM lookups and the ordinary services (debtor_create,
   contact_point_add, account_open), on the first --naive-rows rows, scaled to N.
Then it checks the ledger invariant and prints a Markdown table row for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
ARREARS = str(ROOT / ".venv" / "bin" / "arrears")

SETUP = """
from arrears.tenancy.services import organization_create, client_create
from arrears.tenancy.domain import system_principal
org = organization_create(slug="bench", name="Bench", kind="agency", currency="USD", country="US",
                          timezone="America/New_York")
for code in ("bench", "naive"):
    client_create(organization=org, code=code, name=code, actor=system_principal(org.pk, "bench"))
"""

NAIVE = r"""
import csv, sys, time
from itertools import islice
from arrears.ledger.services import account_open
from arrears.core import crypto
from arrears.debtors.models import Debtor
from arrears.debtors.services import contact_point_add, debtor_create
from arrears.imports.domain.mapping import Mapping, resolve_layout
from arrears.imports.domain.records import Record, RowParser
from arrears.tenancy.domain import system_principal
from arrears.tenancy.models import Client

client = Client.objects.get(code="naive")
actor = system_principal(client.organization_id, "naive")
limit = int(sys.argv[1])
with open(sys.argv[2], newline="", encoding="utf-8") as fh:
    reader = csv.reader(fh)
    header = next(reader)
    layout, _ = resolve_layout(header, 1, Mapping())
    parser = RowParser(layout=layout, mapping=Mapping(), country="US", currency="USD", date_order=None)
    start = time.perf_counter()
    for n, values in enumerate(islice(reader, limit), start=2):
        r = parser.parse(n, values)
        if not isinstance(r, Record):
            continue
        debtor = None
        if r.national_id:
            debtor = Debtor.objects.filter(organization_id=client.organization_id,
                national_id_hash=crypto.lookup_hash(r.national_id, purpose="national_id")).first()
        if debtor is None and r.date_of_birth:
            debtor = Debtor.objects.filter(organization_id=client.organization_id, name_key=r.name_key,
                                           date_of_birth=r.date_of_birth).first()
        if debtor is None:
            debtor = debtor_create(organization_id=client.organization_id, actor=actor,
                                   first_name=r.first_name, middle_name=r.middle_name, last_name=r.last_name,
                                   company_name=r.company_name, date_of_birth=r.date_of_birth,
                                   national_id=r.national_id)
        for phone, label in r.phones:
            contact_point_add(debtor=debtor, kind="phone", value=phone, label=label, actor=actor)
        if r.email:
            contact_point_add(debtor=debtor, kind="email", value=r.email, actor=actor)
        if r.address:
            line1, line2, city, state, postal, country = r.address
            contact_point_add(debtor=debtor, kind="address", line1=line1, line2=line2, city=city, state=state,
                              postal_code=postal, country=country, actor=actor)
        account_open(client=client, reference=r.account_ref, debtors=[debtor], currency=r.currency,
                       actor=actor, principal=r.principal, interest=r.interest, fees=r.fees)
    print(time.perf_counter() - start)
"""

CHECK = """
import json
from arrears.accounts.models import Account
from arrears.debtors.models import Debtor, ContactPoint
from arrears.ledger.models import LedgerEntry
from arrears.ledger.selectors import ledger_cache_mismatches
mismatches = sum(1 for _ in ledger_cache_mismatches())
print(json.dumps({"accounts": Account.objects.filter(client__code="bench").count(),
                  "debtors": Debtor.objects.count(), "contact_points": ContactPoint.objects.count(),
                  "ledger_entries": LedgerEntry.objects.count(), "ledger_cache_mismatches": mismatches}))
"""


def django(env: dict[str, str], code: str, *args: str) -> str:
    script = "import django\ndjango.setup()\n"  # DJANGO_SETTINGS_MODULE is in env
    result = subprocess.run(  # noqa: S603 (our own interpreter and scripts)
        [PY, "-c", script + code, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return result.stdout.strip()


def fresh_database(admin_url: str, name: str) -> str:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def copy_baseline(url: str, path: Path) -> float:
    with path.open("rb") as fh:
        header = fh.readline().decode("utf-8-sig").strip().split(",")
    columns = ", ".join(f'"{c}" text' for c in header)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_staging")
        conn.execute(f"CREATE TABLE bench_staging ({columns})")
        start = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy("COPY bench_staging FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as fh,
        ):
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        elapsed = time.perf_counter() - start
        conn.execute("DROP TABLE bench_staging")
    return elapsed


# The tables an import fills, parents first; each is cloned into the schema `floor`.
FLOOR_TABLES = (
    "debtors_debtor",
    "debtors_contactpoint",
    "imports_addresskey",
    "accounts_account",
    "accounts_accountdebtor",
    "ledger_ledgerentry",
    "audit_auditevent",
)


def floor_schema(conn: psycopg.Connection) -> None:
    """Empty clones of FLOOR_TABLES in the schema `floor`: `LIKE … INCLUDING ALL` (columns, defaults,
    NOT NULL and CHECK constraints, every index, unique and partial ones included) and the same foreign
    keys, deferred as Django declares them, pointing at the clones where the parent is cloned too."""
    conn.execute("DROP SCHEMA IF EXISTS floor CASCADE")
    conn.execute("CREATE SCHEMA floor")
    for table in FLOOR_TABLES:
        conn.execute(f"CREATE TABLE floor.{table} (LIKE public.{table} INCLUDING ALL)")
    for table in FLOOR_TABLES:
        keys = conn.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [f"public.{table}"],
        ).fetchall()
        for name, definition in keys:
            parent = definition.split("REFERENCES ", 1)[1].split("(", 1)[0].strip()
            if parent in FLOOR_TABLES:
                definition = definition.replace(f"REFERENCES {parent}(", f"REFERENCES floor.{parent}(")
            conn.execute(f'ALTER TABLE floor.{table} ADD CONSTRAINT "{name}" {definition}')


def data_model_floor(url: str, folder: Path) -> tuple[float, dict[str, int]]:
    """Seconds to `COPY` the rows the import wrote into clones of its tables (`floor_schema`) in one
    transaction, commit included, and how many rows of each. The rows are read back first (binary
    `COPY … TO`, into files), so that the timed part is the load alone."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for table in FLOOR_TABLES:
            with (
                (folder / f"{table}.bin").open("wb") as out,
                conn.cursor() as cur,
                cur.copy(f"COPY public.{table} TO STDOUT (FORMAT binary)") as copy,
            ):
                for data in copy:
                    out.write(data)
            counts[table] = conn.execute(f"SELECT count(*) FROM public.{table}").fetchone()[0]  # noqa: S608
        floor_schema(conn)
        conn.execute("CHECKPOINT")
    with psycopg.connect(url) as conn:
        start = time.perf_counter()
        with conn.cursor() as cur:
            for table in FLOOR_TABLES:
                with (
                    cur.copy(f"COPY floor.{table} FROM STDIN (FORMAT binary)") as copy,
                    (folder / f"{table}.bin").open("rb") as fh,
                ):
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
        conn.commit()  # the deferred foreign keys are checked here
        elapsed = time.perf_counter() - start
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA floor CASCADE")
    for table in FLOOR_TABLES:
        (folder / f"{table}.bin").unlink()
    return elapsed, counts


def postgres_cpu_seconds() -> float:
    """CPU seconds used so far by every PostgreSQL server process on this machine (backends, WAL writer,
    checkpointer, autovacuum): the database's share of an import, read from /proc before and after.
    Includes other clients' work, so it is exact only on an otherwise idle server. A backend that has
    ended counts through the postmaster's cutime/cstime (it reaped it), so those are summed too."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        name, rest = text[text.index("(") + 1 :].split(")", 1)
        if name.startswith("postgres"):
            fields = rest.split()
            total += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def timed_child(argv: list[str], env: dict[str, str]) -> tuple[float, int, str, float]:
    """Wall seconds, peak RSS in bytes, stdout and CPU seconds (the child and its workers, from wait4's
    rusage) of a child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.PIPE)  # noqa: S603 (argv built here)
    out = proc.stdout.read().decode() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} exited {proc.returncode}")
    return elapsed, usage.ru_maxrss * 1024, out, usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--file", type=Path, help="default: var/bench/accounts-<rows>.csv (generated if missing)"
    )
    parser.add_argument("--naive-rows", type=int, default=10_000)
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("BENCH_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres"),
    )
    parser.add_argument("--database", default="arrears_bench_imports")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "import_accounts.json")
    args = parser.parse_args(argv)

    path = args.file or ROOT / "var" / "bench" / f"accounts-{args.rows}.csv"
    if not path.exists():
        subprocess.run(  # noqa: S603 (our generator)
            [PY, str(ROOT / "bench" / "gen_accounts.py"), "--rows", str(args.rows), "--out", str(path)],
            check=True,
        )
    url = fresh_database(args.admin_url, args.database)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "arrears.settings"}
    subprocess.run([PY, "manage.py", "migrate", "-v0"], env=env, cwd=ROOT, check=True)  # noqa: S603
    django(env, SETUP)

    print(f"ours: importing {args.rows:,} rows …", file=sys.stderr)
    # --skip-invalid: a generated row the checks refuse (it happens: usaddress on an odd street) is
    # reported below instead of voiding the run.
    argv = [ARREARS, "import", "accounts", str(path), "--client", "bench", "--json", "--skip-invalid"]
    load_before = os.getloadavg()[0]
    pg_before = postgres_cpu_seconds()
    ours, peak, out, ours_cpu = timed_child(argv, env)
    pg_cpu = postgres_cpu_seconds() - pg_before
    load_after = os.getloadavg()[0]
    summary = json.loads(out)
    errors = summary.pop("errors")
    if summary["rows"] != args.rows or summary["rejected"] > args.rows // 1000:
        raise SystemExit(f"the file did not import whole ({summary}, {errors[:5]}): regenerate it")
    if errors:
        print(f"rejected rows: {errors[:10]}", file=sys.stderr)
    print(
        f"ours: {ours:.1f} s, {args.rows / ours:,.0f} rows/s, peak {peak / 2**20:.0f} MB; CPU per row: "
        f"{ours_cpu / args.rows * 1e6:.0f} µs in Python (importer and parse workers), "
        f"{pg_cpu / args.rows * 1e6:.0f} µs in PostgreSQL; load {load_before:.1f} → {load_after:.1f}; "
        f"{summary}",
        file=sys.stderr,
    )
    check = json.loads(django(env, CHECK))
    print(f"check: {check}", file=sys.stderr)
    print("COPY baseline …", file=sys.stderr)
    copy_seconds = copy_baseline(url, path)
    print(f"COPY: {copy_seconds:.2f} s, ours/COPY = {ours / copy_seconds:.1f}", file=sys.stderr)
    print("data-model floor: COPY of the rows the import wrote into clones of its tables …", file=sys.stderr)
    floor_load = os.getloadavg()[0]
    floor_seconds, floor_rows = data_model_floor(url, ROOT / "var" / "bench" / "floor")
    print(
        f"floor: {floor_seconds:.1f} s for {floor_rows}, ours/floor = {ours / floor_seconds:.2f}; "
        f"load {floor_load:.1f} → {os.getloadavg()[0]:.1f}",
        file=sys.stderr,
    )
    naive_seconds = naive_scaled = 0.0
    if args.naive_rows:
        print(f"naive ORM, {args.naive_rows:,} rows …", file=sys.stderr)
        naive_seconds = float(django(env, NAIVE, str(args.naive_rows), str(path)).splitlines()[-1])
        naive_scaled = naive_seconds * args.rows / args.naive_rows

    result = {
        "rows": args.rows,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "ours_seconds": round(ours, 1),
        "ours_rows_per_second": round(args.rows / ours),
        "ours_peak_rss_mb": round(peak / 2**20),
        "ours_python_cpu_us_per_row": round(ours_cpu / args.rows * 1e6),
        "postgres_cpu_us_per_row": round(pg_cpu / args.rows * 1e6),
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "copy_seconds": round(copy_seconds, 2),
        "ours_over_copy": round(ours / copy_seconds, 1),
        "floor_seconds": round(floor_seconds, 2),
        "floor_rows": floor_rows,
        "ours_over_floor": round(ours / floor_seconds, 2),
        "naive_rows": args.naive_rows,
        "naive_seconds": round(naive_seconds, 1),
        "naive_scaled_seconds": round(naive_scaled),
        "speedup_over_naive": round(naive_scaled / ours, 1),
        "summary": summary,
        "check": check,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{round(os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30)} GiB RAM, "
        f"Python {platform.python_version()}",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))
    print(
        f"| {args.rows:,} | {result['ours_seconds']} s | {result['ours_rows_per_second']:,} rows/s | "
        f"{result['ours_peak_rss_mb']} MB | {result['copy_seconds']} s | ×{result['ours_over_copy']} | "
        f"{result['floor_seconds']} s | ×{result['ours_over_floor']} | "
        f"{naive_scaled:,.0f} s (from {args.naive_rows:,}) | ×{result['speedup_over_naive']} |"
    )
    if check["ledger_cache_mismatches"]:
        raise SystemExit("ledger invariant broken")


if __name__ == "__main__":
    main()
