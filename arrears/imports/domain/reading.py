"""Turning file bytes into rows of text cells. Pure: works on a binary stream the caller opened.

A row keeps the number a spreadsheet would show: the header is row 1, the first data row is row 2,
and a quoted field that spans several lines is still one row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import BinaryIO

SAMPLE_BYTES = 64 * 1024
DELIMITERS = (",", ";", "\t")
FIELD_LIMIT = 1024 * 1024

csv.field_size_limit(FIELD_LIMIT)


class UnreadableFile(ValueError):
    """The file as a whole cannot be read: the import stops before any row (exit code 2)."""


@dataclass(frozen=True, slots=True)
class Cells:
    row: int
    values: list[str]


def detect_encoding(stream: BinaryIO) -> str:
    """UTF-8 (BOM or not), UTF-16 (BOM, or NUL-byte pattern) or, failing UTF-8, Windows-1252."""
    stream.seek(0)
    head = stream.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    stream.seek(0)
    sample = stream.read(SAMPLE_BYTES)
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.4 and even_nuls < half * 0.05:
            return "utf-16-le"
        if even_nuls > half * 0.4 and odd_nuls < half * 0.05:
            return "utf-16-be"
    stream.seek(0)
    try:
        bad = _first_invalid_utf8(stream)
        if bad is None:
            return "utf-8"
        if _has_utf8_sequences(stream):
            offset, byte, line = bad
            raise UnreadableFile(
                f"row {line}: byte {offset} (0x{byte:02x}) is not valid UTF-8, but the rest of the file is "
                "UTF-8: a file mixes encodings; save it in one encoding (UTF-8) and import it again"
            )
        return "cp1252"  # no UTF-8 in it at all: a legacy Windows export, read as one
    finally:
        stream.seek(0)


# A multi-byte UTF-8 sequence: a lead byte and its continuation bytes.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _first_invalid_utf8(stream: BinaryIO) -> tuple[int, int, int] | None:
    """(byte offset, byte, line number) of the first byte that is not UTF-8, or None."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    consumed = 0
    offset: int | None = None
    while chunk := stream.read(1024 * 1024):
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            # The decoder may hold up to 3 bytes of the chunk before: its positions count them too.
            offset = consumed - (len(exc.object) - len(chunk)) + exc.start
            break
        consumed += len(chunk)
    else:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            offset = consumed - 1
    if offset is None:
        return None
    stream.seek(0)
    lines, left = 1, offset
    while left and (chunk := stream.read(min(left, 1024 * 1024))):
        lines += chunk.count(b"\n")
        left -= len(chunk)
    return offset, stream.read(1)[0], lines


def _has_utf8_sequences(stream: BinaryIO) -> bool:
    stream.seek(0)
    tail = b""
    while chunk := stream.read(1024 * 1024):
        if _UTF8_SEQUENCE.search(tail + chunk):
            return True
        tail = chunk[-3:]
    return False


def sniff_delimiter(text_sample: str) -> str:
    """The delimiter that appears most often outside quotes in the first lines; comma when none does."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    lines = 0
    for ch in text_sample:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            if ch in counts:
                counts[ch] += 1
            elif ch == "\n":
                lines += 1
                if lines >= 50:
                    break
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def open_text(stream: BinaryIO, encoding: str) -> io.TextIOWrapper:
    stream.seek(0)
    # cp1252 leaves five bytes undefined; they become U+FFFD rather than stopping the file.
    errors = "replace" if encoding == "cp1252" else "strict"
    return io.TextIOWrapper(stream, encoding=encoding, errors=errors, newline="")


def csv_rows(
    stream: BinaryIO, *, encoding: str | None = None, delimiter: str | None = None
) -> Iterator[Cells]:
    """Every non-blank row of a delimited file, numbered as a spreadsheet numbers rows."""
    encoding = encoding or detect_encoding(stream)
    text = open_text(stream, encoding)
    try:
        if delimiter is None:
            try:
                sample = text.read(SAMPLE_BYTES)
            except UnicodeError as exc:
                raise UnreadableFile(f"row 1: not valid {encoding} text") from exc
            delimiter = sniff_delimiter(sample)
            text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        number = 0
        while True:
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise UnreadableFile(f"row {number + 1}: {exc}") from exc
            except UnicodeError as exc:
                raise UnreadableFile(f"row {number + 1}: not valid {encoding} text") from exc
            number += 1
            if values and any(v.strip() for v in values):
                yield Cells(number, [v.replace("\x00", "") for v in values])
    finally:
        text.detach()


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV export would hold: dates ISO, numbers without float noise."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return format(Decimal(repr(value)), "f")
    return str(value)


def xlsx_rows(stream: BinaryIO) -> Iterator[Cells]:
    """Rows of the first worksheet, read with openpyxl in read-only mode (streaming)."""
    from openpyxl import load_workbook

    stream.seek(0)
    try:
        book = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # a corrupt workbook fails in zipfile, XML or openpyxl code, in many ways
        raise UnreadableFile(f"not a readable XLSX workbook: {type(exc).__name__}") from exc
    try:
        sheet = book.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            values = [cell_text(v) for v in row]
            if any(v.strip() for v in values):
                yield Cells(number, values)
    except Exception as exc:  # the same, for a sheet that is corrupt past its first rows
        raise UnreadableFile(f"unreadable worksheet: {type(exc).__name__}") from exc
    finally:
        book.close()


def looks_like_xlsx(stream: BinaryIO) -> bool:
    stream.seek(0)
    magic = stream.read(4)
    stream.seek(0)
    return magic == b"PK\x03\x04"
