"""BAI2 (Cash Management Balance Reporting, version 2; X9 BTRS): prior-day and intraday reports.

Records: ``01`` file header, ``02`` group header, ``03`` account identifier with status and summary
amounts, ``16`` transaction detail, ``88`` continuation, ``49`` account trailer, ``98`` group trailer,
``99`` file trailer. Fields are comma-separated and a record ends with ``/``.

What real files do, and how it is read:

* A record may lack its ``/`` (the next record starts the next line), several records may share one
  physical line (``.../   16,...``), a long record may simply wrap onto a line that starts with no record
  code, and lines may end in CR, LF or CRLF.
* ``88`` continues the record before it: for ``16`` its text is more free text (kept as further lines of
  ``remittance_unstructured``); for any other record its fields carry on the field list, even in the middle
  of a type-code group.
* The text field is the last field of a ``16``, so commas and quotes in it are text, not separators.
* Amounts have no decimal point: the number of implied decimals is the currency's minor units, taken from
  the ``03`` record, else the ``02`` group, else USD (the specification's default).
* Funds type decides how many fields follow it: ``0``/``1``/``2``/``Z`` none, ``S`` three availability
  amounts, ``V`` value date and time, ``D`` a count and that many day/amount pairs.
* Type codes 100-399 and 920-959 are credits, 400-699 and 960-999 debits (010-099 and 900-919 are status
  codes, 700-799 loan codes, neither of which can be a transaction).
* The ``49``/``98``/``99`` control totals and record counts are checked; a difference is a statement
  warning, since banks' own files are the only copy there is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from arrears.core.money import minor_units

from ._common import clean, decode_text, is_digits, parse_currency
from .errors import BankFileError
from .model import (
    Balance,
    BankStatement,
    BankTransaction,
    Direction,
    IdRegistry,
    IdSource,
    TransactionStatus,
    derive_transaction_id,
    first_balance,
)

_CODES = ("01", "02", "03", "16", "49", "88", "98", "99")
_RECORD_START = re.compile(r"(?:01|02|03|16|49|88|98|99),")
_BOUNDARY = re.compile(r"(?<=/)\s+(?=(?:01|02|03|16|49|88|98|99),)")
_OPENING = ("010", "040")  # opening ledger, opening available
_CLOSING = ("015", "045", "060")  # closing ledger, closing available, current available
_DEFAULT_CURRENCY = "USD"


def detect(data: bytes) -> bool:
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:200]
    return head.startswith(b"01,") and (b"\n02," in data[:4096] or b"/02," in data[:4096] or b" 02," in head)


@dataclass
class _Record:
    line: int
    code: str
    body: str  # everything after "NN," with the terminating "/" removed
    continuations: list[tuple[int, str]] = field(default_factory=list)

    def fields(self) -> list[str]:
        """The record's fields with any 88 continuations carried on (non-text records)."""
        values = self.body.split(",")
        for _, text in self.continuations:
            values.extend(text.split(","))
        return [v.strip() for v in values]


def records(text: str) -> list[_Record]:
    """Logical records from the physical lines, whatever the line discipline."""
    out: list[_Record] = []
    for number, physical in enumerate(re.split(r"\r\n|\r|\n", text), start=1):
        if not physical.strip():
            continue
        for piece in _BOUNDARY.split(physical.strip()):
            if not _RECORD_START.match(piece):
                if not out:
                    raise BankFileError(
                        number, "record code", f"a BAI2 file starts with 01, not {piece[:10]!r}"
                    )
                previous = out[-1]
                if previous.continuations:
                    line, text_so_far = previous.continuations[-1]
                    previous.continuations[-1] = (line, f"{_unterminated(text_so_far)} {_terminated(piece)}")
                else:
                    previous.body = f"{_unterminated(previous.body)} {_terminated(piece)}"
                continue
            code, body = piece[:2], _terminated(piece[3:])
            if code == "88":
                if not out:
                    raise BankFileError(number, "record code", "a continuation before any record")
                out[-1].continuations.append((number, body))
            else:
                out.append(_Record(line=number, code=code, body=body))
    return out


