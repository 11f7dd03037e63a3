"""Metro 2 (CDIA Credit Reporting Resource Guide) character format: layout, writer, reader, validator.

Only the parts a collection agency or debt buyer furnishes: the 426-byte header, base segment and
trailer, and the K1 (original creditor) segment appended to the base. Positions are 1-based and
inclusive, as the CRRG prints them. Pure: no ORM, no clock, no I/O.
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

RECORD_LENGTH = 426
K1_LENGTH = 34

# (name, start, end, kind): kind N numeric (zero-filled, right-justified), D date MMDDYYYY (zeros when
# none), A alphanumeric (left-justified, blank-filled).
BASE: tuple[tuple[str, int, int, str], ...] = (
    ("record_descriptor_word", 1, 4, "N"),
    ("processing_indicator", 5, 5, "A"),
    ("time_stamp", 6, 19, "N"),
    ("correction_indicator", 20, 20, "A"),
    ("identification_number", 21, 40, "A"),
    ("cycle_identifier", 41, 42, "A"),
    ("consumer_account_number", 43, 72, "A"),
    ("portfolio_type", 73, 73, "A"),
    ("account_type", 74, 75, "A"),
    ("date_opened", 76, 83, "D"),
    ("credit_limit", 84, 92, "N"),
    ("highest_credit", 93, 101, "N"),
    ("terms_duration", 102, 104, "A"),
    ("terms_frequency", 105, 105, "A"),
    ("scheduled_monthly_payment", 106, 114, "N"),
    ("actual_payment_amount", 115, 123, "N"),
    ("account_status", 124, 125, "A"),
    ("payment_rating", 126, 126, "A"),
    ("payment_history_profile", 127, 150, "A"),
    ("special_comment", 151, 152, "A"),
    ("compliance_condition_code", 153, 154, "A"),
    ("current_balance", 155, 163, "N"),
    ("amount_past_due", 164, 172, "N"),
    ("original_charge_off_amount", 173, 181, "N"),
    ("date_of_account_information", 182, 189, "D"),
    ("date_of_first_delinquency", 190, 197, "D"),
    ("date_closed", 198, 205, "D"),
    ("date_of_last_payment", 206, 213, "D"),
    ("interest_type_indicator", 214, 214, "A"),
    ("reserved_215", 215, 231, "A"),
    ("surname", 232, 256, "A"),
    ("first_name", 257, 276, "A"),
    ("middle_name", 277, 296, "A"),
    ("generation_code", 297, 297, "A"),
    ("social_security_number", 298, 306, "N"),
    ("date_of_birth", 307, 314, "D"),
    ("telephone_number", 315, 324, "N"),
    ("ecoa_code", 325, 325, "A"),
    ("consumer_information_indicator", 326, 327, "A"),
    ("country_code", 328, 329, "A"),
    ("address_line_1", 330, 361, "A"),
    ("address_line_2", 362, 393, "A"),
    ("city", 394, 413, "A"),
    ("state", 414, 415, "A"),
    ("postal_code", 416, 424, "A"),
    ("address_indicator", 425, 425, "A"),
    ("residence_code", 426, 426, "A"),
)

HEADER: tuple[tuple[str, int, int, str], ...] = (
    ("record_descriptor_word", 1, 4, "N"),
    ("record_identifier", 5, 10, "A"),
    ("cycle_identifier", 11, 12, "A"),
    ("innovis_program_identifier", 13, 22, "A"),
    ("equifax_program_identifier", 23, 32, "A"),
    ("experian_program_identifier", 33, 37, "A"),
    ("transunion_program_identifier", 38, 47, "A"),
    ("activity_date", 48, 55, "D"),
    ("date_created", 56, 63, "D"),
    ("program_date", 64, 71, "D"),
    ("program_revision_date", 72, 79, "D"),
    ("reporter_name", 80, 119, "A"),
    ("reporter_address", 120, 215, "A"),
    ("reporter_telephone_number", 216, 225, "N"),
    ("software_vendor_name", 226, 265, "A"),
    ("software_version_number", 266, 270, "A"),
    ("prbc_program_identifier", 271, 280, "A"),
    ("reserved_281", 281, 426, "A"),
)

# The trailer's totals: (name, start, end). All numeric, 9 digits.
_TRAILER_TOTALS = (
    "total_base_records",
    "reserved_21",
    "total_j1_segments",
    "total_j2_segments",
    "block_count",
    "total_status_da",
    "total_status_05",
    "total_status_11",
    "total_status_13",
    "total_status_61",
    "total_status_62",
    "total_status_63",
    "total_status_64",
    "total_status_65",
    "total_status_71",
    "total_status_78",
    "total_status_80",
    "total_status_82",
    "total_status_83",
    "total_status_84",
    "total_status_88",
    "total_status_89",
    "total_status_93",
    "total_status_94",
    "total_status_95",
    "total_status_96",
    "total_status_97",
    "total_ecoa_z",
    "total_n1_segments",
    "total_k1_segments",
    "total_k2_segments",
    "total_k3_segments",
    "total_k4_segments",
    "total_l1_segments",
    "total_ssn_all",
    "total_ssn_base",
    "total_ssn_j1",
    "total_ssn_j2",
    "total_dob_all",
    "total_dob_base",
    "total_dob_j1",
    "total_dob_j2",
    "total_telephone_all",
)
TRAILER: tuple[tuple[str, int, int, str], ...] = (
    ("record_descriptor_word", 1, 4, "N"),
    ("record_identifier", 5, 11, "A"),
    *((name, 12 + 9 * i, 20 + 9 * i, "N") for i, name in enumerate(_TRAILER_TOTALS)),
    ("reserved_399", 399, 426, "A"),
)
# total_status_df sits in the trailer's first reserved slot (positions 21-29) in the CRRG since 2012.
STATUS_TOTAL_FIELD = {"DF": "reserved_21", "DA": "total_status_da"} | {
    name[-2:]: name for name in _TRAILER_TOTALS if name.startswith("total_status_") and name[-2:].isdigit()
}

K1: tuple[tuple[str, int, int, str], ...] = (
    ("segment_identifier", 1, 2, "A"),
    ("original_creditor_name", 3, 32, "A"),
    ("creditor_classification", 33, 34, "N"),
)

# --- code lists (CRRG) ---------------------------------------------------------------------------------
PORTFOLIO_TYPES = frozenset("CIMOR")
ACCOUNT_TYPE_COLLECTION_AGENCY = "48"  # Collection Agency/Attorney
ACCOUNT_TYPE_DEBT_BUYER = "0C"  # Debt Purchaser
COLLECTION_ACCOUNT_TYPES = frozenset({"48", "0C", "77"})  # 77: returned check
STATUS_COLLECTION = "93"  # account assigned to internal or external collections
STATUS_PAID_COLLECTION = "62"  # paid in full, was a collection account
STATUS_DELETE = "DA"  # delete entire account (not fraud)
STATUS_DELETE_FRAUD = "DF"  # delete entire account, confirmed fraud
ACCOUNT_STATUSES = frozenset(
    [
        "05",
        "11",
        "13",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "78",
        "80",
        "82",
        "83",
        "84",
        "88",
        "89",
        "93",
        "94",
        "95",
        "96",
        "97",
        "DA",
        "DF",
    ]
)
PAID_ZERO_BALANCE_STATUSES = frozenset({"13", "61", "62", "63", "64", "65"})
PAST_DUE_STATUSES = frozenset({"71", "78", "80", "82", "83", "84"})
DELINQUENT_STATUSES = PAST_DUE_STATUSES | frozenset(
    {"61", "62", "63", "64", "65", "93", "94", "95", "96", "97"}
)
RATING_STATUSES = frozenset({"05", "13", "65", "88", "89", "94", "95"})
PAYMENT_RATINGS = frozenset("0123456LG")
# XB: disputed under FCRA, investigation pending; XC: completed, consumer disagrees; XH: previously in
# dispute, investigation completed; XR: removes the last compliance condition code; others (FCBA/ECOA).
COMPLIANCE_CONDITION_CODES = frozenset(["XA", "XB", "XC", "XD", "XE", "XF", "XG", "XH", "XJ", "XR"])
CCC_DISPUTED = "XB"
CCC_DISPUTE_RESOLVED = "XH"
CCC_DISPUTE_RESOLVED_CONSUMER_DISAGREES = "XC"
TERMS_FREQUENCIES = frozenset("DPWBEMLQTSY")
ECOA_CODES = frozenset("1234579TXWZ")
INTEREST_TYPES = frozenset(" FV")
GENERATION_CODES = frozenset(" JS234567")
ADDRESS_INDICATORS = frozenset(" BCDEFGIMNPQSTUXYZ")
RESIDENCE_CODES = frozenset(" OR")
CONSUMER_INFORMATION_INDICATORS = frozenset(
    [
        "  ",
        *[
            "A",
            "B",
            "C",
            "D",
            "E",
            "F",
            "G",
            "H",
            "1A",
            "2A",
            "3A",
            "4A",
            "5A",
            "6A",
            "7A",
            "8A",
            "9A",
            "Q",
            "R",
            "S",
            "T",
            "U",
            "V",
            "W",
            "X",
            "Y",
            "Z",
        ],
    ]
)
PAYMENT_HISTORY_CHARS = frozenset("0123456BDEGHJKL")
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "VI",
        "GU",
        "AS",
        "MP",
        "AA",
        "AE",
        "AP",
        "FM",
        "MH",
        "PW",
    ]
)


# --- writing -------------------------------------------------------------------------------------------


def amount(value: Decimal | None) -> str:
    """Whole dollars, rounded half-up (CRRG: amounts are reported in whole dollars)."""
    return str(int((value or Decimal(0)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def mmddyyyy(value: date | None) -> str:
    return value.strftime("%m%d%Y") if value else "00000000"


def _fill(layout: Sequence[tuple[str, int, int, str]], values: dict[str, str], length: int) -> str:
    out = [" "] * length
    for name, start, end, kind in layout:
        width = end - start + 1
        raw = str(values.get(name, "") or "")
        if kind in ("N", "D"):
            text = (raw or "0").rjust(width, "0")[-width:] if raw.strip() else "0" * width
        else:
            text = raw.upper()[:width].ljust(width)
        out[start - 1 : end] = text
    return "".join(out)


def base_segment(values: dict[str, str]) -> str:
    return _fill(BASE, {**values, "record_descriptor_word": ""}, RECORD_LENGTH)


def k1_segment(original_creditor: str, classification: str = "01") -> str:
    return _fill(
        K1,
        {
            "segment_identifier": "K1",
            "original_creditor_name": original_creditor,
            "creditor_classification": classification,
        },
        K1_LENGTH,
    )


def with_rdw(record: str) -> str:
    return f"{len(record):04d}" + record[4:]


def header_record(values: dict[str, str]) -> str:
    return with_rdw(_fill(HEADER, {**values, "record_identifier": "HEADER"}, RECORD_LENGTH))


def trailer_record(totals: dict[str, int]) -> str:
    values = {name: str(totals.get(name, 0)) for name in _TRAILER_TOTALS}
    return with_rdw(_fill(TRAILER, {**values, "record_identifier": "TRAILER"}, RECORD_LENGTH))


def trailer_totals(records: Sequence[Record]) -> dict[str, int]:
    """The trailer's counts for the base records (and their K1 segments) of a file."""
    totals: Counter[str] = Counter()
    for r in records:
        if r.kind != "base":
            continue
        b = r.fields
        totals["total_base_records"] += 1
        if field_name := STATUS_TOTAL_FIELD.get(b["account_status"]):
            totals[field_name] += 1
        if b["ecoa_code"] == "Z":
            totals["total_ecoa_z"] += 1
        totals["total_k1_segments"] += sum(1 for s in r.segments if s.get("segment_identifier") == "K1")
        has_ssn = b["social_security_number"].strip("0 ") != ""
        has_dob = b["date_of_birth"].strip("0 ") != ""
        totals["total_ssn_base"] += has_ssn
        totals["total_ssn_all"] += has_ssn
        totals["total_dob_base"] += has_dob
        totals["total_dob_all"] += has_dob
        totals["total_telephone_all"] += b["telephone_number"].strip("0 ") != ""
    totals["block_count"] = 0
    return dict(totals)


