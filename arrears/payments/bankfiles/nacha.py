"""NACHA ACH files: a reader for what the bank sends back (returns, notifications of change, any batch)
and a writer for the PPD debits we originate.

Layout (NACHA Operating Rules, Appendix Two): 94-character records, one of
``1`` file header, ``5`` batch header, ``6`` entry detail, ``7`` addenda, ``8`` batch control and
``9`` file control, padded with all-``9`` records to a multiple of ten (the blocking factor).

The reader accepts the ways real files bend that layout: lines with their trailing spaces trimmed, a whole
file written as one line without breaks (cut every 94 characters), CR, LF or CRLF line ends, and IAT
entries whose 710–716 addenda are kept raw. Control totals are checked the way an ODFI checks them; a
mismatch does not stop the read but is reported in ``AchFile.errors`` with the record it is on, so a
returns file with a bad trailer still shows its returns (``strict=True`` raises instead).

"Line" in errors is the 1-based number of the 94-character record in the file; for a file with one
record per line that is the line number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from ._common import is_digits
from .errors import BankFileError

RECORD_LENGTH = 94
BLOCKING_FACTOR = 10
_HASH_MODULUS = 10**10
_FILLER = "9" * RECORD_LENGTH

# Transaction codes (Appendix Three). The last digit says what moves: 1-4 credit the receiver
# (1 return/NOC of a credit, 2 live, 3 prenote, 4 zero-dollar), 5-9 debit it.
CHECKING_DEBIT = "27"
SAVINGS_DEBIT = "37"
_CREDIT_CODES = frozenset(
    {"21", "22", "23", "24", "31", "32", "33", "34", "41", "42", "43", "44", "51", "52", "53", "54"}
)
_DEBIT_CODES = frozenset({"26", "27", "28", "29", "36", "37", "38", "39", "46", "47", "48", "49", "55", "56"})


@dataclass(frozen=True, slots=True)
class Addenda:
    line: int
    type_code: str  # 05 payment info, 98 notification of change, 99 return, 02 POS, 10-18 IAT
    raw: str
    payment_info: str | None = None  # 05
    return_code: str | None = None  # 99: R01..R85
    change_code: str | None = None  # 98: C01..C13
    original_trace: str | None = None  # 98/99: the trace number of the entry being returned or corrected
    original_rdfi: str | None = None
    corrected_data: str | None = None  # 98
    date_of_death: str | None = None  # 99, YYMMDD, for R14/R15
    information: str | None = None  # 99 addenda information
    trace_number: str | None = None  # 98/99: the trace of this return/NOC entry


@dataclass(frozen=True, slots=True)
class Entry:
    line: int
    transaction_code: str
    rdfi_routing: str  # 8 digits, the part of the routing number counted in the entry hash
    check_digit: str
    account_number: str
    amount_cents: int
    individual_id: str
    individual_name: str
    discretionary_data: str
    addenda_indicator: str
    trace_number: str
    addenda: tuple[Addenda, ...] = ()

    @property
    def is_credit(self) -> bool:
        return self.transaction_code in _CREDIT_CODES

    @property
    def is_debit(self) -> bool:
        return self.transaction_code in _DEBIT_CODES

    @property
    def routing_number(self) -> str:
        return self.rdfi_routing + self.check_digit

    @property
    def return_addenda(self) -> Addenda | None:
        return next((a for a in self.addenda if a.type_code == "99"), None)

    @property
    def change_addenda(self) -> Addenda | None:
        return next((a for a in self.addenda if a.type_code == "98"), None)


@dataclass(frozen=True, slots=True)
class BatchHeader:
    line: int
    service_class_code: str  # 200 mixed, 220 credits only, 225 debits only
    company_name: str
    company_discretionary_data: str
    company_id: str
    sec_code: str  # PPD, CCD, WEB, COR, IAT...
    entry_description: str
    descriptive_date: str
    effective_date: date | None  # blank or 000000 in returns and NOCs
    settlement_date: str  # Julian day, filled in by the ACH operator
    originator_status: str
    odfi_id: str
    batch_number: int


@dataclass(frozen=True, slots=True)
class BatchControl:
    line: int
    service_class_code: str
    entry_addenda_count: int
    entry_hash: int
    total_debit_cents: int
    total_credit_cents: int
    company_id: str
    odfi_id: str
    batch_number: int


@dataclass(frozen=True, slots=True)
class Batch:
    header: BatchHeader
    entries: tuple[Entry, ...]
    control: BatchControl

    @property
    def entry_hash(self) -> int:
        return sum(int(e.rdfi_routing) for e in self.entries) % _HASH_MODULUS

    @property
    def entry_addenda_count(self) -> int:
        return sum(1 + len(e.addenda) for e in self.entries)

    @property
    def total_debit_cents(self) -> int:
        return sum(e.amount_cents for e in self.entries if e.is_debit)

    @property
    def total_credit_cents(self) -> int:
        return sum(e.amount_cents for e in self.entries if e.is_credit)


@dataclass(frozen=True, slots=True)
class FileHeader:
    line: int
    priority_code: str
    immediate_destination: str
    immediate_origin: str
    creation_date: date
    creation_time: str
    file_id_modifier: str
    destination_name: str
    origin_name: str
    reference_code: str


@dataclass(frozen=True, slots=True)
class FileControl:
    line: int
    batch_count: int
    block_count: int
    entry_addenda_count: int
    entry_hash: int
    total_debit_cents: int
    total_credit_cents: int


@dataclass(frozen=True, slots=True)
class AchFile:
    header: FileHeader
    batches: tuple[Batch, ...]
    control: FileControl
    record_count: int  # 94-character records including the 9-filler
    errors: tuple[BankFileError, ...] = field(default=())

    @property
    def entries(self) -> tuple[Entry, ...]:
        return tuple(e for b in self.batches for e in b.entries)

    @property
    def returns(self) -> tuple[Entry, ...]:
        """Entries carrying a 99 return addenda (R01 insufficient funds, R03 no account...)."""
        return tuple(e for e in self.entries if e.return_addenda is not None)

    @property
    def notifications_of_change(self) -> tuple[Entry, ...]:
        return tuple(e for e in self.entries if e.change_addenda is not None)

    @property
    def entry_hash(self) -> int:
        return sum(b.entry_hash for b in self.batches) % _HASH_MODULUS

    @property
    def total_debit_cents(self) -> int:
        return sum(b.total_debit_cents for b in self.batches)

    @property
    def total_credit_cents(self) -> int:
        return sum(b.total_credit_cents for b in self.batches)


# ---------------------------------------------------------------------------------------------- reading


def detect(data: bytes) -> bool:
    head = data.lstrip(b"\r\n")[:RECORD_LENGTH]
    return len(head) >= 40 and head[:3] == b"101" and head[34:37] == b"094" and head[3:13].strip().isdigit()


def split_records(data: bytes) -> list[str]:
    """94-character records from whatever line discipline the file uses."""
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    records: list[str] = []
    for physical in re.split(r"\r\n|\r|\n", text):
        if not physical.strip():
            continue
        if len(physical) > RECORD_LENGTH:
            chunks = [physical[i : i + RECORD_LENGTH] for i in range(0, len(physical), RECORD_LENGTH)]
            records.extend(c for c in chunks if c.strip())
        else:
            records.append(physical)
    return [r.ljust(RECORD_LENGTH) for r in records]


def read(data: bytes, *, strict: bool = False) -> AchFile:
    """Parse an ACH file. Structural faults raise BankFileError; control-total mismatches are listed in
    ``errors`` (or raised, first one, when ``strict``)."""
    records = split_records(data)
    if not records:
        raise BankFileError(None, None, "empty ACH file")
    reader = _Reader(records)
    ach = reader.run()
    if strict and ach.errors:
        raise ach.errors[0]
    return ach


def _digits(record: str, start: int, end: int, line: int, name: str) -> int:
    """Positions are 1-based and inclusive, as the NACHA tables print them."""
    value = record[start - 1 : end]
    if not is_digits(value):
        if not value.strip():
            return 0
        raise BankFileError(line, f"{name} (positions {start}-{end})", f"must be digits, not {value!r}")
    return int(value)


def _text(record: str, start: int, end: int) -> str:
    return record[start - 1 : end].strip()


def _yymmdd(value: str, line: int, name: str) -> date | None:
    if not value.strip() or value == "000000":
        return None
    try:
        return datetime.strptime(value, "%y%m%d").date()  # noqa: DTZ007 - a calendar date, no time
    except ValueError as exc:
        raise BankFileError(line, name, f"not a YYMMDD date: {value!r}") from exc


class _Reader:
    def __init__(self, records: list[str]) -> None:
        self.records = records
        self.errors: list[BankFileError] = []

    def problem(self, line: int, name: str, message: str) -> None:
        self.errors.append(BankFileError(line, name, message))

    def run(self) -> AchFile:
        records = self.records
        if records[0][0] != "1":
            raise BankFileError(
                1, "record type", f"an ACH file starts with a 1 record, not {records[0][0]!r}"
            )
        header = self._file_header(records[0], 1)
        batches: list[Batch] = []
        control: FileControl | None = None
        index = 1
        while index < len(records):
            line = index + 1
            record = records[index]
            kind = record[0]
            if control is not None:
                if record != _FILLER:
                    raise BankFileError(
                        line, "record type", "only 9-filler records may follow the file control"
                    )
                index += 1
                continue
            if kind == "5":
                batch, index = self._batch(index)
                batches.append(batch)
                continue
            if kind == "9":
                if record == _FILLER:
                    raise BankFileError(line, "record type", "9-filler before the file control record")
                control = self._file_control(record, line)
                index += 1
                continue
            raise BankFileError(
                line, "record type", f"expected a 5 batch header or the 9 file control, not {kind!r}"
            )
        if control is None:
            raise BankFileError(len(records), "record type", "the file ends without a 9 file control record")
        ach = AchFile(header=header, batches=tuple(batches), control=control, record_count=len(records))
        self._check_file(ach)
        return AchFile(
            header=header,
            batches=ach.batches,
            control=control,
            record_count=len(records),
            errors=tuple(self.errors),
        )

    def _file_header(self, r: str, line: int) -> FileHeader:
        if r[34:37] != "094":
            self.problem(line, "record size (positions 35-37)", f"should be 094, is {r[34:37]!r}")
        created = _yymmdd(r[23:29], line, "file creation date (positions 24-29)")
        if created is None:
            raise BankFileError(line, "file creation date (positions 24-29)", "missing")
        return FileHeader(
            line=line,
            priority_code=r[1:3],
            immediate_destination=_text(r, 4, 13),
            immediate_origin=_text(r, 14, 23),
            creation_date=created,
            creation_time=_text(r, 30, 33),
            file_id_modifier=r[33],
            destination_name=_text(r, 41, 63),
            origin_name=_text(r, 64, 86),
            reference_code=_text(r, 87, 94),
        )

    def _batch(self, index: int) -> tuple[Batch, int]:
        records = self.records
        header_line = index + 1
        header = self._batch_header(records[index], header_line)
        iat = header.sec_code == "IAT"
        entries: list[Entry] = []
        pending: Entry | None = None
        addenda: list[Addenda] = []
        index += 1
        while index < len(records):
            line = index + 1
            record = records[index]
            kind = record[0]
            if kind == "6":
                if pending is not None:
                    entries.append(_with_addenda(pending, addenda))
                pending, addenda = self._entry(record, line, iat=iat), []
            elif kind == "7":
                if pending is None:
                    raise BankFileError(
                        line, "record type", "an addenda record before any entry in the batch"
                    )
                addenda.append(self._addenda(record, line))
            elif kind == "8":
                if pending is not None:
                    entries.append(_with_addenda(pending, addenda))
                control = self._batch_control(record, line)
                batch = Batch(header=header, entries=tuple(entries), control=control)
                self._check_batch(batch)
                return batch, index + 1
            else:
                raise BankFileError(line, "record type", f"expected 6, 7 or 8 inside a batch, not {kind!r}")
            index += 1
        raise BankFileError(header_line, "batch", "the batch has no 8 batch control record")

    def _batch_header(self, r: str, line: int) -> BatchHeader:
        return BatchHeader(
            line=line,
            service_class_code=r[1:4],
            company_name=_text(r, 5, 20),
            company_discretionary_data=_text(r, 21, 40),
            company_id=_text(r, 41, 50),
            sec_code=r[50:53],
            entry_description=_text(r, 54, 63),
            descriptive_date=_text(r, 64, 69),
            effective_date=_yymmdd(r[69:75], line, "effective entry date (positions 70-75)"),
            settlement_date=_text(r, 76, 78),
            originator_status=r[78],
            odfi_id=r[79:87],
            batch_number=_digits(r, 88, 94, line, "batch number"),
        )

    def _entry(self, r: str, line: int, *, iat: bool) -> Entry:
        code = r[1:3]
        if code not in _CREDIT_CODES and code not in _DEBIT_CODES:
            self.problem(line, "transaction code (positions 2-3)", f"unknown transaction code {code!r}")
        rdfi = r[3:11]
        if not is_digits(rdfi):
            raise BankFileError(line, "RDFI routing (positions 4-11)", f"must be 8 digits, not {rdfi!r}")
        check = r[11]
        if check != routing_check_digit(rdfi):
            self.problem(
                line,
                "check digit (position 12)",
                f"{rdfi}{check} fails the routing check digit (expected {routing_check_digit(rdfi)})",
            )
        amount = _digits(r, 30, 39, line, "amount")
        if iat:  # IAT: 13-16 addenda count, 40-74 foreign account number; names live in the 710 addenda
            return Entry(
                line=line,
                transaction_code=code,
                rdfi_routing=rdfi,
                check_digit=check,
                account_number=_text(r, 40, 74),
                amount_cents=amount,
                individual_id="",
                individual_name="",
                discretionary_data="",
                addenda_indicator=r[78],
                trace_number=r[79:94],
            )
        return Entry(
            line=line,
            transaction_code=code,
            rdfi_routing=rdfi,
            check_digit=check,
            account_number=_text(r, 13, 29),
            amount_cents=amount,
            individual_id=_text(r, 40, 54),
            individual_name=_text(r, 55, 76),
            discretionary_data=r[76:78].strip(),
            addenda_indicator=r[78],
            trace_number=r[79:94],
        )

    def _addenda(self, r: str, line: int) -> Addenda:
        kind = r[1:3]
        if kind == "99":
            return Addenda(
                line=line,
                type_code=kind,
                raw=r,
                return_code=_text(r, 4, 6),
                original_trace=_text(r, 7, 21),
                date_of_death=_text(r, 22, 27) or None,
                original_rdfi=_text(r, 28, 35),
                information=_text(r, 36, 79) or None,
                trace_number=_text(r, 80, 94),
            )
        if kind == "98":
            return Addenda(
                line=line,
                type_code=kind,
                raw=r,
                change_code=_text(r, 4, 6),
                original_trace=_text(r, 7, 21),
                original_rdfi=_text(r, 28, 35),
                corrected_data=_text(r, 36, 64),
                trace_number=_text(r, 80, 94),
            )
        if kind == "05":
            return Addenda(line=line, type_code=kind, raw=r, payment_info=_text(r, 4, 83) or None)
        return Addenda(line=line, type_code=kind, raw=r)  # 02 POS, 10-18 IAT: kept as received

    def _batch_control(self, r: str, line: int) -> BatchControl:
        return BatchControl(
            line=line,
            service_class_code=r[1:4],
            entry_addenda_count=_digits(r, 5, 10, line, "entry/addenda count"),
            entry_hash=_digits(r, 11, 20, line, "entry hash"),
            total_debit_cents=_digits(r, 21, 32, line, "total debit amount"),
            total_credit_cents=_digits(r, 33, 44, line, "total credit amount"),
            company_id=_text(r, 45, 54),
            odfi_id=r[79:87],
            batch_number=_digits(r, 88, 94, line, "batch number"),
        )

    def _file_control(self, r: str, line: int) -> FileControl:
        return FileControl(
            line=line,
            batch_count=_digits(r, 2, 7, line, "batch count"),
            block_count=_digits(r, 8, 13, line, "block count"),
            entry_addenda_count=_digits(r, 14, 21, line, "entry/addenda count"),
            entry_hash=_digits(r, 22, 31, line, "entry hash"),
            total_debit_cents=_digits(r, 32, 43, line, "total debit amount"),
            total_credit_cents=_digits(r, 44, 55, line, "total credit amount"),
        )

    def _check_batch(self, batch: Batch) -> None:
        control, header = batch.control, batch.header
        line = control.line
        for name, stated, actual in (
            ("entry/addenda count (positions 5-10)", control.entry_addenda_count, batch.entry_addenda_count),
            ("entry hash (positions 11-20)", control.entry_hash, batch.entry_hash),
            ("total debit amount (positions 21-32)", control.total_debit_cents, batch.total_debit_cents),
            ("total credit amount (positions 33-44)", control.total_credit_cents, batch.total_credit_cents),
        ):
            if stated != actual:
                self.problem(
                    line,
                    name,
                    f"batch {header.batch_number} control says {stated}, its entries give {actual}",
                )
        if control.service_class_code != header.service_class_code:
            self.problem(
                line,
                "service class code (positions 2-4)",
                f"control {control.service_class_code} differs from header {header.service_class_code}",
            )
        if control.batch_number != header.batch_number:
            self.problem(
                line,
                "batch number (positions 88-94)",
                f"control {control.batch_number} differs from header {header.batch_number}",
            )
        for entry in batch.entries:
            if entry.addenda_indicator == "0" and entry.addenda:
                self.problem(
                    entry.line, "addenda record indicator (position 79)", "0, but addenda records follow"
                )
            if entry.addenda_indicator == "1" and not entry.addenda:
                self.problem(
                    entry.line, "addenda record indicator (position 79)", "1, but no addenda record follows"
                )

    def _check_file(self, ach: AchFile) -> None:
        control = ach.control
        blocks = -(-ach.record_count // BLOCKING_FACTOR)
        for name, stated, actual in (
            ("batch count (positions 2-7)", control.batch_count, len(ach.batches)),
            ("block count (positions 8-13)", control.block_count, blocks),
            (
                "entry/addenda count (positions 14-21)",
                control.entry_addenda_count,
                sum(b.entry_addenda_count for b in ach.batches),
            ),
            ("entry hash (positions 22-31)", control.entry_hash, ach.entry_hash),
            ("total debit amount (positions 32-43)", control.total_debit_cents, ach.total_debit_cents),
            ("total credit amount (positions 44-55)", control.total_credit_cents, ach.total_credit_cents),
        ):
            if stated != actual:
                self.problem(control.line, name, f"file control says {stated}, the file gives {actual}")


def _with_addenda(entry: Entry, addenda: list[Addenda]) -> Entry:
    if not addenda:
        return entry
    iat_710 = next((a for a in addenda if a.type_code == "10"), None)
    if iat_710 is not None and not entry.individual_name:  # IAT: the receiver's name is in 710, 47-81
        return replace(entry, addenda=tuple(addenda), individual_name=iat_710.raw[46:81].strip())
    return replace(entry, addenda=tuple(addenda))


# ---------------------------------------------------------------------------------------------- writing


def routing_check_digit(first_eight: str) -> str:
    """The ABA check digit: weights 3, 7, 1 repeated over the first eight digits."""
    total = sum(int(d) * w for d, w in zip(first_eight, (3, 7, 1, 3, 7, 1, 3, 7), strict=True))
    return str((10 - total % 10) % 10)


def routing_number_valid(routing: str) -> bool:
    return len(routing) == 9 and is_digits(routing) and routing_check_digit(routing[:8]) == routing[8]


@dataclass(frozen=True, slots=True)
class DebitEntry:
    """One PPD debit we originate: a plan installment the debtor authorised."""

    routing_number: str  # 9 digits, check digit included
    account_number: str
    amount_cents: int
    individual_id: str  # our reference for the receiver, e.g. the account (debt) number
    individual_name: str
    effective_date: date
    savings: bool = False  # 37 savings debit instead of 27 checking debit


@dataclass(frozen=True, slots=True)
class Originator:
    """Who sends the file and through which bank (the ODFI)."""

    odfi_routing: str  # 9 digits; the first 8 start every trace number and close every batch
    company_name: str  # 16 characters shown on the debtor's statement
    company_id: str  # 10 characters, usually "1" + EIN
    destination_name: str  # the ODFI's name
    origin_name: str  # our name
    immediate_destination: str | None = None  # routing of the receiving point; defaults to the ODFI
    immediate_origin: str | None = None  # defaults to the company id
    entry_description: str = "PAYMENT"  # 10 characters, shown to the debtor


_PRINTABLE = re.compile(r"[ -~]*")


def _alnum(value: str, width: int, name: str, *, truncate: bool = False) -> str:
    if not _PRINTABLE.fullmatch(value):
        raise BankFileError(None, name, f"must be printable ASCII: {value!r}")
    if len(value) > width and not truncate:
        raise BankFileError(None, name, f"longer than {width} characters: {value!r}")
    return value[:width].ljust(width)


def _number(value: int, width: int, name: str) -> str:
    if value < 0 or value >= 10**width:
        raise BankFileError(None, name, f"{value} does not fit in {width} digits")
    return str(value).zfill(width)


def write_ppd_debits(
    entries: Sequence[DebitEntry],
    *,
    originator: Originator,
    created_at: datetime,
    file_id_modifier: str = "A",
) -> bytes:
    """A complete PPD debit file: one batch (service class 225) per effective date, trace numbers
    ODFI + 7-digit sequence across the file, controls computed from the entries, 9-filled to blocks of 10.

    ``created_at`` is passed in (no clock here); it is written as the file creation date and time in the
    zone it carries, which should be the ODFI's.
    """
    if not entries:
        raise BankFileError(None, "entries", "an ACH file needs at least one entry")
    if not routing_number_valid(originator.odfi_routing):
        raise BankFileError(
            None, "originator.odfi_routing", f"not a valid routing number: {originator.odfi_routing!r}"
        )
    if not re.fullmatch(r"[A-Z0-9]", file_id_modifier):
        raise BankFileError(None, "file_id_modifier", "must be one character A-Z or 0-9")
    for position, entry in enumerate(entries):
        _validate(entry, position)
    odfi = originator.odfi_routing[:8]
    destination = originator.immediate_destination or originator.odfi_routing
    origin = originator.immediate_origin or originator.company_id
    lines = [
        "101"
        + _alnum(destination.rjust(10), 10, "immediate_destination")
        + _alnum(origin.rjust(10), 10, "immediate_origin")
        + created_at.strftime("%y%m%d%H%M")
        + file_id_modifier
        + "094"
        + "10"
        + "1"
        + _alnum(originator.destination_name, 23, "destination_name", truncate=True)
        + _alnum(originator.origin_name, 23, "origin_name", truncate=True)
        + " " * 8
    ]
    by_date: dict[date, list[DebitEntry]] = {}
    for entry in entries:
        by_date.setdefault(entry.effective_date, []).append(entry)
    sequence = 0
    file_hash = file_count = file_debit = 0
    for batch_number, (effective, batch_entries) in enumerate(sorted(by_date.items()), start=1):
        lines.append(
            "5225"
            + _alnum(originator.company_name, 16, "company_name", truncate=True)
            + " " * 20
            + _alnum(originator.company_id, 10, "company_id")
            + "PPD"
            + _alnum(originator.entry_description, 10, "entry_description", truncate=True)
            + " " * 6
            + effective.strftime("%y%m%d")
            + "   "
            + "1"
            + odfi
            + _number(batch_number, 7, "batch number")
        )
        batch_hash = batch_debit = 0
        for entry in batch_entries:
            sequence += 1
            lines.append(
                "6"
                + (SAVINGS_DEBIT if entry.savings else CHECKING_DEBIT)
                + entry.routing_number
                + _alnum(entry.account_number, 17, "account_number")
                + _number(entry.amount_cents, 10, "amount_cents")
                + _alnum(entry.individual_id, 15, "individual_id")
                + _alnum(entry.individual_name, 22, "individual_name", truncate=True)
                + "  "
                + "0"
                + odfi
                + _number(sequence, 7, "trace sequence")
            )
            batch_hash += int(entry.routing_number[:8])
            batch_debit += entry.amount_cents
        count = len(batch_entries)
        lines.append(
            "8225"
            + _number(count, 6, "entry/addenda count")
            + _number(batch_hash % _HASH_MODULUS, 10, "entry hash")
            + _number(batch_debit, 12, "total debit")
            + _number(0, 12, "total credit")
            + _alnum(originator.company_id, 10, "company_id")
            + " " * 19
            + " " * 6
            + odfi
            + _number(batch_number, 7, "batch number")
        )
        file_hash += batch_hash
        file_count += count
        file_debit += batch_debit
    record_count = len(lines) + 1
    blocks = -(-record_count // BLOCKING_FACTOR)
    lines.append(
        "9"
        + _number(len(by_date), 6, "batch count")
        + _number(blocks, 6, "block count")
        + _number(file_count, 8, "entry/addenda count")
        + _number(file_hash % _HASH_MODULUS, 10, "entry hash")
        + _number(file_debit, 12, "total debit")
        + _number(0, 12, "total credit")
        + " " * 39
    )
    lines.extend([_FILLER] * (blocks * BLOCKING_FACTOR - len(lines)))
    assert all(len(line) == RECORD_LENGTH for line in lines), "a record is not 94 characters"
    return ("\n".join(lines) + "\n").encode("ascii")


def _validate(entry: DebitEntry, position: int) -> None:
    where = f"entries[{position}]"
    if not routing_number_valid(entry.routing_number):
        raise BankFileError(
            None, f"{where}.routing_number", f"not a valid routing number: {entry.routing_number!r}"
        )
    if not entry.account_number.strip() or not re.fullmatch(r"[A-Za-z0-9\-]{1,17}", entry.account_number):
        raise BankFileError(None, f"{where}.account_number", "1-17 letters, digits or hyphens")
    if not 0 < entry.amount_cents < 10**10:
        raise BankFileError(
            None, f"{where}.amount_cents", f"must be 1..9,999,999,999 cents, not {entry.amount_cents}"
        )
    if not entry.individual_name.strip():
        raise BankFileError(None, f"{where}.individual_name", "the receiver's name is required")
