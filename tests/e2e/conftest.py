"""End to end: every command in README.md as a real subprocess, against a real, committed database.

pytest-django wraps each test in a transaction, which hides a missing `atomic` block (PostgreSQL refuses
`SELECT … FOR UPDATE` outside one). These tests never use its `db` fixture: each database is created
here, migrated and seeded once per session by the `arrears` command itself, and read back through a plain
sqlite3 or psycopg connection, never through Django's test database.

Databases: SQLite (a temporary file) always, and PostgreSQL when its server answers. The server is the
one of `ARREARS_E2E_PG_URL`, else of `DATABASE_URL` when that is PostgreSQL, else
postgres://postgres@127.0.0.1:5432/arrears; the fixture creates `<database>_e2e_<random>` on it and drops
it afterwards. `ARREARS_E2E_DATABASES=sqlite` (or `postgres`) picks one (CI's passes each test their own).
The PostgreSQL variant skips, with the reason, only when nothing asked for PostgreSQL and it is not there.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[2]
DEMO_ACCOUNTS = 30  # `arrears demo --seed-only` seeds 2,000 by default: minutes; 30 cover every status path
ORG = "e2e"
CLIENT = "bank"
TIMINGS: list[tuple[str, str, int, float]] = []  # (database, command, exit code, seconds)


def pytest_collection_modifyitems(items) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


def _backends() -> list[str]:
    chosen = os.environ.get("ARREARS_E2E_DATABASES", "sqlite,postgres")
    return [b.strip() for b in chosen.split(",") if b.strip() in ("sqlite", "postgres")]


def _pg_server_url() -> tuple[str, bool]:
    """The PostgreSQL URL to create databases beside, and whether PostgreSQL was asked for."""
    if explicit := os.environ.get("ARREARS_E2E_PG_URL"):
        return explicit, True
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url, True
    asked = os.environ.get("ARREARS_E2E_DATABASES", "") != ""
    return "postgres://postgres@127.0.0.1:5432/arrears", asked


@dataclass
class Result:
    args: Sequence[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError:
            pytest.fail(f"`arrears {' '.join(self.args)}` printed no JSON:\n{self.stdout}\n{self.stderr}")

    def __str__(self) -> str:
        return (
            f"`arrears {' '.join(self.args)}` exited {self.returncode}\n"
            f"--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"
        )


@dataclass
class Database:
    """One committed database, with the environment that points the `arrears` command at it."""

    vendor: str  # "sqlite" or "postgresql"
    url: str
    var_dir: Path
    setup: dict[str, Result] = field(default_factory=dict)

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_SETTINGS"))}
        env.update(
            DATABASE_URL=self.url,
            ARREARS_VAR_DIR=str(self.var_dir),  # secrets, media and static files of this run only
            DJANGO_SETTINGS_MODULE="arrears.settings",
            PYTHONUNBUFFERED="1",
            LOG_LEVEL="WARNING",
        )
        env.update(extra)
        return env

    def command(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "arrears.cli", *args]

    def run(self, *args: str, stdin: str | None = None, timeout: float = 300, **env: str) -> Result:
        started = time.monotonic()
        done = subprocess.run(  # noqa: S603 (our own entry point, arguments from the tests)
            self.command(*args),
            input=stdin,
            capture_output=True,
            text=True,
            cwd=REPO,
            env=self.env(**env),
            timeout=timeout,
            check=False,
        )
        result = Result(list(args), done.returncode, done.stdout, done.stderr, time.monotonic() - started)
        TIMINGS.append((self.vendor, " ".join(args[:2]), done.returncode, result.seconds))
        return result

    def run_many(self, cases: dict[str, Sequence[str]]) -> dict[str, Result]:
        """Commands that change nothing (refused input), side by side: the process start dominates."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
            futures = {name: pool.submit(self.run, *args) for name, args in cases.items()}
        return {name: future.result() for name, future in futures.items()}

    def ok(self, *args: str, **kwargs: Any) -> Result:
        """Run a command that must succeed, with no traceback on the way."""
        result = self.run(*args, **kwargs)
        assert result.returncode == 0, str(result)
        assert "Traceback" not in result.stderr, str(result)
        return result

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(  # noqa: S603 (our own entry point, arguments from the tests)
            self.command(*args),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            cwd=REPO,
            env=self.env(**env),
        )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Read the committed database through a plain connection (`%s` placeholders on both)."""
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.var_dir / "arrears.sqlite3")
            try:
                return conn.execute(sql.replace("%s", "?"), params).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(_conninfo(self.url), autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Write behind the application's back (a test that tampers, then puts things back)."""
        if self.vendor == "sqlite":
            conn = sqlite3.connect(self.var_dir / "arrears.sqlite3")
            try:
                with conn:
                    conn.execute(sql.replace("%s", "?"), params)
            finally:
                conn.close()
            return
        import psycopg

        with psycopg.connect(_conninfo(self.url), autocommit=True) as conn:
            # As a superuser would: past the triggers that refuse UPDATE and DELETE on the append-only
            # tables (docs/security.md), so the tests show what verification still catches.
            conn.execute("SET session_replication_role = replica")
            conn.execute(sql, params)  # type: ignore[arg-type]

    def value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        assert len(rows) == 1, f"{sql} {params}: {rows}"
        return rows[0][0]

    def org_id(self, slug: str = ORG) -> int:
        return int(self.value("SELECT id FROM tenancy_organization WHERE slug = %s", [slug]))