# --- reading -------------------------------------------------------------------------------------------


@dataclass
class Record:
    """One record of a file: its 1-based position, kind (header, base, trailer, unknown) and fields."""

    number: int
    kind: str
    raw: str
    fields: dict[str, str] = field(default_factory=dict)
    segments: list[dict[str, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


def _slice(layout: Sequence[tuple[str, int, int, str]], text: str) -> dict[str, str]:
    return {name: text[start - 1 : end] for name, start, end, _ in layout}


# Appended segments and their fixed lengths (CRRG).
SEGMENT_LENGTHS = {"J1": 100, "J2": 200, "K1": 34, "K2": 34, "K3": 40, "K4": 30, "L1": 54, "N1": 146}


def _segments(tail: str) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    segments: list[dict[str, str]] = []
    problems: list[tuple[str, str]] = []
    pos = 0
    while pos < len(tail):
        if not tail[pos:].strip():
            break
        ident = tail[pos : pos + 2]
        length = SEGMENT_LENGTHS.get(ident)
        if length is None:
            problems.append(("segment_identifier", f"unknown appended segment {ident!r} at byte {427 + pos}"))
            break
        text = tail[pos : pos + length]
        if len(text) < length:
            problems.append(
                ("segment_identifier", f"{ident} segment is {len(text)} bytes, expected {length}")
            )
        seg = _slice(K1, text) if ident == "K1" else {"segment_identifier": ident}
        segments.append(seg)
        pos += length
    return segments, problems


def split_records(data: bytes) -> tuple[list[str], list[tuple[int, str, str]]]:
    """The records of a Metro 2 file (character format), whether one per line or back to back.

    Accepts a .zip holding one file. Returns (records, file-level problems as (record, field, message)).
    """
    if data[:4] == b"PK\x03\x04":
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n for n in zf.namelist() if not n.endswith("/")]
            data = zf.read(names[0]) if names else b""
    text = data.decode("latin-1")
    if text[:4].isdigit() and text[4:8].isdigit() and text[8:14] == "HEADER":
        text = text[4:]  # a block descriptor word before the header
    if any(ord(c) < 32 and c not in "\r\n" for c in text[:4]):
        return [], [
            (0, "record_descriptor_word", "packed (binary) format: only the character format is read")
        ]
    if "\n" in text.strip("\r\n"):
        out: list[str] = []
        for line in (x.rstrip("\r") for x in text.split("\n") if x.strip("\r")):
            # a header or base whose RDW says 426+ with another record after it on the same line
            while (
                line[:4].isdigit()
                and int(line[:4]) >= RECORD_LENGTH
                and len(line) > int(line[:4])
                and (line[int(line[:4]) : int(line[:4]) + 4].isdigit())
            ):
                out.append(line[: int(line[:4])])
                line = line[int(line[:4]) :]
            out.append(line)
        return out, []
    records: list[str] = []
    pos = 0
    body = text.rstrip("\r\n")
    while pos < len(body):
        rdw = body[pos : pos + 4]
        if not rdw.isdigit() or int(rdw) < 4:
            return records, [
                (len(records) + 1, "record_descriptor_word", f"unreadable record length {rdw!r}")
            ]
        records.append(body[pos : pos + int(rdw)])
        pos += int(rdw)
    return records, []


def parse_record(number: int, raw: str) -> Record:
    ident = raw[4:11]
    if ident.startswith("HEADER"):
        return Record(number, "header", raw, _slice(HEADER, raw.ljust(RECORD_LENGTH)))
    if ident == "TRAILER":
        return Record(number, "trailer", raw, _slice(TRAILER, raw.ljust(RECORD_LENGTH)))
    if len(raw) < RECORD_LENGTH:
        return Record(
            number, "unknown", raw, problems=[("record", f"record is {len(raw)} bytes, shorter than 426")]
        )
    record = Record(number, "base", raw, _slice(BASE, raw))
    record.segments, record.problems = _segments(raw[RECORD_LENGTH:])
    return record


def parse(data: bytes) -> tuple[list[Record], list[tuple[int, str, str]]]:
    raw_records, problems = split_records(data)
    return [parse_record(i, r) for i, r in enumerate(raw_records, start=1)], problems


# --- validating ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Error:
    record: int
    field: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"record": self.record, "field": self.field, "message": self.message}


