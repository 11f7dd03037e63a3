"""One row of cells → one checked, normalised account record, or the reasons it cannot be one. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from arrears.debtors.domain import name_key

from .mapping import DATE_FIELDS, Layout, Mapping
from .values import (
    Address,
    BadValue,
    check_minor_units,
    normalize_email,
    normalize_national_id,
    normalize_phone,
    parse_address,
    parse_amount,
    parse_country,
    parse_currency,
    parse_date,
    parse_rate,
)

ZERO = Decimal(0)
# Column widths of the tables the values land in: longer text is an error, never a truncation.
MAX_LENGTH = {
    "account_ref": 100,
    "debtor_ref": 100,
    "first_name": 100,
    "middle_name": 100,
    "last_name": 100,
    "company_name": 200,
    "full_name": 200,
    "address_line1": 200,
    "address_line2": 200,
    "city": 100,
    "state": 50,
    "postal_code": 20,
    "original_creditor": 200,
    "invoice_number": 100,
    "email": 320,
}
PHONE_LABELS = {
    "mobile": "mobile",
    "cell": "mobile",
    "cellular": "mobile",
    "m": "mobile",
    "home": "home",
    "h": "home",
    "landline": "home",
    "work": "work",
    "office": "work",
    "business": "work",
    "w": "work",
    "other": "other",
    "": "other",
    "personal": "personal",
}
DEBT_TYPES = {
    "consumer": "consumer",
    "commercial": "commercial",
    "business": "commercial",
    "b2b": "commercial",
    "personal": "consumer",
    "b2c": "consumer",
}


# Columns whose values an error report shows only by their last characters (DESIGN rule 7).
SECRET_COLUMNS = frozenset({"ssn"})


def masked(value: str) -> str:
    """``***-**-6789`` style: the last 4 characters of what was given (of 8 or more), stars for the rest."""
    keep = 4 if len(value) >= 8 else 0
    return "*" * (len(value) - keep) + value[len(value) - keep :]


@dataclass(frozen=True, slots=True)
class Issue:
    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "value": self.value, "message": self.message}


@dataclass(slots=True)
class Record:
    row: int
    account_ref: str
    kind: str
    first_name: str
    middle_name: str
    last_name: str
    company_name: str
    name_key: str
    debtor_ref: str
    date_of_birth: date | None
    national_id: str
    country: str
    phones: tuple[tuple[str, str], ...]
    email: str
    address: Address | None
    currency: str
    balance: Decimal
    principal: Decimal
    interest: Decimal
    fees: Decimal
    debt_type: str
    interest_rate: Decimal
    original_creditor: str
    invoice_number: str
    dates: dict[str, date | None]
    last_payment_amount: Decimal | None
    notes: str

    @property
    def state(self) -> str:
        return self.address[3] if self.address else ""

    def pack(self) -> tuple[object, ...]:
        """Plain values only (str, int, None, tuples), for a fast `marshal` spill between passes."""
        return (
            self.row, self.account_ref, self.kind, self.first_name, self.middle_name, self.last_name,
            self.company_name, self.name_key, self.debtor_ref, _ordinal(self.date_of_birth), self.national_id,
            self.country, self.phones, self.email, tuple(self.address) if self.address else None,
            self.currency,
            str(self.balance), str(self.principal), str(self.interest), str(self.fees), self.debt_type,
            str(self.interest_rate), self.original_creditor, self.invoice_number,
            tuple(_ordinal(self.dates[name]) for name in DATE_FIELDS),
            None if self.last_payment_amount is None else str(self.last_payment_amount), self.notes,
        )  # fmt: skip

    @classmethod
    def unpack(cls, t: tuple[Any, ...]) -> Record:
        return cls(
            t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], _from_ordinal(t[9]), t[10], t[11],
            tuple(tuple(p) for p in t[12]), t[13], Address(t[14]) if t[14] else None, t[15], Decimal(t[16]),
            Decimal(t[17]), Decimal(t[18]), Decimal(t[19]), t[20], Decimal(t[21]), t[22], t[23],
            {name: _from_ordinal(v) for name, v in zip(DATE_FIELDS, t[24], strict=True)},
            None if t[25] is None else Decimal(t[25]), t[26],
        )  # fmt: skip


def _ordinal(day: date | None) -> int | None:
    return None if day is None else day.toordinal()


def _from_ordinal(value: int | None) -> date | None:
    return None if value is None else date.fromordinal(value)


_NOT_NAME = re.compile(r"[^\w\s'-]")
_SPACES = re.compile(r"\s+")


def fast_name_key(*parts: str) -> str:
    """`debtors.domain.name_key`, without its Unicode decomposition when the text is plain ASCII."""
    joined = " ".join(p for p in parts if p)
    if not joined.isascii():
        return name_key(*parts)
    return _SPACES.sub(" ", _NOT_NAME.sub(" ", joined.casefold())).strip()


def split_full_name(full: str, *, order: str) -> tuple[str, str, str]:
    """(first, middle, last) from 'Jane Q Doe' or 'Doe, Jane Q'."""
    text = " ".join(full.split())
    if "," in text or order == "last_first":
        last, _, rest = text.partition(",") if "," in text else text.partition(" ")
        words = rest.split()
        first = words[0] if words else ""
        return first, " ".join(words[1:]), last.strip()
    words = text.split()
    if len(words) == 1:
        return "", "", words[0]
    return words[0], " ".join(words[1:-1]), words[-1]


class RowParser:
    """Parses rows of one file: the layout, the mapping's settings and the organization's defaults."""

    def __init__(
        self, *, layout: Layout, mapping: Mapping, country: str, currency: str, date_order: str | None
    ) -> None:
        self.layout = layout
        self.index = layout.index
        self.mapping = mapping
        self.defaults = mapping.defaults
        self.country = country
        self.currency = currency
        self.date_order = date_order or mapping.date_order
        self.decimal_separator = mapping.decimal_separator
        self._columns = tuple(layout.index.items())
        self._name_column = next(
            (c for c in ("last_name", "full_name", "company_name") if c in layout.index), "last_name"
        )
        self._fill = tuple((k, v) for k, v in mapping.defaults.items() if v)
        present = set(layout.index) | {k for k, _ in self._fill}
        self._limits = tuple((k, v) for k, v in MAX_LENGTH.items() if k in present)

    def skip(self, values: list[str]) -> bool:
        """Summary, heading or other-type lines that a preset says are not accounts."""
        for i, accepted in self.layout.filters:
            cell = values[i] if i < len(values) else ""
            if " ".join(cell.split()).casefold() not in accepted:
                return True
        for name in self.mapping.skip_when_blank:
            at = self.index.get(name)
            if at is not None and not (values[at].strip() if at < len(values) else ""):
                return True
        return False

    def parse(self, row: int, values: list[str]) -> Record | list[Issue]:
        issues: list[Issue] = []
        count = len(values)
        text = {name: values[i].strip() for name, i in self._columns if i < count}
        for name, value in self._fill:
            if not text.get(name):
                text[name] = value
        get = text.get

        def bad(name: str, message: str, value: str | None = None) -> None:
            shown = get(name, "") if value is None else value
            if name in SECRET_COLUMNS:  # stored in the job's errors and printed: never the whole id
                shown = masked(shown)
            issues.append(Issue(row, name, shown, message))

        for name, limit in self._limits:
            value = get(name, "")
            if len(value) > limit:
                bad(name, f"longer than {limit} characters")
                text[name] = value[:limit]

        account_ref = get("account_ref", "")
        if not account_ref:
            bad("account_ref", "required")

        first, middle, last = get("first_name", ""), get("middle_name", ""), get("last_name", "")
        company = get("company_name", "")
        if not (first or last) and (full := get("full_name", "")):
            first, mid2, last = split_full_name(full, order=self.mapping.name_order)
            middle = middle or mid2
        kind = "person" if (first or last) else "company"
        if not (first or last or company):
            bad(self._name_column, "a debtor name is required")
        elif kind == "person" and not last:
            bad("last_name", "a last name is required with a first name")
        key = fast_name_key(first, middle, last) if kind == "person" else fast_name_key(company)
        if len(first) > 100 or len(middle) > 100 or len(last) > 100:
            bad("full_name", "a name part is longer than 100 characters")

        country = self.country
        if raw := get("country", ""):
            try:
                country = parse_country(raw)
            except BadValue as exc:
                bad("country", exc.message)

        currency = self.currency
        if raw := get("currency", ""):
            try:
                currency = parse_currency(raw)
            except BadValue as exc:
                bad("currency", exc.message)

        def amount(name: str) -> Decimal | None:
            raw = get(name, "")
            if not raw:
                return None
            try:
                value = check_minor_units(
                    parse_amount(raw, decimal_separator=self.decimal_separator), currency
                )
            except BadValue as exc:
                bad(name, exc.message)
                return None
            return value

        balance = amount("balance")
        if balance is None and not get("balance", ""):
            bad("balance", "required")
        principal, interest, fees = amount("principal"), amount("interest"), amount("fees")
        for name, part in (
            ("balance", balance),
            ("principal", principal),
            ("interest", interest),
            ("fees", fees),
        ):
            if part is not None and part < 0:
                bad(name, "must not be negative (an opening balance cannot be a credit)")
        if balance is not None and balance >= 0:
            given = [v for v in (principal, interest, fees) if v is not None]
            if principal is None:
                principal = balance - (interest or ZERO) - (fees or ZERO)
                if principal < 0:
                    bad("balance", f"interest + fees ({sum(given)}) exceed the balance ({balance})")
            elif principal + (interest or ZERO) + (fees or ZERO) != balance:
                total = principal + (interest or ZERO) + (fees or ZERO)
                bad(
                    "balance", f"principal + interest + fees ({total}) does not equal the balance ({balance})"
                )
        last_payment_amount = amount("last_payment_amount")

        def when(name: str) -> date | None:
            raw = get(name, "")
            if not raw:
                return None
            try:
                return parse_date(raw, order=self.date_order)
            except BadValue as exc:
                bad(name, exc.message)
                return None

        dates = {name: when(name) for name in DATE_FIELDS}
        date_of_birth = when("date_of_birth")

        national_id = ""
        if raw := get("ssn", ""):
            try:
                national_id = normalize_national_id(raw, country=country)
            except BadValue as exc:
                bad("ssn", exc.message)

        phones: list[tuple[str, str]] = []
        for name, kind_name in (("phone", "phone_kind"), ("phone2", "phone2_kind")):
            raw = get(name, "")
            label = PHONE_LABELS.get(get(kind_name, "").casefold())
            if label is None:
                bad(kind_name, "not a phone kind (mobile, home, work or other)")
            if raw:
                try:
                    e164 = normalize_phone(raw, region=country)
                except BadValue as exc:
                    bad(name, exc.message)
                else:
                    if all(e164 != p for p, _ in phones):
                        phones.append((e164, label or "other"))

        email = ""
        if raw := get("email", ""):
            try:
                email = normalize_email(raw)
            except BadValue as exc:
                bad("email", exc.message)

        address = None
        parts = [get(n, "") for n in ("address_line1", "address_line2", "city", "state", "postal_code")]
        if any(parts):
            try:
                address = parse_address(
                    line1=parts[0],
                    line2=parts[1],
                    city=parts[2],
                    state=parts[3],
                    postal_code=parts[4],
                    country=country,
                )
            except BadValue as exc:
                bad(exc.column or "address_line1", exc.message)
            else:
                for name, value, limit in zip(
                    ("address_line1", "address_line2", "city", "state", "postal_code"),
                    address[:5],
                    (200, 200, 100, 50, 20),
                    strict=True,
                ):
                    if len(value) > limit:
                        bad(name, f"longer than {limit} characters", value)

        debt_type = "commercial" if kind == "company" else "consumer"
        if raw := get("debt_type", ""):
            debt_type = DEBT_TYPES.get(raw.casefold(), "")
            if not debt_type:
                bad("debt_type", "not a debt type (consumer or commercial)")

        interest_rate = ZERO
        if raw := get("interest_rate", ""):
            try:
                interest_rate = parse_rate(raw)
            except BadValue as exc:
                bad("interest_rate", exc.message)

        if issues:
            return issues
        assert balance is not None and principal is not None  # noqa: S101 (no issues means both parsed)
        return Record(
            row=row,
            account_ref=account_ref,
            kind=kind,
            first_name=first,
            middle_name=middle,
            last_name=last,
            company_name=company,
            name_key=key,
            debtor_ref=get("debtor_ref", ""),
            date_of_birth=date_of_birth,
            national_id=national_id,
            country=country,
            phones=tuple(phones),
            email=email,
            address=address,
            currency=currency,
            balance=balance,
            principal=principal,
            interest=interest or ZERO,
            fees=fees or ZERO,
            debt_type=debt_type,
            interest_rate=interest_rate,
            original_creditor=get("original_creditor", ""),
            invoice_number=get("invoice_number", ""),
            dates=dates,
            last_payment_amount=last_payment_amount,
            notes=get("notes", ""),
        )