def _terminated(piece: str) -> str:
    piece = piece.rstrip()
    return piece[:-1] if piece.endswith("/") else piece


def _unterminated(body: str) -> str:
    return body.rstrip()


def _date(value: str, line: int, name: str) -> date:
    try:
        return datetime.strptime(value, "%y%m%d").date()  # noqa: DTZ007 - a calendar date
    except ValueError as exc:
        raise BankFileError(line, name, f"not a YYMMDD date: {value!r}") from exc


def _amount(value: str, currency: str, line: int, name: str) -> Decimal | None:
    """Implied decimals: ``+000000000208500`` in USD is 2085.00. Empty means not reported."""
    if not value:
        return None
    if not re.fullmatch(r"[+-]?\d+", value):
        raise BankFileError(line, name, f"not an amount in minor units: {value!r}")
    return Decimal(int(value)).scaleb(-minor_units(currency))


def direction_of(type_code: str) -> Direction | None:
    """Credit or debit by the BAI type-code ranges; None for status and loan codes."""
    if not (len(type_code) == 3 and is_digits(type_code)):
        return None
    number = int(type_code)
    if 100 <= number <= 399 or 920 <= number <= 959:
        return Direction.CREDIT
    if 400 <= number <= 699 or 960 <= number <= 999:
        return Direction.DEBIT
    return None


@dataclass(frozen=True)
class _Funds:
    kind: str
    value_date: date | None
    next_index: int


def _funds(values: list[str], index: int, line: int) -> _Funds:
    """Read a funds type and the fields it brings, starting at ``values[index]``."""

    def at(i: int) -> str:
        return values[i] if i < len(values) else ""

    kind = at(index).upper()
    if kind in ("", "0", "1", "2", "Z"):
        return _Funds(kind, None, index + 1)
    if kind == "S":
        return _Funds(kind, None, index + 4)
    if kind == "V":
        day = at(index + 1)
        return _Funds(kind, _date(day, line, "funds value date") if day else None, index + 3)
    if kind == "D":
        count = at(index + 1)
        if not is_digits(count):
            raise BankFileError(line, "funds distribution count", f"must be a number, not {count!r}")
        return _Funds(kind, None, index + 2 + 2 * int(count))
    raise BankFileError(line, "funds type", f"unknown funds type {kind!r} (expected 0, 1, 2, S, V, D or Z)")


@dataclass
class _Group:
    line: int
    originator: str
    as_of: date
    currency: str
    modifier: str
    records: int
    accounts: int = 0
    control_total: int = 0  # sum of the 49 totals, in minor units as written
    statements: list[int] = field(default_factory=list)


@dataclass
class _Account:
    number: str
    currency: str
    balances: list[Balance]
    raw_total: int  # the algebraic sum of the 03 and 16 amounts as written, for the 49 control total
    records: int = 1
    details: list[BankTransaction] = field(default_factory=list)
    ids: IdRegistry = field(default_factory=IdRegistry)


def parse(data: bytes) -> tuple[BankStatement, ...]:
    """One statement per account (``03`` ... ``49``) in the file."""
    return _read(records(decode_text(data)))