def _date(value: str) -> date | None:
    """MMDDYYYY, or None for zeros/blanks. Raises ValueError on anything else."""
    if value.strip("0 ") == "":
        return None
    if not value.isdigit():
        raise ValueError(value)
    return date(int(value[4:]), int(value[:2]), int(value[2:4]))


def _num(value: str) -> int:
    return int(value) if value.strip().isdigit() else 0


def _blank(value: str) -> bool:
    return value.strip() == "" or value.strip("0") == ""


def _field_errors(
    layout: Sequence[tuple[str, int, int, str]], fields: dict[str, str]
) -> Iterator[tuple[str, str]]:
    for name, _start, _end, kind in layout:
        value = fields[name]
        if kind == "N" and not value.isdigit() and name != "postal_code":
            yield name, f"must be numeric, zero-filled: {value!r}"
        elif kind == "D":
            try:
                _date(value)
            except ValueError:
                yield name, f"must be a date MMDDYYYY or zeros: {value!r}"


def _base_field_rules(f: dict[str, str]) -> Iterator[tuple[str, str]]:
    yield from _field_errors(BASE, f)
    enums = (
        ("processing_indicator", frozenset("1"), "must be 1"),
        ("portfolio_type", PORTFOLIO_TYPES, "must be one of C, I, M, O, R"),
        ("account_status", ACCOUNT_STATUSES, "is not an account status code"),
        ("terms_frequency", TERMS_FREQUENCIES, "is not a terms frequency code"),
        ("ecoa_code", ECOA_CODES, "is not an ECOA code"),
        ("interest_type_indicator", INTEREST_TYPES, "must be F, V or blank"),
        ("generation_code", GENERATION_CODES, "is not a generation code"),
        ("address_indicator", ADDRESS_INDICATORS, "is not an address indicator"),
        ("residence_code", RESIDENCE_CODES, "must be O, R or blank"),
        ("consumer_information_indicator", CONSUMER_INFORMATION_INDICATORS, "is not a CII code"),
    )
    for name, allowed, message in enums:
        if f[name] not in allowed:
            yield name, f"{message}: {f[name]!r}"
    if (
        f["compliance_condition_code"].strip()
        and f["compliance_condition_code"] not in COMPLIANCE_CONDITION_CODES
    ):
        yield (
            "compliance_condition_code",
            f"is not a compliance condition code: {f['compliance_condition_code']!r}",
        )
    if f["payment_rating"] not in PAYMENT_RATINGS | {" "}:
        yield "payment_rating", f"is not a payment rating: {f['payment_rating']!r}"
    if any(c not in PAYMENT_HISTORY_CHARS for c in f["payment_history_profile"]):
        yield "payment_history_profile", "holds a character that is not a payment history code"
    if f["identification_number"].strip() == "":
        yield "identification_number", "is required"
    if f["consumer_account_number"].strip() == "":
        yield "consumer_account_number", "is required"
    if not f["account_type"].strip():
        yield "account_type", "is required"


