"""The audit chain's hashing: SHA-256 over a canonical JSON of every column of the row, or HMAC-SHA256
keyed with a secret kept outside the database (``ARREARS_AUDIT_KEY``). Pure."""

from __future__ import annotations

import hashlib
import hmac
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
    actor_user_id: int | None,
    event: str,
    subject_type: str,
    subject_id: str,
    account_id: int | None,
    data: Mapping[str, Any],
    prev_hash: str,
    at_text: str | None = None,
    known_plain: bool = False,
    key: bytes | None = None,
) -> str:
    """The row's hash over every column (the id aside). A batch passes ``at_text`` (``at`` in ISO format
    to the microsecond), which its events share, and ``known_plain`` when it has checked that ``data`` is
    plain (the other columns are strings and integers). With ``key`` the hash is an HMAC: whoever lacks
    the key cannot write a row, or rewrite the chain, that verifies."""
    row = {
        "organization_id": organization_id,
        "seq": seq,
        "at": at_text if at_text is not None else at.isoformat(timespec="microseconds"),
        "actor": actor,
        "actor_user_id": actor_user_id,
        "event": event,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "account_id": account_id,
        "data": data,
        "prev_hash": prev_hash,
    }
    body = canonical(row, known_plain=known_plain)
    if key:
        return hmac.new(key, body, hashlib.sha256).hexdigest()
    return hashlib.sha256(body).hexdigest()


def head_seal(*, organization_id: int, seq: int, hash: str, key: bytes | None) -> str:
    """A MAC over the chain head, so that with a key even someone who can write the database cannot move
    the head back to an earlier event after deleting the tail. Empty without a key."""
    if not key:
        return ""
    body = f"audit-head:{organization_id}:{seq}:{hash}".encode()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Head:
    """The stored chain head: the last event's seq and hash, and its seal."""

    organization_id: int
    seq: int
    hash: str
    seal: str


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


# The organization has no stored head row (``verify_chain``'s ``head``).
NO_HEAD = Head(organization_id=0, seq=-1, hash="", seal="")


def verify_chain(
    rows: Iterable[ChainRow], *, head: Head | None = None, key: bytes | None = None
) -> tuple[int, Break | None]:
    """Check every link in order, then that the last one is the stored ``head`` (events deleted from the
    end leave the head pointing past them; ``NO_HEAD`` when there is no head row, None not to check).
    Returns (rows checked, first break or None)."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for row in rows:
        checked += 1
        if row.seq != expected_seq:
            return checked, Break(row.seq, f"sequence gap: expected #{expected_seq}, found #{row.seq}")
        if row.prev_hash != expected_prev:
            return checked, Break(row.seq, "previous-hash link does not match the row before")
        recomputed = event_hash(**row.hash_fields, prev_hash=row.prev_hash, key=key)
        if recomputed != row.hash:
            return checked, Break(row.seq, "row content does not match its hash (edited after writing)")
        expected_prev = row.hash
        expected_seq += 1
    if head is None:
        return checked, None
    return checked, _check_head(head, last_seq=expected_seq - 1, last_hash=expected_prev, key=key)


def _check_head(head: Head, *, last_seq: int, last_hash: str, key: bytes | None) -> Break | None:
    if head is NO_HEAD:
        if last_seq:
            return Break(last_seq, "the chain has no stored head (the head row was deleted)")
        return None
    if head.seq > last_seq:
        missing = f"#{last_seq + 1}" if head.seq == last_seq + 1 else f"#{last_seq + 1}-#{head.seq}"
        return Break(last_seq + 1, f"events {missing} missing from the end of the chain (its stored head)")
    if head.seq < last_seq:
        return Break(head.seq + 1, f"events past the stored head (#{head.seq}): added outside the log")
    if head.hash != last_hash:
        return Break(last_seq, "the last event does not match the stored head's hash")
    if key and not hmac.compare_digest(
        head.seal, head_seal(organization_id=head.organization_id, seq=head.seq, hash=head.hash, key=key)
    ):
        return Break(last_seq, "the chain head's seal does not match (moved without ARREARS_AUDIT_KEY)")
    return None
