"""Bank files in, bank files out: the pure file layer under reconciliation and ACH.

Read any supported statement with ``parse_statement(data)``; it detects the format, or takes one of
``camt053``, ``camt054``, ``bai2``, ``ofx``, ``nacha``. Every fault comes out as ``BankFileError`` with a
line and field. NACHA files are also written here (``nacha.write_ppd_debits``). No Django, no database,
no clock: everything is a function of the bytes given.
"""

from __future__ import annotations

from . import bai2, camt, nacha, ofx
from .errors import BankFileError
from .model import (
    Balance,
    BankFile,
    BankStatement,
    BankTransaction,
    Direction,
    IdSource,
    TransactionStatus,
)

__all__ = [
    "FORMATS",
    "Balance",
    "BankFile",
    "BankFileError",
    "BankStatement",
    "BankTransaction",
    "Direction",
    "IdSource",
    "TransactionStatus",
    "detect_format",
    "parse_statement",
]

FORMATS = ("camt053", "camt054", "camt052", "bai2", "ofx", "nacha")


def detect_format(data: bytes) -> str:
    """``camt053`` | ``camt054`` | ``camt052`` | ``bai2`` | ``ofx`` | ``nacha``, from the content alone."""
    if nacha.detect(data):
        return "nacha"
    if bai2.detect(data):
        return "bai2"
    if ofx.detect(data):
        return "ofx"
    kind = camt.detect(data)
    if kind is not None:
        return kind
    raise BankFileError(1, None, "not a bank file this system reads (camt.053/054, BAI2, OFX/QFX or NACHA)")


def parse_statement(data: bytes, format: str = "auto") -> BankFile:  # noqa: A002 - the CLI's --format
    """Parse a bank file. ``format="auto"`` detects it; naming one skips detection."""
    kind = detect_format(data) if format == "auto" else format
    if kind not in FORMATS:
        raise BankFileError(
            None, "format", f"unknown format {format!r}; expected auto or one of {', '.join(FORMATS)}"
        )
    if kind == "nacha":
        return BankFile(format=kind, ach=nacha.read(data))
    if kind == "bai2":
        return BankFile(format=kind, statements=bai2.parse(data))
    if kind == "ofx":
        return BankFile(format=kind, statements=ofx.parse(data))
    statements = camt.parse(data)
    found = {s.format for s in statements}
    if found and found != {kind}:
        raise BankFileError(1, "Document", f"asked for {kind}, the file is {', '.join(sorted(found))}")
    return BankFile(format=kind, statements=statements)