def _read(items: list[_Record]) -> tuple[BankStatement, ...]:
    if not items or items[0].code != "01":
        raise BankFileError(
            items[0].line if items else 1, "record code", "a BAI2 file starts with an 01 record"
        )
    header = items[0].fields()
    file_id = header[4] if len(header) > 4 else ""
    statements: list[BankStatement] = []
    group: _Group | None = None
    account: _Account | None = None
    file_records = 1 + len(items[0].continuations)
    file_total = groups = 0
    ended = False
    for record in items[1:]:
        count = 1 + len(record.continuations)
        file_records += count
        if ended:
            raise BankFileError(record.line, "record code", f"{record.code} after the 99 file trailer")
        if group is not None:
            group.records += count
        if account is not None:
            account.records += count
        if record.code == "02":
            if group is not None:
                raise BankFileError(record.line, "record code", "02 before the previous group's 98 trailer")
            group = _group(record)
            groups += 1
        elif record.code == "03":
            if group is None or account is not None:
                raise BankFileError(
                    record.line, "record code", "03 outside a group or inside another account"
                )
            account = _account(record, group)
        elif record.code == "16":
            if account is None or group is None:
                raise BankFileError(record.line, "record code", "16 outside an account")
            account.details.append(_detail(record, account, group))
        elif record.code == "49":
            if account is None or group is None:
                raise BankFileError(record.line, "record code", "49 without an account")
            statements.append(_close_account(record, account, group, file_id))
            group.control_total += _raw_amount(record, 0)
            group.accounts += 1
            group.statements.append(len(statements) - 1)
            account = None
        elif record.code == "98":
            if group is None or account is not None:
                raise BankFileError(
                    record.line, "record code", "98 outside a group or before the account's 49"
                )
            file_total += _close_group(record, group, statements)
            group = None
        elif record.code == "99":
            if group is not None:
                raise BankFileError(record.line, "record code", "99 before the group's 98 trailer")
            _close_file(record, file_total, groups, file_records, statements)
            ended = True
        else:  # a second 01
            raise BankFileError(record.line, "record code", "a second 01 file header")
    if not ended:
        if account is not None or group is not None:
            raise BankFileError(
                items[-1].line, "record code", "the file ends inside a group or account (truncated?)"
            )
        statements = [replace(s, warnings=(*s.warnings, "no 99 file trailer")) for s in statements]
    return tuple(statements)


def _group(record: _Record) -> _Group:
    values = record.fields()
    if len(values) < 4 or not values[3]:
        raise BankFileError(record.line, "as-of date (02 field 4)", "the group header has no as-of date")
    currency = values[5] if len(values) > 5 and values[5] else _DEFAULT_CURRENCY
    return _Group(
        line=record.line,
        originator=values[1] if len(values) > 1 else "",
        as_of=_date(values[3], record.line, "as-of date (02 field 4)"),
        currency=parse_currency(currency, line=record.line, field="currency (02 field 6)"),
        modifier=values[6] if len(values) > 6 else "",
        records=1 + len(record.continuations),
    )


def _account(record: _Record, group: _Group) -> _Account:
    values = record.fields()
    number = values[0] if values else ""
    if not number:
        raise BankFileError(record.line, "account number (03 field 1)", "missing")
    currency = group.currency
    if len(values) > 1 and values[1]:
        currency = parse_currency(values[1], line=record.line, field="currency (03 field 2)")
    balances: list[Balance] = []
    raw_total = 0
    index = 2
    while index < len(values):
        type_code = values[index]
        written = values[index + 1] if index + 1 < len(values) else ""
        amount = _amount(written, currency, record.line, f"amount for type code {type_code or '(blank)'}")
        funds = _funds(values, index + 3, record.line)  # the item count sits at index + 2
        index = funds.next_index
        if amount is None:
            continue
        raw_total += int(written)
        if is_digits(type_code) and (int(type_code) < 100 or 900 <= int(type_code) <= 919):
            balances.append(Balance(kind=type_code, amount=amount, currency=currency, date=group.as_of))
    return _Account(
        number=number,
        currency=currency,
        balances=balances,
        raw_total=raw_total,
        records=1 + len(record.continuations),
    )


