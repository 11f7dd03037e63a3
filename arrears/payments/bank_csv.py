"""A bank's CSV export read through a mapping (TOML), into the same statements as the bank file layer.

```toml
account = "US-FIRSTBANK-000123"   # the reporting account (our account at the bank)
bank = "FIRSTBANK"                 # the bank: keys are scoped by bank and account
currency = "USD"                   # unless a column gives it
delimiter = ","
encoding = "utf-8"
date_format = "%Y-%m-%d"
decimal = "."                      # "," for 12,50
skip_rows = 0                      # lines before the header

[columns]                          # header names in the file
date = "Booking date"
value_date = "Value date"          # optional
amount = "Amount"                  # signed (negative is money out) ...
credit = "Credit"                  # ... or separate credit/debit columns
debit = "Debit"
id = "Transaction id"              # optional: without it the id is a content hash
reference = "Reference"
description = "Description"
counterparty = "Payer"
currency = "Currency"
```
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from arrears.core.money import is_currency_code
from arrears.payments.bankfiles import BankFileError, BankStatement, BankTransaction, Direction, IdSource
from arrears.payments.bankfiles.model import IdRegistry, derive_transaction_id

KNOWN = {
    "account",
    "bank",
    "currency",
    "delimiter",
    "encoding",
    "date_format",
    "decimal",
    "skip_rows",
    "columns",
}
COLUMNS = {
    "date",
    "value_date",
    "amount",
    "credit",
    "debit",
    "id",
    "reference",
    "description",
    "counterparty",
    "currency",
}


def mapping_load(text: str) -> dict[str, Any]:
    """Read and check a mapping; every fault is a `BankFileError` naming the key."""
    try:
        mapping = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BankFileError(None, "mapping", f"not TOML: {exc}") from None
    if unknown := set(mapping) - KNOWN:
        raise BankFileError(None, "mapping", f"unknown keys: {', '.join(sorted(unknown))}")
    columns = mapping.get("columns")
    if not isinstance(columns, dict) or "date" not in columns:
        raise BankFileError(
            None, "mapping.columns", "needs at least `date` and `amount` (or `credit`/`debit`)"
        )
    if unknown := set(columns) - COLUMNS:
        raise BankFileError(None, "mapping.columns", f"unknown columns: {', '.join(sorted(unknown))}")
    if "amount" not in columns and not ({"credit", "debit"} & set(columns)):
        raise BankFileError(None, "mapping.columns", "needs `amount`, or `credit` and/or `debit`")
    if "currency" not in columns and not is_currency_code(str(mapping.get("currency", ""))):
        raise BankFileError(None, "mapping.currency", "give an ISO 4217 currency or a currency column")
    if not mapping.get("account"):
        raise BankFileError(None, "mapping.account", "name the reporting account")
    return mapping


def _amount(text: str, decimal_mark: str, line: int, name: str) -> Decimal | None:
    cleaned = text.strip().replace(" ", "")
    if not cleaned:
        return None
    # The other mark is a thousands separator.
    other = "." if decimal_mark == "," else ","
    cleaned = cleaned.replace(other, "").replace(decimal_mark, ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise BankFileError(line, name, f"not an amount: {text!r}") from None
    if not value.is_finite():
        raise BankFileError(line, name, f"not an amount: {text!r}")
    return value


def _date(text: str, fmt: str, line: int, name: str) -> date:
    try:
        return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar date, no instant
    except ValueError:
        raise BankFileError(line, name, f"not a date in {fmt}: {text!r}") from None


def parse(data: bytes, mapping: Mapping[str, Any]) -> tuple[BankStatement, ...]:
    """One statement of every row in the file, in file order."""
    try:
        text = data.decode(str(mapping.get("encoding", "utf-8-sig")))
    except (UnicodeDecodeError, LookupError) as exc:
        raise BankFileError(None, "encoding", str(exc)) from None
    lines = io.StringIO(text)
    for _ in range(int(mapping.get("skip_rows", 0))):
        lines.readline()
    reader = csv.DictReader(lines, delimiter=str(mapping.get("delimiter", ",")))
    columns: dict[str, str] = mapping["columns"]
    missing = [c for c in columns.values() if c not in (reader.fieldnames or [])]
    if missing:
        raise BankFileError(1, "header", f"columns not in the file: {', '.join(missing)}")
    account = str(mapping["account"])
    fmt = str(mapping.get("date_format", "%Y-%m-%d"))
    mark = str(mapping.get("decimal", "."))
    registry = IdRegistry()
    transactions: list[BankTransaction] = []
    currencies: set[str] = set()
    for row in reader:
        line = reader.line_num + int(mapping.get("skip_rows", 0))

        def cell(name: str, row: dict[str, str] = row) -> str:
            return (row.get(columns[name]) or "").strip() if name in columns else ""

        if not any((v or "").strip() for v in row.values()):
            continue
        if "amount" in columns:
            signed = _amount(cell("amount"), mark, line, columns["amount"])
        else:
            credit = _amount(cell("credit"), mark, line, columns.get("credit", "credit")) or Decimal(0)
            debit = _amount(cell("debit"), mark, line, columns.get("debit", "debit")) or Decimal(0)
            signed = credit - abs(debit)
        if signed is None or signed == 0:
            raise BankFileError(line, columns.get("amount", "credit/debit"), "no amount")
        currency = cell("currency").upper() or str(mapping.get("currency", "")).upper()
        if not is_currency_code(currency):
            raise BankFileError(line, columns.get("currency", "currency"), f"not a currency: {currency!r}")
        currencies.add(currency)
        booked = _date(cell("date"), fmt, line, columns["date"])
        valued = _date(cell("value_date"), fmt, line, columns["value_date"]) if cell("value_date") else None
        direction = Direction.CREDIT if signed > 0 else Direction.DEBIT
        reference, description, counterparty = cell("reference"), cell("description"), cell("counterparty")
        bank_id = cell("id")
        tx_id = bank_id or derive_transaction_id(
            account_id=account,
            booking_date=booked,
            amount=abs(signed),
            direction=direction,
            currency=currency,
            refs=(reference, description, counterparty),
        )
        transactions.append(
            BankTransaction(
                transaction_id=registry.claim(tx_id),
                id_source=IdSource.BANK if bank_id else IdSource.DERIVED,
                account_id=account,
                booking_date=booked,
                value_date=valued,
                amount=abs(signed),
                currency=currency,
                direction=direction,
                remittance_structured=(reference,) if reference else (),
                remittance_unstructured=(description,) if description else (),
                counterparty_name=counterparty or None,
                bank_reference=bank_id or None,
                raw=(mapping.get("delimiter", ",")).join(v or "" for v in row.values()),
            )
        )
    currency = currencies.pop() if len(currencies) == 1 else str(mapping.get("currency", "XXX"))
    return (
        BankStatement(
            format="csv",
            account_id=account,
            currency=currency,
            transactions=tuple(transactions),
            bank_id=str(mapping.get("bank", "")) or None,
        ),
    )