def _dates(f: dict[str, str]) -> dict[str, date | None]:
    out: dict[str, date | None] = {}
    for name, _s, _e, kind in BASE:
        if kind == "D":
            try:
                out[name] = _date(f[name])
            except ValueError:
                out[name] = None
    return out


def _base_cross_rules(f: dict[str, str]) -> Iterator[tuple[str, str]]:  # noqa: C901 - a flat rule table
    status = f["account_status"]
    balance = _num(f["current_balance"])
    past_due = _num(f["amount_past_due"])
    d = _dates(f)
    dai = d["date_of_account_information"]
    deleting = status in (STATUS_DELETE, STATUS_DELETE_FRAUD)
    collection = f["account_type"] in COLLECTION_ACCOUNT_TYPES
    # 1-4: balances by status
    if status in PAID_ZERO_BALANCE_STATUSES and balance != 0:
        yield "current_balance", f"status {status} (paid or closed) requires a zero current balance"
    if status == STATUS_COLLECTION and balance == 0:
        yield "current_balance", "status 93 (in collection) requires a current balance above zero"
    if past_due > balance and not deleting:
        yield "amount_past_due", "amount past due exceeds the current balance"
    if status == "11" and past_due != 0:
        yield "amount_past_due", "status 11 (current) requires a zero amount past due"
    # 5-6
    if status in PAST_DUE_STATUSES and past_due == 0:
        yield "amount_past_due", f"status {status} (past due) requires an amount past due"
    if collection and status == STATUS_COLLECTION and past_due != balance:
        yield "amount_past_due", "a collection account in status 93 reports the whole balance as past due"
    # 7-8: date of first delinquency
    if status in DELINQUENT_STATUSES and d["date_of_first_delinquency"] is None and not deleting:
        yield "date_of_first_delinquency", f"status {status} requires the date of first delinquency"
    if (
        status in ("11", "13")
        and d["date_of_first_delinquency"] is not None
        and past_due == 0
        and status == "11"
    ):
        yield (
            "date_of_first_delinquency",
            "status 11 (current) with nothing past due carries no first delinquency",
        )
    # 9-15: date order
    if dai and d["date_of_first_delinquency"] and d["date_of_first_delinquency"] > dai:
        yield "date_of_first_delinquency", "is after the date of account information"
    if dai and d["date_opened"] and d["date_opened"] > dai:
        yield "date_opened", "is after the date of account information"
    if d["date_closed"] and d["date_opened"] and d["date_closed"] < d["date_opened"]:
        yield "date_closed", "is before the date opened"
    if dai and d["date_closed"] and d["date_closed"] > dai:
        yield "date_closed", "is after the date of account information"
    if d["date_of_last_payment"] and dai and d["date_of_last_payment"] > dai:
        yield "date_of_last_payment", "is after the date of account information"
    if (
        d["date_of_last_payment"]
        and d["date_opened"]
        and d["date_of_last_payment"] < d["date_opened"]
        and not collection
    ):
        yield "date_of_last_payment", "is before the date opened"
    if (
        not collection
        and d["date_of_first_delinquency"]
        and d["date_opened"]
        and d["date_of_first_delinquency"] < d["date_opened"]
    ):
        yield "date_of_first_delinquency", "is before the date opened (only a collection account may carry "
        "the original creditor's earlier date)"
    if dai is None:
        yield "date_of_account_information", "is required"
    if d["date_opened"] is None and not deleting:
        yield "date_opened", "is required"
    # 16-20: collection accounts
    if collection and f["portfolio_type"] != "O":
        yield (
            "portfolio_type",
            f"account type {f['account_type']} (collection) is reported with portfolio type O",
        )
    if f["account_type"] in (ACCOUNT_TYPE_COLLECTION_AGENCY, ACCOUNT_TYPE_DEBT_BUYER) and "K1" not in f.get(
        "_segment_ids", ""
    ):
        yield "K1", "a collection or debt-buyer account requires a K1 segment naming the original creditor"
    if collection and _num(f["scheduled_monthly_payment"]) != 0:
        yield "scheduled_monthly_payment", "a collection account has no scheduled monthly payment"
    if collection and _num(f["credit_limit"]) != 0:
        yield "credit_limit", "a collection account has no credit limit"
    if collection and _num(f["highest_credit"]) == 0 and not deleting:
        yield "highest_credit", "a collection account reports the amount placed as highest credit"
    if status == STATUS_PAID_COLLECTION and not collection:
        yield "account_status", "status 62 (paid collection) is for collection account types only"
    if status == STATUS_PAID_COLLECTION and d["date_closed"] is None:
        yield "date_closed", "status 62 (paid collection) requires the date closed"
    # 21-24: terms and ratings by portfolio
    if f["portfolio_type"] == "I" and not f["terms_duration"].strip().isdigit():
        yield "terms_duration", "an installment account reports its number of payments"
    if f["portfolio_type"] == "C" and f["terms_duration"] != "LOC":
        yield "terms_duration", "a line of credit reports terms duration LOC"
    if f["portfolio_type"] == "R" and f["terms_duration"] != "REV":
        yield "terms_duration", "a revolving account reports terms duration REV"
    if f["portfolio_type"] == "I" and _num(f["credit_limit"]) != 0:
        yield "credit_limit", "an installment account has no credit limit"
    if status in RATING_STATUSES and f["payment_rating"] == " ":
        yield "payment_rating", f"status {status} requires a payment rating"
    if status not in RATING_STATUSES and f["payment_rating"] != " ":
        yield "payment_rating", f"status {status} takes no payment rating"
    if status in ("64", "97") and _num(f["original_charge_off_amount"]) == 0:
        yield "original_charge_off_amount", f"status {status} (charged off) requires the charge-off amount"
    if _num(f["actual_payment_amount"]) > 0 and d["date_of_last_payment"] is None:
        yield "date_of_last_payment", "a payment amount is reported without the date of last payment"
    # 29-37: the consumer
    if not deleting and f["ecoa_code"] not in ("T", "X", "Z"):
        if f["surname"].strip("0 ") == "":
            yield "surname", "is required"
        if f["first_name"].strip("0 ") == "":
            yield "first_name", "is required"
        if _blank(f["social_security_number"]) and d["date_of_birth"] is None:
            yield "social_security_number", "an SSN or a date of birth is required"
    ssn = f["social_security_number"]
    if (
        ssn.isdigit()
        and not _blank(ssn)
        and (ssn[:3] in ("000", "666") or ssn[0] == "9" or len(set(ssn)) == 1)
    ):
        yield "social_security_number", "is not a valid SSN (area 000, 666 or 9xx, or one repeated digit)"
    if d["date_of_birth"] and dai and d["date_of_birth"] >= dai:
        yield "date_of_birth", "is not before the date of account information"
    if d["date_of_birth"] and dai and (dai.year - d["date_of_birth"].year) > 120:
        yield "date_of_birth", "makes the consumer older than 120"
    us = f["country_code"] in ("US", "  ")
    if not deleting and f["address_line_1"].strip("0 ") == "":
        yield "address_line_1", "is required"
    if us and not deleting and f["city"].strip() == "":
        yield "city", "is required for a US address"
    if us and f["state"] not in US_STATES and not deleting:
        yield "state", f"is not a US state or territory code: {f['state']!r}"
    zip_code = f["postal_code"].strip()
    if us and not deleting and not (len(zip_code) in (5, 9) and zip_code.isdigit()):
        yield "postal_code", f"a US postal code has 5 or 9 digits: {f['postal_code']!r}"
    if f["compliance_condition_code"] in ("XB", "XC") and status in (STATUS_DELETE, STATUS_DELETE_FRAUD):
        yield "compliance_condition_code", "an account being deleted carries no dispute code"