def _detail(record: _Record, account: _Account, group: _Group) -> BankTransaction:
    line = record.line
    values = record.body.split(",")
    stripped = [v.strip() for v in values]
    type_code = stripped[0]
    direction = direction_of(type_code)
    if direction is None:
        raise BankFileError(
            line, "type code (16 field 1)", f"{type_code!r} is not a credit or debit detail code"
        )
    written = stripped[1] if len(stripped) > 1 else ""
    amount = _amount(written, account.currency, line, "amount (16 field 2)")
    if amount is None:
        raise BankFileError(line, "amount (16 field 2)", "a transaction detail without an amount")
    if amount < 0:
        raise BankFileError(
            line, "amount (16 field 2)", "detail amounts are unsigned; the type code gives the sign"
        )
    account.raw_total += int(written)
    funds = _funds(stripped, 2, line)
    index = funds.next_index
    bank_ref = stripped[index] if index < len(stripped) else ""
    customer_ref = stripped[index + 1] if index + 1 < len(stripped) else ""
    text = ",".join(values[index + 2 :])
    lines = [t for t in (clean(text), *(clean(c) for _, c in record.continuations)) if t]
    if bank_ref:
        candidate, source = bank_ref, IdSource.BANK
    else:
        candidate = derive_transaction_id(
            account_id=account.number,
            booking_date=group.as_of,
            amount=amount,
            direction=direction,
            currency=account.currency,
            refs=(type_code, customer_ref, *lines),
        )
        source = IdSource.DERIVED
    raw = "\n".join([f"16,{record.body}/", *(f"88,{c}/" for _, c in record.continuations)])
    return BankTransaction(
        transaction_id=account.ids.claim(candidate),
        id_source=source,
        account_id=account.number,
        booking_date=group.as_of,
        value_date=funds.value_date,
        amount=amount,
        currency=account.currency,
        direction=direction,
        status=TransactionStatus.PENDING if group.modifier == "3" else TransactionStatus.BOOKED,
        bank_reference=bank_ref or None,
        customer_reference=customer_ref or None,
        remittance_unstructured=tuple(lines),
        bank_code=type_code,
        raw=raw,
    )


def _raw_amount(record: _Record, position: int) -> int:
    values = record.fields()
    value = values[position] if len(values) > position else ""
    if not re.fullmatch(r"[+-]?\d+", value):
        raise BankFileError(record.line, f"control total (field {position + 1})", f"not a number: {value!r}")
    return int(value)


def _count(record: _Record, position: int) -> int | None:
    values = record.fields()
    value = values[position] if len(values) > position else ""
    return int(value) if is_digits(value) else None


def _close_account(record: _Record, account: _Account, group: _Group, file_id: str) -> BankStatement:
    warnings: list[str] = []
    stated = _raw_amount(record, 0)
    if stated != account.raw_total:
        warnings.append(
            f"line {record.line}: 49 account control total {stated} differs from the sum {account.raw_total}"
        )
    stated_records = _count(record, 1)
    if stated_records is not None and stated_records != account.records:
        warnings.append(
            f"line {record.line}: 49 says {stated_records} records, the account has {account.records}"
        )
    return BankStatement(
        format="bai2",
        account_id=account.number,
        currency=account.currency,
        transactions=tuple(account.details),
        bank_id=group.originator or None,
        statement_id=file_id or None,
        message_id=file_id or None,
        opening_balance=first_balance(account.balances, _OPENING),
        closing_balance=first_balance(account.balances, _CLOSING),
        balances=tuple(account.balances),
        warnings=tuple(warnings),
    )


def _close_group(record: _Record, group: _Group, statements: list[BankStatement]) -> int:
    stated = _raw_amount(record, 0)
    warnings = []
    if stated != group.control_total:
        total = group.control_total
        warnings.append(
            f"line {record.line}: 98 group control total {stated} differs from the accounts' {total}"
        )
    accounts = _count(record, 1)
    if accounts is not None and accounts != group.accounts:
        warnings.append(f"line {record.line}: 98 says {accounts} accounts, the group has {group.accounts}")
    records_stated = _count(record, 2)
    if records_stated is not None and records_stated != group.records:
        warnings.append(
            f"line {record.line}: 98 says {records_stated} records, the group has {group.records}"
        )
    for position in group.statements if warnings else ():
        statements[position] = replace(
            statements[position], warnings=(*statements[position].warnings, *warnings)
        )
    return stated


def _close_file(
    record: _Record, total: int, groups: int, file_records: int, statements: list[BankStatement]
) -> None:
    warnings = []
    stated = _raw_amount(record, 0)
    if stated != total:
        warnings.append(
            f"line {record.line}: 99 file control total {stated} differs from the groups' {total}"
        )
    groups_stated = _count(record, 1)
    if groups_stated is not None and groups_stated != groups:
        warnings.append(f"line {record.line}: 99 says {groups_stated} groups, the file has {groups}")
    records_stated = _count(record, 2)
    if records_stated is not None and records_stated != file_records:
        warnings.append(f"line {record.line}: 99 says {records_stated} records, the file has {file_records}")
    if warnings:
        statements[:] = [replace(s, warnings=(*s.warnings, *warnings)) for s in statements]
