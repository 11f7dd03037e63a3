"""The book and the law: import, debtors merge/unmerge, compliance, calls, evidence."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from .conftest import CLIENT, IMPORT_HEADER, ORG, books_balance, usage_errors

IMPORT_KEYS = {
    "rows",
    "accounts_created",
    "accounts_updated",
    "debtors_created",
    "debtors_matched",
    "contact_points_created",
    "rejected",
    "written",
    "errors",
    "merge_candidates",
}


def _accounts(database) -> int:
    return database.value(
        "SELECT count(*) FROM accounts_account WHERE organization_id = %s", [database.org_id()]
    )


def test_import_accounts_committed_the_book(database):
    # given: imported by the session fixture
    summary = database.setup["import"].json

    # then
    assert set(summary) == IMPORT_KEYS
    assert (summary["rows"], summary["accounts_created"], summary["rejected"], summary["written"]) == (
        10,
        10,
        0,
        True,
    )
    assert database.value(
        "SELECT balance_principal FROM accounts_account WHERE reference = 'A-1' AND organization_id = %s",
        [database.org_id()],
    ) in (123.54, Decimal("123.54"))


def test_import_dry_run_writes_nothing_and_a_rejected_row_exits_1(database, out_dir):
    # given
    good = out_dir / "more.csv"
    good.write_text(IMPORT_HEADER + "NEW-1,Katherine,Johnson,,,,,,,,75,75,,,\n", encoding="utf-8")
    bad = out_dir / "bad.csv"
    bad.write_text(
        IMPORT_HEADER + "NEW-2,Mary,Jackson,,,,,,,,80,80,,,\nNEW-3,Dorothy,Vaughan,,not-an-email,,,,,,"
        '"12,34.5x",,,,\n',
        encoding="utf-8",
    )
    before = _accounts(database)
    args = ("import", "accounts", "--client", CLIENT, "--org", ORG, "--json")

    # when
    dry = database.ok(*args[:2], str(good), *args[2:], "--dry-run")
    rejected = database.run(*args[:2], str(bad), *args[2:])
    skipped = database.run(*args[:2], str(bad), *args[2:], "--skip-invalid")

    # then: the dry run and the all-or-nothing import write nothing; --skip-invalid writes the good row
    assert (dry.json["accounts_created"], dry.json["written"]) == (1, False)
    assert rejected.returncode == 1, str(rejected)
    assert rejected.json["rejected"] == 1 and rejected.json["written"] is False
    assert {e["row"] for e in rejected.json["errors"]} == {3}
    assert {e["column"] for e in rejected.json["errors"]} >= {"balance"}
    assert skipped.returncode == 1, str(skipped)
    assert skipped.json["accounts_created"] == 1
    assert _accounts(database) == before + 1
    books_balance(database)


def test_debtors_merge_then_unmerge(database):
    # given: DUP-1 (Jon Smith, 5 Oak Ave) and DUP-2 (John Smith, 5 Oak Avenue), one person imported twice
    org = database.org_id()
    ids = dict(
        database.query(
            "SELECT a.reference, d.debtor_id FROM accounts_account a "
            "JOIN accounts_accountdebtor d ON d.account_id = a.id "
            "WHERE a.organization_id = %s AND a.reference IN ('DUP-1', 'DUP-2')",
            [org],
        )
    )
    keep, merged = str(ids["DUP-1"]), str(ids["DUP-2"])

    # when
    merge = database.ok("debtors", "merge", keep, merged, "--org", ORG, "--json")
    after_merge = dict(
        database.query(
            "SELECT a.reference, d.debtor_id FROM accounts_account a "
            "JOIN accounts_accountdebtor d ON d.account_id = a.id WHERE a.reference IN ('DUP-1', 'DUP-2') "
            "AND a.organization_id = %s",
            [org],
        )
    )
    unmerge = database.ok("debtors", "unmerge", str(merge.json["merge"]), "--org", ORG, "--json")

    # then
    assert (merge.json["kept"], merge.json["merged"], merge.json["undone"]) == (int(keep), int(merged), False)
    assert after_merge == {"DUP-1": int(keep), "DUP-2": int(keep)}
    assert unmerge.json["undone"] is True
    assert database.value(
        "SELECT d.debtor_id FROM accounts_account a JOIN accounts_accountdebtor d ON d.account_id = a.id "
        "WHERE a.reference = 'DUP-2' AND a.organization_id = %s",
        [org],
    ) == int(merged)
    books_balance(database)


def test_compliance_evaluate_and_validation_period(database, out_dir):
    # given
    scenario = {"now": "2026-03-10T16:00:00Z", "action": {"channel": "letter"}, "debt": {"id": "D1"}}
    path = out_dir / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")

    # when
    from_file = database.ok("compliance", "evaluate", str(path))
    from_stdin = database.ok("compliance", "evaluate", "-", stdin=json.dumps(scenario))
    period = database.ok("compliance", "validation-period", "--provided-on", "2026-12-21")

    # then
    assert from_file.json == from_stdin.json
    assert list(from_file.json) == ["allowed", "reasons", "requirements", "next_allowed_at"]
    assert from_file.json["allowed"] is True
    assert period.json and "2026-12-21" in json.dumps(period.json)


def test_compliance_check_and_validation_notice_are_stored(database, out_dir):
    # given
    pdf = out_dir / "notice.pdf"

    # when
    check = database.ok("compliance", "check", "--org", ORG, "--account", "CALL-1", "--channel", "letter")
    # the demo's accounts carry the itemization date a notice states (the imported ones have none)
    notice = database.ok(
        "compliance",
        "validation-notice",
        "--org",
        "demo",
        "--account",
        "NOR-100000",
        "--out",
        str(pdf),
        "--record",
    )

    # then
    assert set(check.json) == {"allowed", "reasons", "requirements", "next_allowed_at", "decision_id"}
    assert (
        database.value("SELECT count(*) FROM compliance_decision WHERE id = %s", [check.json["decision_id"]])
        == 1
    )
    assert notice.json["recorded"] is True and notice.json["bytes"] > 1000
    assert pdf.read_bytes().startswith(b"%PDF")
    assert (
        database.value(
            "SELECT count(*) FROM compliance_validationnotice v "
            "JOIN accounts_account a ON a.id = v.account_id "
            "WHERE a.reference = 'NOR-100000' AND a.organization_id = %s",
            [database.org_id("demo")],
        )
        == 1
    )


def _weekday_afternoon_utc(days_back: int) -> datetime:
    """19:00 UTC (afternoon in New York) on a weekday some days ago."""
    day = datetime.now(UTC).date() - timedelta(days=days_back)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return datetime(day.year, day.month, day.day, 19, 0, tzinfo=UTC)


def test_calls_log_an_allowed_call_a_blocked_call_and_the_evidence_packet(database, out_dir):
    # given
    base = (
        "calls",
        "log",
        "--org",
        ORG,
        "--account",
        "CALL-1",
        "--number",
        "(212) 555-0145",
        "--direction",
        "outbound",
        "--outcome",
        "no_answer",
    )
    at_night = _weekday_afternoon_utc(3).replace(hour=7)  # 02:00 or 03:00 in New York
    pdf = out_dir / "evidence.pdf"

    # when
    allowed = database.run(*base, "--started-at", _weekday_afternoon_utc(2).isoformat(), "--json")
    blocked = database.run(*base, "--started-at", at_night.isoformat(), "--json")
    evidence = database.ok("evidence", "--org", ORG, "--account", "CALL-1", "--out", str(pdf), "--json")

    # then
    assert allowed.returncode == 0, str(allowed)
    assert allowed.json["attempt_id"]
    assert blocked.returncode == 1, str(blocked)
    assert blocked.json["decision"]["allowed"] is False and blocked.stderr.strip()
    attempts = database.value(
        "SELECT count(*) FROM contact_contactattempt_accounts c "
        "JOIN accounts_account a ON a.id = c.account_id "
        "WHERE a.reference = 'CALL-1' AND a.organization_id = %s",
        [database.org_id()],
    )
    assert attempts == 2  # the blocked call is logged too, with its decision
    assert pdf.read_bytes().startswith(b"%PDF") and evidence.json["bytes"] == pdf.stat().st_size
    assert evidence.json["contacts"] >= 2 and evidence.json["audit_chain_ok"] is True


def test_bad_input_is_a_one_line_usage_error(database, out_dir):
    missing = str(out_dir / "missing.file")
    cases = {
        "import missing file": ("import", "accounts", missing, "--client", CLIENT, "--org", ORG),
        "import unknown client": (
            "import",
            "accounts",
            str(database.var_dir / "book.csv"),
            "--client",
            "nope",
            "--org",
            ORG,
        ),
        "merge unknown debtors": ("debtors", "merge", "999999", "999998", "--org", ORG),
        "unmerge unknown merge": ("debtors", "unmerge", "999999", "--org", ORG),
        "evaluate missing file": ("compliance", "evaluate", missing),
        "validation period malformed date": (
            "compliance",
            "validation-period",
            "--provided-on",
            "21/12/2026",
        ),
        "check unknown account": (
            "compliance",
            "check",
            "--org",
            ORG,
            "--account",
            "NO-SUCH",
            "--channel",
            "call",
        ),
        "notice malformed date": (
            "compliance",
            "validation-notice",
            "--org",
            ORG,
            "--account",
            "CALL-1",
            "--out",
            missing,
            "--provided-on",
            "2026-02-30",
        ),
        "calls unknown account": (
            "calls",
            "log",
            "--org",
            ORG,
            "--account",
            "NO-SUCH",
            "--number",
            "2125550145",
            "--direction",
            "outbound",
            "--outcome",
            "no_answer",
            "--started-at",
            "2026-01-05T19:00:00Z",
        ),
        "calls malformed instant": (
            "calls",
            "log",
            "--org",
            ORG,
            "--account",
            "CALL-1",
            "--number",
            "2125550145",
            "--direction",
            "outbound",
            "--outcome",
            "no_answer",
            "--started-at",
            "2026-01-05 19:00",
        ),
        "calls missing recording": (
            "calls",
            "log",
            "--org",
            ORG,
            "--account",
            "CALL-1",
            "--number",
            "2125550145",
            "--direction",
            "outbound",
            "--outcome",
            "no_answer",
            "--started-at",
            "2026-01-05T19:00:00Z",
            "--recording",
            missing,
        ),
        "evidence unknown account": ("evidence", "--org", ORG, "--account", "NO-SUCH", "--out", missing),
        # issue 18: --org may be left out when what the command names is in one organization only;
        # a client code in two organizations is ambiguous (the twins made below, so that CLIENT, which
        # other tests name without --org, stays in one organization)
        "no --org, client code in two organizations": (
            "import",
            "accounts",
            str(database.var_dir / "book.csv"),
            "--client",
            "twin-bank",
        ),
    }
    twins = ("e2e-twin-a", "e2e-twin-b")
    for twin in twins:
        if not database.value("SELECT count(*) FROM tenancy_organization WHERE slug = %s", [twin]):
            database.ok(
                "org", "create", "--slug", twin, "--name", twin, "--kind", "agency", "--currency", "USD",
                "--country", "US", "--timezone", "America/New_York", "--json",
            )  # fmt: skip
            database.ok("client", "create", "--org", twin, "--code", "twin-bank", "--name", "Twin", "--json")
    before = database.value("SELECT count(*) FROM contact_contactattempt")

    # when
    results = database.run_many(cases)

    # then
    usage_errors(results)
    ambiguous = results["no --org, client code in two organizations"].stderr
    assert all(twin in ambiguous for twin in twins)
    # and an account reference in one organization only needs no --org
    database.ok("evidence", "--account", "CALL-1", "--out", missing)
    assert database.value("SELECT count(*) FROM contact_contactattempt") == before
