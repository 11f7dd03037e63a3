"""The audit chain's hashing: SHA-256 over a canonical JSON of the row. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

GENESIS = "0" * 64


# JSON's own scalar types, exactly (an enum member or another subclass is not one).
PLAIN_SCALARS = frozenset({str, int, bool, type(None)})


def is_plain(value: Any) -> bool:
    """Whether ``value`` is made of exactly str, int, bool, None, lists and str-keyed dicts: the values
    orjson writes byte for byte as the standard library does (it writes floats differently)."""
    pending = [value]
    while pending:
        item = pending.pop()
        kind = type(item)
        if kind is dict:
            for key, inner in item.items():
                if type(key) is not str:
                    return False
                if type(inner) not in PLAIN_SCALARS:
                    pending.append(inner)
        elif kind is list:
            pending.extend(item)
        elif kind not in PLAIN_SCALARS:
            return False
    return True


def canonical(row: Mapping[str, Any], *, known_plain: bool = False) -> bytes:
    """Sorted keys, no spaces, UTF-8, anything else by ``str``. Audit rows are plain (ids, codes and
    strings): orjson writes those several times faster, with the very same bytes. ``known_plain``: the
    caller has checked (``is_plain``) and the row need not be walked again."""
    if known_plain or is_plain(row):
        try:
            return orjson.dumps(row, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # an integer wider than 64 bits, a lone surrogate
            pass
    return json.dumps(row, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def event_hash(
    *,
    organization_id: int,
    seq: int,
    at: datetime,
    actor: str,
    event: str,
    subject_type: str,
    subject_id: str,
    account_id: int | None,
    data: Mapping[str, Any],
    prev_hash: str,
    at_text: str | None = None,
    known_plain: bool = False,
) -> str:
    """The row's hash. A batch passes ``at_text`` (``at`` in ISO format to the microsecond), which its
    events share, and ``known_plain`` when it has checked that ``data`` is plain (the other columns
    are strings and integers)."""
    row = {
        "organization_id": organization_id,
        "seq": seq,
        "at": at_text if at_text is not None else at.isoformat(timespec="microseconds"),
        "actor": actor,
        "event": event,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "account_id": account_id,
        "data": data,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(row, known_plain=known_plain)).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainRow:
    seq: int
    hash_fields: dict[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Break:
    seq: int
    reason: str


def verify_chain(rows: Iterable[ChainRow]) -> tuple[int, Break | None]:
    """Check every link in order. Returns (rows checked, first break or None)."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for row in rows:
        checked += 1
        if row.seq != expected_seq:
            return checked, Break(row.seq, f"sequence gap: expected #{expected_seq}, found #{row.seq}")
        if row.prev_hash != expected_prev:
            return checked, Break(row.seq, "previous-hash link does not match the row before")
        recomputed = event_hash(**row.hash_fields, prev_hash=row.prev_hash)
        if recomputed != row.hash:
            return checked, Break(row.seq, "row content does not match its hash (edited after writing)")
        expected_prev = row.hash
        expected_seq += 1
    return checked, None
