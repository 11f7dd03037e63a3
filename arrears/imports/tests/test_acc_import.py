"""The account import end to end through `arrears import accounts`: the CLI contract of issue 4."""

import json
from datetime import date
from decimal import Decimal

import pytest

from arrears.accounts.models import Account, AccountDebtor
from arrears.audit.models import AuditEvent
from arrears.cli import main
from arrears.debtors.models import ContactPoint, Debtor, MergeCandidate
from arrears.imports.models import ImportJob
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.models import LedgerEntry
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.ledger.services import EntrySpec, ledger_post
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

CONTRACT_KEYS = [
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
]

HEADER = "account_ref,first_name,last_name,date_of_birth,email,phone,address_line1,city,state,postal_code,balance,principal,interest,notes\n"  # noqa: E501
GOOD = (
    HEADER
    + "A1,Jane,Doe,1980-01-02,jane@example.com,(212) 555-0142,"
    + '12 Main St,New York,NY,10001,"$1,200.50",1000,200.50,\n'
    + 'A2,JANE, doe ,,,212.555.0142,,,,,300,,,"two\nlines"\n'
    + 'A3,Jon,Smith,,,,"5 Oak Ave, Springfield, IL 62704",,,,50,,,\n'
    + "A4,John,Smith,,,,5 Oak Avenue,Springfield,IL,62704,60,,,\n"
)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """`arrears …` closes database connections when a command ends; the test's must stay open."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(capsys, path, *args):
    """Run the CLI as `arrears import accounts …`; return (exit code, parsed JSON or None, stderr)."""
    try:
        main(["import", "accounts", str(path), "--client", "bank", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in args and out.strip() else None), err


def table_counts():
    return {
        m.__name__: m.objects.count() for m in (Account, AccountDebtor, Debtor, ContactPoint, LedgerEntry)
    }


@pytest.fixture
def csv_file(tmp_path):
    def write(text, name="accounts.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return write


def test_a_clean_file_imports_every_row_and_prints_the_contract(client_, csv_file, capsys):
    # given a clean file in which two rows are one person and two are look-alikes
    path = csv_file(GOOD)

    # when it is imported
    code, summary, _ = run(capsys, path, "--json")

    # then the JSON has exactly the contract's keys, the counts add up, and the ledger holds
    assert code == 0
    assert list(summary) == CONTRACT_KEYS
    assert summary == {
        "rows": 4,
        "accounts_created": 4,
        "accounts_updated": 0,
        "debtors_created": 3,
        "debtors_matched": 1,
        "contact_points_created": 5,
        "rejected": 0,
        "written": True,
        "errors": [],
        "merge_candidates": 1,
    }
    assert list(ledger_cache_mismatches()) == []
    jane = Debtor.objects.get(name_key="jane doe")
    assert (jane.first_name, jane.last_name) == ("Jane", "Doe")  # stored as given by the first row
    assert sorted(jane.accounts.values_list("reference", flat=True)) == ["A1", "A2"]
    a1 = Account.objects.get(reference="A1")
    assert (a1.balance_principal, a1.balance_interest) == (Decimal("1000"), Decimal("200.50"))
    assert set(LedgerEntry.objects.filter(account=a1).values_list("memo", flat=True)) == {"opening balance"}
    assert AuditEvent.objects.filter(event="import.completed").count() == 1
    assert Account.objects.get(reference="A2").notes == "two\nlines"


def test_one_invalid_row_means_nothing_is_written(client_, csv_file, capsys):
    # given a file whose fourth row (a multi-line row comes before it) has a bad amount
    path = csv_file(GOOD + 'A5,Bad,Row,,,,,,,,"12,34.5x",,,\n')
    before = table_counts()

    # when it is imported
    code, summary, _ = run(capsys, path, "--json")

    # then exit 1, every error with its spreadsheet row, and no row written
    assert code == 1
    assert summary["written"] is False
    assert (summary["rows"], summary["rejected"], summary["accounts_created"]) == (5, 1, 0)
    assert summary["errors"] == [
        {"row": 6, "column": "balance", "value": "12,34.5x", "message": "not an amount"}
    ]
    assert table_counts() == before


def test_skip_invalid_writes_the_valid_rows_and_reports_the_rest(client_, csv_file, capsys):
    path = csv_file(GOOD + 'A5,Bad,Row,,not-an-email,,,,,,"12,34.5x",,,\n')

    code, summary, _ = run(capsys, path, "--json", "--skip-invalid")

    assert code == 1
    assert (summary["accounts_created"], summary["rejected"], summary["written"]) == (4, 1, True)
    assert {(e["row"], e["column"]) for e in summary["errors"]} == {(6, "balance"), (6, "email")}
    assert not Account.objects.filter(reference="A5").exists()


@pytest.mark.parametrize("code", ["XYZ", "XAU"])
def test_a_currency_not_in_iso_4217_is_a_row_error_naming_row_and_column(client_, csv_file, capsys, code):
    # given a file with a currency column whose third row names a code that is no currency for money
    path = csv_file(
        "account_ref,first_name,last_name,balance,currency\n"
        "C1,Jane,Doe,100,USD\n"
        "C2,Rita,Roe,100,jpy\n"
        f"C3,Edgar,Poe,100,{code}\n"
    )

    # when it is imported, writing the valid rows
    code_, summary, _ = run(capsys, path, "--json", "--skip-invalid")

    # then that row is rejected with its spreadsheet row and the column, and never written
    assert code_ == 1
    assert summary["errors"] == [
        {"row": 4, "column": "currency", "value": code, "message": "not an ISO 4217 currency code"}
    ]
    assert (summary["accounts_created"], summary["rejected"]) == (2, 1)
    assert dict(Account.objects.values_list("reference", "currency")) == {"C1": "USD", "C2": "JPY"}


def test_dry_run_reports_the_same_counts_and_writes_nothing(client_, csv_file, capsys):
    # given a clean file
    path = csv_file(GOOD)
    before = table_counts()
    audit_before = AuditEvent.objects.count()

    # when it is dry-run
    code, summary, _ = run(capsys, path, "--json", "--dry-run")

    # then exit 0 with the counts a real run gives, and nothing in any table
    assert code == 0
    assert summary["written"] is False
    assert (summary["accounts_created"], summary["debtors_created"], summary["contact_points_created"]) == (
        4,
        3,
        5,
    )
    assert table_counts() == before
    assert AuditEvent.objects.count() == audit_before
    assert MergeCandidate.objects.count() == 0


def test_reimporting_the_same_file_duplicates_nothing(client_, csv_file, capsys):
    # given a file imported once
    path = csv_file(GOOD)
    run(capsys, path, "--json")
    after_first = table_counts()

    # when it is imported again
    code, summary, _ = run(capsys, path, "--json")

    # then no account, debtor or contact point is created twice
    assert code == 0
    assert summary | {"errors": None} == {
        "rows": 4,
        "accounts_created": 0,
        "accounts_updated": 0,
        "debtors_created": 0,
        "debtors_matched": 4,
        "contact_points_created": 0,
        "rejected": 0,
        "written": False,
        "errors": None,
        "merge_candidates": 0,
    }
    assert table_counts() == after_first


def test_a_reimport_updates_changed_fields_through_the_ledger_and_the_audit_log(client_, csv_file, capsys):
    # given an imported file
    run(capsys, csv_file(GOOD), "--json")

    # when the client sends it again with a new balance and a note on A4
    changed = GOOD.replace(
        "A4,John,Smith,,,,5 Oak Avenue,Springfield,IL,62704,60,,,",
        "A4,John,Smith,,,,5 Oak Avenue,Springfield,IL,62704,75,,,moved",
    )
    code, summary, _ = run(capsys, csv_file(changed, name="again.csv"), "--json")

    # then one account is updated, by an adjustment entry, with an audit event, and the cache still holds
    assert code == 0
    assert (summary["accounts_updated"], summary["accounts_created"]) == (1, 0)
    a4 = Account.objects.get(reference="A4")
    assert (a4.balance_principal, a4.notes) == (Decimal(75), "moved")
    assert LedgerEntry.objects.filter(account=a4, kind="adjustment", amount=Decimal(15)).count() == 1
    event = AuditEvent.objects.get(event="account.updated_by_import")
    assert event.account_id == a4.pk
    assert event.data["fields"] == {"notes": ["", "moved"]}
    assert list(ledger_cache_mismatches()) == []


def test_a_reimport_keeps_payments_recorded_since_and_moves_only_the_clients_change(
    client_, system, csv_file, capsys
):
    # given an imported file, and a payment of 20 on A4 (balance 60) recorded in Arrears since
    run(capsys, csv_file(GOOD), "--json")
    a4 = Account.objects.get(reference="A4")
    ledger_post(
        account=a4,
        effective_on=date(2026, 11, 2),
        actor=system,
        entries=[EntrySpec(EntryKind.PAYMENT, Bucket.PRINCIPAL, Decimal("-20.00"))],
        source=("payment", "test"),
    )

    # when the client sends the same file again
    code, summary, _ = run(capsys, csv_file(GOOD, name="same.csv"), "--json")

    # then nothing changes: the file's 60 is what the client said before, not a reason to undo the payment
    assert code == 0 and summary["accounts_updated"] == 0
    a4.refresh_from_db()
    assert a4.balance_principal == Decimal(40)

    # when the client's next file says 50 (they were paid 10 directly)
    lower = GOOD.replace(
        "A4,John,Smith,,,,5 Oak Avenue,Springfield,IL,62704,60,,,",
        "A4,John,Smith,,,,5 Oak Avenue,Springfield,IL,62704,50,,,",
    )
    code, summary, _ = run(capsys, csv_file(lower, name="lower.csv"), "--json")

    # then the balance moves by the client's change only: -10, on top of the payment
    assert summary["accounts_updated"] == 1
    a4.refresh_from_db()
    assert a4.balance_principal == Decimal(30)
    assert LedgerEntry.objects.filter(account=a4, kind="adjustment").get().amount == Decimal(-10)
    assert list(ledger_cache_mismatches()) == []


def test_rows_match_debtors_already_in_the_database(make_account, csv_file, capsys):
    # given an existing debtor (Jane Doe1, phone (212) 555-0001) with one account
    existing = make_account().debtors.get()
    points_before = ContactPoint.objects.filter(debtor=existing).count()

    # when a new placement has her under another case and phone format
    path = csv_file("account_ref,first_name,last_name,phone,balance\nNEW-1,JANE,doe1,212-555-0001,10\n")
    code, summary, _ = run(capsys, path, "--json")

    # then she is matched, not duplicated, and her phone is not added twice
    assert code == 0
    assert (summary["debtors_matched"], summary["debtors_created"], summary["contact_points_created"]) == (
        1,
        0,
        0,
    )
    assert Account.objects.get(reference="NEW-1").debtors.get() == existing
    assert ContactPoint.objects.filter(debtor=existing).count() == points_before


def test_a_repeated_account_ref_rejects_the_repeats(client_, csv_file, capsys):
    path = csv_file(HEADER + "A1,Jane,Doe,,,,,,,,10,,,\nA1,John,Roe,,,,,,,,20,,,\n")

    code, summary, _ = run(capsys, path, "--json", "--skip-invalid")

    assert code == 1
    assert summary["errors"] == [
        {
            "row": 3,
            "column": "account_ref",
            "value": "A1",
            "message": "repeats an account_ref of an earlier row",
        }
    ]
    assert Account.objects.get(reference="A1").debtors.get().last_name == "Doe"


@pytest.mark.parametrize(
    ("text", "args"),
    [
        pytest.param("account_ref,last_name\nA1,Doe\n", [], id="required-column-missing"),
        pytest.param("", [], id="empty-file"),
        pytest.param(GOOD, ["--mapping", "/nonexistent/mapping.toml"], id="mapping-missing"),
        pytest.param(GOOD, ["--date-order", "dym"], id="bad-date-order"),
        pytest.param(GOOD, ["--format", "lotus123"], id="bad-format"),
    ],
)
def test_unusable_files_and_arguments_exit_2_and_write_nothing(client_, csv_file, capsys, text, args):
    path = csv_file(text)

    code, _, err = run(capsys, path, *args)

    assert code == 2
    assert err.strip()
    assert Account.objects.count() == 0


def test_a_missing_file_or_client_exits_2(client_, tmp_path, capsys):
    assert run(capsys, tmp_path / "nope.csv")[0] == 2
    path = tmp_path / "a.csv"
    path.write_text(GOOD)
    try:
        main(["import", "accounts", str(path), "--client", "no-such-client"])
        code = 0
    except SystemExit as exc:
        code = exc.code
    assert code == 2


def test_org_may_be_left_out_when_the_client_names_it(client_, other_org, csv_file, capsys):
    # (issue 18: a second organization does not break commands that worked with one)
    path = csv_file(GOOD)

    # given two organizations, only one of which has a client "bank": the client names the organization
    assert run(capsys, path, "--json")[0] == 0
    assert run(capsys, path, "--org", "acme", "--json")[0] == 0

    # when the other organization has a client "bank" too
    from arrears.tenancy.services import client_create

    client_create(
        organization=other_org,
        code="bank",
        name="Other Bank",
        actor=Principal(organization_id=other_org.pk, role=Role.ADMIN, label="test"),
    )
    exit_code, _, err = run(capsys, path)

    # then leaving --org out is ambiguous: exit 2, one line naming both organizations; --org still works
    assert exit_code == 2
    assert len(err.strip().splitlines()) == 1 and "acme" in err and "other" in err
    assert run(capsys, path, "--org", "acme", "--json")[0] == 0


def test_a_bad_mapping_file_exits_2(client_, csv_file, tmp_path, capsys):
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\nshoe_size = "Shoe"\n')

    assert run(capsys, csv_file(GOOD), "--mapping", str(mapping))[0] == 2


@pytest.mark.parametrize("code", ["XYZ", "XAU"])
def test_a_mapping_default_currency_not_in_iso_4217_exits_2(client_, csv_file, tmp_path, capsys, code):
    # given a mapping whose default currency is no currency for money
    mapping = tmp_path / "m.toml"
    mapping.write_text(f'[defaults]\ncurrency = "{code}"\n')
    before = table_counts()

    # when a file is imported with it
    exit_code, _, err = run(capsys, csv_file(GOOD), "--mapping", str(mapping))

    # then the mapping is refused as a whole, naming the setting, and nothing is written
    assert exit_code == 2
    assert f"[defaults] currency: not an ISO 4217 currency code: '{code}'" in err
    assert table_counts() == before


def test_unknown_columns_are_reported_not_fatal(client_, csv_file, capsys):
    path = csv_file("account_ref,full_name,balance,shoe_size\nA1,Jane Doe,10,42\n")

    code, _, err = run(capsys, path, "--json")

    assert code == 0
    assert "unknown column ignored: shoe_size" in err


def test_european_semicolon_cp1252_file_with_date_order(client_, csv_file, capsys):
    # given a Windows-1252, semicolon-separated, day-first file
    text = "account_ref;full_name;balance;opened_on;country\nB1;José Müller;10.50;03/04/2024;DE\n"
    path = csv_file(text, encoding="cp1252")

    # when it is imported with --date-order dmy
    code, _, _ = run(capsys, path, "--json", "--date-order", "dmy")

    # then names and dates are right
    assert code == 0
    account = Account.objects.get(reference="B1")
    assert account.debtors.get().last_name == "Müller"
    assert account.opened_on.isoformat() == "2024-04-03"
    assert account.jurisdiction_country == "DE"


def test_the_job_is_recorded_with_its_counts(client_, csv_file, capsys):
    run(capsys, csv_file(GOOD), "--json")

    job = ImportJob.objects.get()

    assert (job.status, job.rows, job.accounts_created, job.rows_written, job.progress_percent) == (
        "completed",
        4,
        4,
        4,
        100,
    )


@pytest.mark.parametrize("args", [[], ["--format", "xlsx"]], ids=["auto-detected", "named"])
def test_xlsx_workbooks_import_like_csv(client_, tmp_path, capsys, args):
    # given the clean rows as an Excel workbook, with typed numbers and dates
    from datetime import datetime

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["account_ref", "full_name", "balance", "opened_on", "phone"])
    sheet.append(["X1", "Jane Doe", 1200.5, datetime(2024, 3, 4), "(212) 555-0142"])
    sheet.append(["X2", "Doe, Jane", 99, datetime(2024, 3, 5), "212-555-0142"])
    path = tmp_path / "accounts.xlsx"
    book.save(path)

    # when it is imported
    code, summary, _ = run(capsys, path, "--json", *args)

    # then both rows are accounts of one debtor, with exact amounts and dates
    assert code == 0
    assert (summary["accounts_created"], summary["debtors_created"], summary["debtors_matched"]) == (2, 1, 1)
    x1 = Account.objects.get(reference="X1")
    assert (x1.balance_principal, x1.opened_on.isoformat()) == (Decimal("1200.50"), "2024-03-04")


SEED = (
    "account_ref,first_name,last_name,date_of_birth,ssn,email,phone,address_line1,city,state,postal_code,balance\n"
    "S1,John,Smith,1970-05-06,123-45-6789,john@example.com,(312) 555-0100,1 Lake St,Chicago,IL,60601,10\n"
)


@pytest.mark.parametrize(
    ("row", "matched"),
    [
        pytest.param("N1,Johnny,Smythe,,123456789,,,,,,,5", True, id="national-id-any-name"),
        pytest.param("N1,JOHN,smith,05/06/1970,,,,,,,,5", True, id="name-and-birth-date"),
        pytest.param("N1,John,Smith,,,,312.555.0100,,,,,5", True, id="name-and-phone"),
        pytest.param("N1,John,Smith,,,JOHN@EXAMPLE.COM,,,,,,5", True, id="name-and-email"),
        pytest.param("N1,John,Smith,,,,,1 LAKE STREET,CHICAGO,il,60601,5", True, id="name-and-address"),
        pytest.param("N1,John,Smith,,,,,,,,,5", False, id="name-alone"),
        pytest.param("N1,John,Smith,1970-05-07,,,,,,,,5", False, id="other-birth-date"),
        pytest.param("N1,Mary,Smith,,,,(312) 555-0100,,,,,5", False, id="other-name-same-phone"),
        pytest.param("N1,Jon,Smith,,,,,1 Lake St,Chicago,IL,60601,5", False, id="near-miss-goes-to-review"),
    ],
)
def test_each_matching_rule_against_debtors_in_the_database(client_, csv_file, capsys, row, matched):
    # given John Smith imported earlier with every identifier
    run(capsys, csv_file(SEED, name="seed.csv"), "--json")
    john = Debtor.objects.get()

    # when a later file has one row that shares one identifier with him
    code, summary, _ = run(
        capsys, csv_file(SEED.splitlines()[0] + "\n" + row + "\n", name="later.csv"), "--json"
    )

    # then the row joins him exactly when a rule holds; the near miss is kept apart and listed for review
    assert code == 0, summary
    assert (Account.objects.get(reference="N1").debtors.get() == john) is matched
    assert summary["debtors_matched"] == int(matched)
    near_miss = row.startswith("N1,Jon,")
    assert summary["merge_candidates"] == int(near_miss)
