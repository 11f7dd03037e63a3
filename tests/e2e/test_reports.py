"""Reports and credit-bureau furnishing from the shell: snapshot, KPIs, Metro 2 export and validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from .conftest import CLIENT, ORG, usage_errors

SAMPLES = Path("/work/shared/samples/metro2")


def test_snapshot_then_kpis_as_of_a_day_for_the_org_and_one_client(database):
    # given
    # Snapshots run forward: the nightly runs of other e2e tests (months ahead) may have taken later days.
    latest = database.value(
        "SELECT max(valid_from) FROM reports_accountsnapshot WHERE organization_id = %s", [database.org_id()]
    )
    today = max(datetime.now(UTC).date().isoformat(), str(latest or "")[:10])
    accounts = database.value(
        "SELECT count(*) FROM accounts_account WHERE organization_id = %s", [database.org_id()]
    )

    # when
    snap = database.ok("reports", "snapshot", "--as-of", today, "--org", ORG, "--json")
    again = database.ok("reports", "snapshot", "--as-of", today, "--org", ORG, "--json")
    org_kpis = database.ok("reports", "kpi", "--as-of", today, "--org", ORG, "--json")
    client_kpis = database.ok("reports", "kpi", "--as-of", today, "--org", ORG, "--client", CLIENT, "--json")
    again_kpis = database.ok("reports", "kpi", "--as-of", today, "--org", ORG, "--json")

    # then
    assert snap.json["accounts"] == again.json["accounts"] == accounts
    stored = database.value(
        "SELECT count(*) FROM reports_accountsnapshot WHERE organization_id = %s AND valid_to IS NULL",
        [database.org_id()],
    )
    assert stored == accounts  # the re-run replaced the day's rows, it did not add to them
    for result in (org_kpis, client_kpis):
        assert result.json["as_of"] == today
        assert {"liquidation_rate", "ptp_kept_rate", "rpc_rate", "dso_countback"} <= set(result.json["kpis"])
    assert org_kpis.json == again_kpis.json
    assert org_kpis.json["figures"]["accounts"] == accounts
    placed = database.value(
        "SELECT sum(amount) FROM ledger_ledgerentry WHERE organization_id = %s AND kind = 'charge'",
        [database.org_id()],
    )
    assert float(org_kpis.json["figures"]["placed"]) == float(placed)


def test_metro2_export_holds_back_passive_collection_and_validates(database, out_dir):
    # given: an account with its original creditor's first delinquency, whose consumer called in and
    # spoke about the debt (Reg F 1006.30(a)(1)(i)); every other account is still held back
    book = out_dir / "furnish.csv"
    book.write_text(
        "account_ref,first_name,last_name,date_of_birth,phone,address_line1,city,state,postal_code,balance,"
        "principal,delinquent_since,original_creditor\n"
        "M2-1,Katherine,Johnson,1960-08-26,(757) 555-0199,1 Langley Rd,Hampton,VA,23681,900,900,2025-06-15,"
        "First E2E Bank\n",
        encoding="utf-8",
    )
    database.ok("import", "accounts", str(book), "--client", CLIENT, "--org", ORG, "--json")
    database.ok(
        "calls",
        "log",
        "--org",
        ORG,
        "--account",
        "M2-1",
        "--number",
        "(757) 555-0199",
        "--direction",
        "inbound",
        "--outcome",
        "right_party_contact",
        "--started-at",
        (datetime.now(UTC) - timedelta(days=1))
        .replace(hour=15, minute=0, second=0, microsecond=0)
        .isoformat(),
    )
    out = out_dir / "metro2.txt"
    today = datetime.now(UTC).date().isoformat()

    # when
    export = database.ok("metro2", "export", "--as-of", today, "--out", str(out), "--org", ORG, "--json")
    check = database.run("metro2", "validate", str(out), "--json")

    # then
    assert export.json["records"] >= 1
    assert export.json["skipped"]["passive_collection"] >= 1
    assert check.returncode == 0, str(check)
    assert check.json == {"records": export.json["records"], "errors": []}
    lines = out.read_text(encoding="latin-1").splitlines()
    assert lines[0][4:10] == "HEADER" and lines[-1][4:11] == "TRAILER"
    m2 = next(line for line in lines[1:-1] if line[42:72].strip() == "M2-1")
    assert (m2[123:125], m2[189:197], m2[72:75]) == ("93", "06152025", "O48")
    assert m2[426:428] == "K1" and m2[428:458].strip() == "FIRST E2E BANK"


def test_metro2_validate_reports_every_error_of_a_real_sample(database):
    # when
    result = database.run("metro2", "validate", str(SAMPLES / "cfpb_m2_file_small.txt"), "--json")

    # then
    assert result.returncode == 1, str(result)
    assert result.json["records"] == 3
    assert len(result.json["errors"]) > 3
    assert {"record", "field", "message"} == set(result.json["errors"][0])


def test_reports_usage_errors(database, out_dir):
    usage_errors(
        database.run_many(
            {
                "bad date": ("reports", "kpi", "--as-of", "2026-13-01", "--org", ORG, "--json"),
                "no such client": (
                    "reports",
                    "kpi",
                    "--as-of",
                    "2026-01-01",
                    "--org",
                    ORG,
                    "--client",
                    "nope",
                ),
                "no such file": ("metro2", "validate", str(out_dir / "missing.txt"), "--json"),
                "no such directory": (
                    "metro2",
                    "export",
                    "--as-of",
                    "2026-01-01",
                    "--out",
                    str(out_dir / "no" / "f.txt"),
                    "--org",
                    ORG,
                ),
            }
        )
    )
