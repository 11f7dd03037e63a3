"""A command that fails with an ArrearsError shows its stable code: `error CODE: message` on stderr,
`{"error": {"code": …, "message": …}}` on stdout with --json, and exit code 2 (DESIGN.md, CLI)."""

from __future__ import annotations

import json
from enum import StrEnum

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.cli import main
from arrears.core.errors import ArrearsError, NotFound
from arrears.core.management.base import EXIT_REJECTED, ArrearsCommand


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """`arrears …` closes database connections when a command ends; the test's must stay open."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


class ShopError(StrEnum):
    CLOSED = "SHOP_CLOSED"


class Refusing(ArrearsCommand):
    requires_system_checks: list[str] = []

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        raise NotFound(ShopError.CLOSED, "the shop is closed", opens_at="09:00")


def run(argv, capsys):
    """Run the console command; return (exit code, stdout, stderr)."""
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out, err = capsys.readouterr()
    return code, out, err


def run_command(command, args, capsys):
    try:
        command.run_from_argv(["arrears", "refusing", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_the_command_line_shows_one_line_with_the_code_and_exits_2(capsys):
    code, out, err = run_command(Refusing(), [], capsys)

    assert code == 2
    assert err == "error SHOP_CLOSED: the shop is closed\n"
    assert out == ""


def test_json_puts_the_code_on_stdout(capsys):
    code, out, err = run_command(Refusing(), ["--json"], capsys)

    assert code == 2
    assert json.loads(out) == {
        "error": {"code": "SHOP_CLOSED", "message": "the shop is closed", "opens_at": "09:00"}
    }
    assert err == "error SHOP_CLOSED: the shop is closed\n"


def test_a_command_that_printed_its_json_document_prints_no_second_one(capsys):
    class ReportingThenRefusing(Refusing):
        def handle(self, *args, **options):
            self.emit_json({"rows": 3, "error": {"code": ShopError.CLOSED, "message": "the shop is closed"}})
            raise ArrearsError(ShopError.CLOSED, "the shop is closed")

    code, out, err = run_command(ReportingThenRefusing(), ["--json"], capsys)

    assert code == 2
    assert json.loads(out) == {"rows": 3, "error": {"code": "SHOP_CLOSED", "message": "the shop is closed"}}
    assert err == "error SHOP_CLOSED: the shop is closed\n"


def test_a_command_may_choose_its_exit_code(capsys):
    class RefusingRecords(Refusing):
        error_exit = EXIT_REJECTED

    code, _, err = run_command(RefusingRecords(), [], capsys)

    assert code == 1
    assert err.startswith("error SHOP_CLOSED:")


def test_in_process_callers_get_a_command_error_caused_by_the_arrears_error():
    with pytest.raises(CommandError) as caught:
        call_command(Refusing())

    assert caught.value.returncode == 2
    assert str(caught.value) == "SHOP_CLOSED: the shop is closed"
    assert isinstance(caught.value.__cause__, ArrearsError)


# --- the real commands, through the `arrears` console entry point ---------------------------------


@pytest.mark.django_db
def test_compliance_check_of_an_unknown_account(org, capsys):
    code, out, err = run(["compliance", "check", "--account", "NOPE", "--channel", "call"], capsys)

    assert code == 2
    assert err == "error ACCOUNT_NOT_FOUND: no single account with reference 'NOPE'\n"
    assert out == ""


@pytest.mark.django_db
def test_debtors_merge_of_an_unknown_debtor_with_json(org, capsys):
    code, out, err = run(["debtors", "merge", "999998", "999999", "--json"], capsys)

    assert code == 2
    assert json.loads(out)["error"] == {"code": "MERGE_NOT_FOUND", "message": "no debtor #999998"}
    assert err == "error MERGE_NOT_FOUND: no debtor #999998\n"


@pytest.mark.django_db
def test_remittance_for_an_unknown_client(org, tmp_path, capsys):
    argv = ["remittance", "--client", "nope", "--period", "2026-11", "--out", str(tmp_path), "--json"]

    code, out, err = run(argv, capsys)

    assert code == 2
    assert json.loads(out)["error"]["code"] == "CLIENT_NOT_FOUND"
    assert err == "error CLIENT_NOT_FOUND: no client 'nope' in acme\n"


@pytest.mark.django_db
def test_an_import_of_an_unreadable_file(client_, tmp_path, capsys):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not a workbook")

    code, out, err = run(["import", "accounts", str(path), "--client", "bank", "--json"], capsys)

    # then stdout is one JSON document: the import's summary, with the error object of the contract
    assert code == 2
    summary = json.loads(out)
    assert summary["error"]["code"] == "IMPORT_FILE_UNREADABLE"
    assert summary["errors"][0]["message"] == summary["error"]["message"]
    assert err.splitlines() == [f"error IMPORT_FILE_UNREADABLE: {summary['error']['message']}"]