def _conninfo(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def usage_error(result: Result) -> str:
    """Exit 2 with a one-line message on stderr and no traceback; returns the message."""
    assert result.returncode == 2, str(result)
    assert "Traceback" not in result.stderr, str(result)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr:\n{result}"
    return lines[0]


@pytest.fixture(scope="session", params=_backends())
def database(request, tmp_path_factory) -> Iterator[Database]:
    """A migrated database with the demo portfolio and the e2e organization, made by `arrears` itself."""
    var_dir = tmp_path_factory.mktemp(f"e2e-{request.param}")
    if request.param == "sqlite":
        yield _prepared(Database("sqlite", f"sqlite:///{var_dir / 'arrears.sqlite3'}", var_dir))
        return
    import psycopg

    server, asked = _pg_server_url()
    admin = _conninfo(_with_database(server, "postgres"))
    try:
        psycopg.connect(admin, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        if asked:
            pytest.fail(f"PostgreSQL at {urlsplit(server).hostname}: {exc}")
        pytest.skip(f"PostgreSQL variant: no server at {urlsplit(server).netloc} ({str(exc).strip()})")
    base = urlsplit(server).path.strip("/") or "arrears"
    name = f"{base}_e2e_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _prepared(Database("postgresql", _with_database(server, name), var_dir))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


IMPORT_HEADER = (
    "account_ref,first_name,last_name,date_of_birth,email,phone,address_line1,city,state,postal_code,"
    "balance,principal,interest,interest_rate,notes\n"
)
# The e2e organization's book: each test works its own accounts, so the tests do not depend on order.
IMPORT_ROWS = (
    "PAY-1,Ada,Lovelace,1980-01-02,ada@example.com,(212) 555-0142,12 Main St,New York,NY,10001,"
    "1200.50,1000,200.50,,\n"
    "PROM-1,Grace,Hopper,1975-05-06,grace@example.com,(212) 555-0143,14 Main St,New York,NY,10001,"
    "500,500,,,\n"
    "PLAN-1,Alan,Turing,1970-07-08,alan@example.com,(212) 555-0144,16 Main St,New York,NY,10001,"
    "600,600,,,\n"
    "CALL-1,Edsger,Dijkstra,1965-03-04,edsger@example.com,(212) 555-0145,18 Main St,New York,NY,10001,"
    "700,700,,,\n"
    "REC-1,Barbara,Liskov,1972-11-12,barbara@example.com,(212) 555-0146,20 Main St,New York,NY,10001,"
    "800,800,,,\n"
    "A-1,Jane,Roe,1981-01-01,,(305) 555-0101,1 Bay St,Miami,FL,33101,123.54,123.54,,,\n"
    "A-2,John,Poe,1982-02-02,,(305) 555-0102,2 Bay St,Miami,FL,33101,50.00,50.00,,,\n"
    "A-3,Jim,Moe,1983-03-03,,(305) 555-0103,3 Bay St,Miami,FL,33101,45.65,45.65,,,\n"
    "DUP-1,Jon,Smith,,,,5 Oak Ave,Springfield,IL,62704,50,50,,,\n"
    "DUP-2,John,Smith,,,,5 Oak Avenue,Springfield,IL,62704,60,60,,,\n"
)


def _prepared(db: Database) -> Database:
    """The README's `make run` path (migrate, demo --seed-only), then an organization, a client, a book."""
    db.setup["migrate"] = db.ok("migrate", "--no-input")
    db.setup["demo"] = db.ok("demo", "--seed-only", "--accounts", str(DEMO_ACCOUNTS))
    db.setup["org"] = db.ok(
        "org",
        "create",
        "--slug",
        ORG,
        "--name",
        "E2E Recovery",
        "--kind",
        "agency",
        "--currency",
        "USD",
        "--country",
        "US",
        "--timezone",
        "America/New_York",
        "--json",
    )
    db.setup["client"] = db.ok(
        "client", "create", "--org", ORG, "--code", CLIENT, "--name", "First E2E Bank", "--json"
    )
    book = db.var_dir / "book.csv"
    book.write_text(IMPORT_HEADER + IMPORT_ROWS, encoding="utf-8")
    db.setup["import"] = db.ok("import", "accounts", str(book), "--client", CLIENT, "--org", ORG, "--json")
    return db


@pytest.fixture
def out_dir(database: Database, request) -> Path:
    path = database.var_dir / "out" / request.node.name.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path


def usage_errors(results: dict[str, Result]) -> None:
    """Every result is a one-line usage error; all failures are reported at once."""
    failures = []
    for name, result in results.items():
        try:
            usage_error(result)
        except AssertionError as exc:
            failures.append(f"{name}: {exc}")
    assert not failures, "\n\n".join(failures)


def books_balance(database: Database) -> None:
    """After money moved: the ledger reconciles and the audit chain holds, as the commands report it."""
    checks = database.run_many(
        {"ledger": ("ledger", "check", "--json"), "audit": ("audit", "verify", "--json")}
    )
    assert checks["ledger"].returncode == 0, str(checks["ledger"])
    assert checks["ledger"].json == {"ok": True, "mismatches": []}
    assert checks["audit"].returncode == 0, str(checks["audit"])
    assert checks["audit"].json["ok"] is True


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    if not TIMINGS:
        return
    totals: dict[tuple[str, str], list[float]] = {}
    for vendor, command, _, seconds in TIMINGS:
        totals.setdefault((vendor, command), []).append(seconds)
    terminalreporter.section("e2e: `arrears` subprocess time per command")
    for vendor in sorted({v for v, _ in totals}):
        spent = sum(sum(s) for (v, _), s in totals.items() if v == vendor)
        terminalreporter.write_line(
            f"{vendor}: {spent:.1f} s in {sum(1 for t in TIMINGS if t[0] == vendor)} runs"
        )
        for (v, command), seconds in sorted(totals.items()):
            if v == vendor:
                terminalreporter.write_line(
                    f"  {command:<32} {len(seconds):>3} × {sum(seconds) / len(seconds):5.1f} s"
                )