def validate(data: bytes) -> tuple[int, list[Error]]:
    """Every error in a file: field rules, cross-field rules per base record, and file rules.

    Returns (base records read, errors). Never stops at the first error.
    """
    records, problems = parse(data)
    errors = [Error(r, f, m) for r, f, m in problems]
    bases = [r for r in records if r.kind == "base"]
    headers = [r for r in records if r.kind == "header"]
    trailers = [r for r in records if r.kind == "trailer"]
    # file rules
    if records and records[0].kind != "header":
        errors.append(Error(1, "record_identifier", "the first record is not a HEADER"))
    if records and records[-1].kind != "trailer":
        errors.append(Error(records[-1].number, "record_identifier", "the last record is not a TRAILER"))
    if len(headers) > 1:
        errors.extend(Error(h.number, "record_identifier", "more than one HEADER") for h in headers[1:])
    activity = None
    for h in headers[:1]:
        errors.extend(Error(h.number, n, m) for n, m in _field_errors(HEADER, h.fields))
        try:
            activity = _date(h.fields["activity_date"])
        except ValueError:
            activity = None
        if len(h.raw) != RECORD_LENGTH:
            errors.append(Error(h.number, "record_descriptor_word", f"header is {len(h.raw)} bytes, not 426"))
        if h.fields["reporter_name"].strip() == "":
            errors.append(Error(h.number, "reporter_name", "is required"))
        if h.fields["record_descriptor_word"] != f"{len(h.raw):04d}":
            errors.append(Error(h.number, "record_descriptor_word", "does not match the record's length"))
    for r in records:
        if r.kind == "unknown":
            errors.extend(Error(r.number, n, m) for n, m in r.problems)
    seen: dict[tuple[str, str], int] = {}
    for r in bases:
        f = dict(r.fields)
        f["_segment_ids"] = " ".join(s.get("segment_identifier", "") for s in r.segments)
        errors.extend(Error(r.number, n, m) for n, m in r.problems)
        if f["record_descriptor_word"] != f"{len(r.raw):04d}":
            errors.append(
                Error(
                    r.number,
                    "record_descriptor_word",
                    f"says {f['record_descriptor_word']!r}, record is {len(r.raw)} bytes",
                )
            )
        errors.extend(Error(r.number, n, m) for n, m in _base_field_rules(r.fields))
        errors.extend(Error(r.number, n, m) for n, m in _base_cross_rules(f))
        for seg in r.segments:
            if seg.get("segment_identifier") == "K1" and seg["original_creditor_name"].strip() == "":
                errors.append(Error(r.number, "original_creditor_name", "K1 segment without a creditor name"))
        try:
            dai = _date(r.fields["date_of_account_information"])
        except ValueError:
            dai = None
        if activity and dai and dai > activity:
            errors.append(
                Error(r.number, "date_of_account_information", "is after the header's activity date")
            )
        key = (r.fields["identification_number"], r.fields["consumer_account_number"])
        if key in seen:
            errors.append(
                Error(
                    r.number,
                    "consumer_account_number",
                    f"reported twice in the file (first in record {seen[key]})",
                )
            )
        else:
            seen[key] = r.number
    for t in trailers[:1]:
        errors.extend(Error(t.number, n, m) for n, m in _field_errors(TRAILER, t.fields))
        expected = trailer_totals(bases)
        for name in (
            "total_base_records",
            "total_k1_segments",
            "total_ecoa_z",
            *sorted(set(STATUS_TOTAL_FIELD.values())),
        ):
            got = _num(t.fields[name])
            if got != expected.get(name, 0):
                errors.append(Error(t.number, name, f"says {got}, the file holds {expected.get(name, 0)}"))
    return len(bases), errors


def file_text(records: Iterable[str]) -> str:
    """Records one per line (the CRRG's 'character format, variable' layout most bureaus accept)."""
    return "".join(r + "\n" for r in records)
