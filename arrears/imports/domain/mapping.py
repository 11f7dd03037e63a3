"""Mappings: which column of a file holds which canonical field. Pure.

A mapping is a small TOML file. The presets for accounting exports ship in `arrears/imports/presets/`;
users write their own in the same format (see docs/imports.md).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .values import DATE_ORDERS, BadValue, parse_currency

PERSON_FIELDS = (
    "first_name",
    "middle_name",
    "last_name",
    "full_name",
    "company_name",
    "debtor_ref",
    "date_of_birth",
    "ssn",
)
CONTACT_FIELDS = (
    "email",
    "phone",
    "phone2",
    "phone_kind",
    "phone2_kind",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postal_code",
    "country",
)
DEBT_FIELDS = (
    "currency",
    "principal",
    "interest",
    "fees",
    "original_creditor",
    "invoice_number",
    "debt_type",
    "interest_rate",
)
DATE_FIELDS = (
    "itemization_date",
    "opened_on",
    "due_on",
    "delinquent_since",
    "charged_off_on",
    "last_payment_on",
)
CANONICAL_FIELDS: tuple[str, ...] = (
    "account_ref",
    "balance",
    *PERSON_FIELDS,
    *CONTACT_FIELDS,
    *DEBT_FIELDS,
    *DATE_FIELDS,
    "last_payment_amount",
    "notes",
)

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"
PRESET_NAMES = ("quickbooks", "xero", "sage")


class MappingInvalid(ValueError):
    pass


def header_key(text: str) -> str:
    """How header cells are compared: case-insensitive; surrounding space, a BOM and a leading "*" (the
    required-column marker of Xero's and other templates) ignored."""
    return " ".join(text.replace("\ufeff", "").split()).removeprefix("*").strip().casefold()


@dataclass(frozen=True)
class Mapping:
    name: str = "canonical"
    # canonical field → the headers that may hold it, first present wins
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_order: str | None = None
    decimal_separator: str = "."
    # canonical field → value used when the file has no such column or the cell is blank
    defaults: dict[str, str] = field(default_factory=dict)
    # rows where any of these (canonical) fields is blank are summary or heading lines: skipped, not errors
    skip_when_blank: tuple[str, ...] = ()
    # header → accepted values (case-insensitive); other rows are skipped (e.g. payments in an aging report)
    only_when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # full_name is "first_last" ("Jane Q Doe") or "last_first" ("Doe, Jane Q"); a comma means last_first
    name_order: str = "first_last"
    format: str = "auto"
    # headers that are known and deliberately not imported (not reported as unknown)
    ignore: tuple[str, ...] = ()
    # the file has one row per invoice line: a repeated account_ref is the same account, skipped
    collapse_repeats: bool = False


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise MappingInvalid(f"{where}: expected a header name or a list of header names")


def mapping_from_toml(text: str, *, name: str = "custom") -> Mapping:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingInvalid(f"not valid TOML: {exc}") from exc
    columns = data.get("columns", {})
    if not isinstance(columns, dict):
        raise MappingInvalid("[columns] must be a table of field = header")
    unknown = sorted(set(columns) - set(CANONICAL_FIELDS))
    if unknown:
        raise MappingInvalid(f"[columns] names unknown fields: {', '.join(unknown)}")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict) or not all(isinstance(v, str) for v in defaults.values()):
        raise MappingInvalid('[defaults] must be a table of field = "text"')
    if set(defaults) - set(CANONICAL_FIELDS):
        raise MappingInvalid(
            f"[defaults] names unknown fields: {', '.join(sorted(set(defaults) - set(CANONICAL_FIELDS)))}"
        )
    if defaults.get("currency"):
        # A default for every row: a code not in ISO 4217 is the mapping's fault, not each row's.
        try:
            defaults["currency"] = parse_currency(defaults["currency"])
        except BadValue as exc:
            raise MappingInvalid(f"[defaults] currency: {exc.message}: {defaults['currency']!r}") from None
    date_order = data.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise MappingInvalid(f"date_order must be one of {', '.join(DATE_ORDERS)}")
    decimal_separator = data.get("decimal_separator", ".")
    if decimal_separator not in (".", ","):
        raise MappingInvalid('decimal_separator must be "." or ","')
    name_order = data.get("name_order", "first_last")
    if name_order not in ("first_last", "last_first"):
        raise MappingInvalid('name_order must be "first_last" or "last_first"')
    only_when = data.get("only_when", {})
    if not isinstance(only_when, dict):
        raise MappingInvalid("[only_when] must be a table of header = [values]")
    skip = data.get("skip_when_blank", [])
    if set(skip) - set(CANONICAL_FIELDS):
        raise MappingInvalid("skip_when_blank names unknown fields")
    fmt = data.get("format", "auto")
    if fmt not in ("auto", "csv", "xlsx"):
        raise MappingInvalid('format must be "auto", "csv" or "xlsx"')
    return Mapping(
        name=str(data.get("name", name)),
        columns={k: _strings(v, f"columns.{k}") for k, v in columns.items()},
        date_order=date_order,
        decimal_separator=decimal_separator,
        defaults=dict(defaults),
        skip_when_blank=tuple(skip),
        only_when={k: _strings(v, f"only_when.{k}") for k, v in only_when.items()},
        name_order=name_order,
        format=fmt,
        ignore=_strings(data["ignore"], "ignore") if data.get("ignore") else (),
        collapse_repeats=bool(data.get("collapse_repeats", False)),
    )


def preset(name: str) -> Mapping:
    if name not in PRESET_NAMES:
        raise MappingInvalid(f"no preset named {name!r}")
    return mapping_from_toml((PRESETS_DIR / f"{name}.toml").read_text(encoding="utf-8"), name=name)


@dataclass(frozen=True)
class Layout:
    """Where each field sits in one file: resolved from its header row and a mapping."""

    header_row: int
    index: dict[str, int]
    unknown: tuple[str, ...]
    filters: tuple[tuple[int, frozenset[str]], ...]


REQUIRED_MESSAGE = "required column missing"


def missing_required(present: set[str]) -> list[str]:
    missing = [f for f in ("account_ref", "balance") if f not in present]
    has_name = ({"first_name", "last_name"} <= present) or "full_name" in present or "company_name" in present
    if not has_name:
        missing.append("first_name+last_name|full_name|company_name")
    return missing


def resolve_layout(header: list[str], row: int, mapping: Mapping) -> tuple[Layout, list[str]]:
    """Field positions for this header, and the required fields it lacks (defaults count as present)."""
    keys = [header_key(h) for h in header]
    position: dict[str, int] = {}
    for i, key in enumerate(keys):
        position.setdefault(key, i)
    index: dict[str, int] = {}
    used: set[int] = set()
    for name in CANONICAL_FIELDS:
        for candidate in (*mapping.columns.get(name, ()), name):
            found = position.get(header_key(candidate))
            if found is not None:
                index[name] = found
                used.add(found)
                break
    filters = []
    for column, values in mapping.only_when.items():
        at = position.get(header_key(column))
        if at is not None:
            used.add(at)
            filters.append((at, frozenset(header_key(v) for v in values)))
    ignored = {header_key(h) for h in mapping.ignore}
    unknown = tuple(h for i, h in enumerate(header) if i not in used and h.strip() and keys[i] not in ignored)
    present = set(index) | {k for k, v in mapping.defaults.items() if v}
    return Layout(row, index, unknown, tuple(filters)), missing_required(present)


def is_header_candidate(values: list[str], mapping: Mapping) -> bool:
    _, missing = resolve_layout(values, 0, mapping)
    return not missing
