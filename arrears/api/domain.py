"""Pure rules of the API: token format, scopes, webhook events, signatures and the retry schedule."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .choices import Resource

TOKEN_PREFIX = "arr_"  # noqa: S105 (the public marker of a token, not a secret)
PREFIX_LENGTH = 12  # the public part, stored in clear to find the token; the rest is only hashed
ALL = "*"


def token_format(prefix: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}{prefix}_{secret}"


def token_parse(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix, secret


def scopes_known() -> list[str]:
    return [ALL, *(f"{r}:{a}" for r in Resource.values for a in ("read", "write"))]


def scopes_parse(text: str | Iterable[str]) -> list[str]:
    """Normalised scopes; raises ValueError naming the first unknown one."""
    items = [s.strip() for s in (text.split(",") if isinstance(text, str) else text)]
    items = [s for s in items if s]
    known = set(scopes_known())
    for s in items:
        if s not in known:
            raise ValueError(s)
    if not items:
        raise ValueError("")
    return sorted(set(items), key=items.index)


def scope_grants(scopes: Iterable[str], *, resource: str, write: bool) -> bool:
    """`*` grants everything; `R:write` grants reading R as well."""
    held = set(scopes)
    if ALL in held or f"{resource}:write" in held:
        return True
    return not write and f"{resource}:read" in held


# Audit events (the hash-chained log every app writes) that become webhook events, by name. A hold of
# kind `dispute` is also a `dispute.opened`.
WEBHOOK_EVENTS: dict[str, str] = {
    "payment.posted": "payment.posted",
    "payment.reversed": "payment.reversed",
    "promise.kept": "promise.kept",
    "promise.broken": "promise.broken",
    "compliance.hold_placed": "hold.placed",
    "contact.message_delivered": "message.delivered",
    "contact.message_bounced": "message.bounced",
    "import.completed": "import.finished",
    "account.status_changed": "account.status_changed",
    # Promises, plans, settlements, holds and new accounts: what the API's money and hold resources do.
    "account.created": "account.created",
    "promise.created": "promise.created",
    "promise.cancelled": "promise.cancelled",
    "plan.created": "plan.created",
    "plan.delinquent": "plan.delinquent",
    "plan.broken": "plan.broken",
    "plan.completed": "plan.completed",
    "plan.cancelled": "plan.cancelled",
    "settlement.offered": "settlement.offered",
    "settlement.approved": "settlement.approved",
    "settlement.rejected": "settlement.rejected",
    "settlement.completed": "settlement.completed",
    "settlement.expired": "settlement.expired",
    "compliance.hold_lifted": "hold.lifted",
}
DISPUTE_OPENED = "dispute.opened"


def webhook_event_types() -> list[str]:
    return sorted({*WEBHOOK_EVENTS.values(), DISPUTE_OPENED})


def webhook_types_for(audit_event: str, data: Mapping[str, Any]) -> list[str]:
    """The webhook event types one audit event gives (none for most)."""
    kind = WEBHOOK_EVENTS.get(audit_event)
    if kind is None:
        return []
    if kind == "hold.placed" and data.get("kind") == "dispute":
        return [kind, DISPUTE_OPENED]
    return [kind]


def audit_names_for(types: Iterable[str]) -> list[str]:
    """The audit event names to read for these webhook event types."""
    wanted = set(types)
    names = {name for name, kind in WEBHOOK_EVENTS.items() if kind in wanted}
    if DISPUTE_OPENED in wanted:
        names.add("compliance.hold_placed")
    return sorted(names)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over `TIMESTAMP.BODY`, hex: what `Arrears-Signature: t=…,v1=…` carries."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    """One `v1=` per live secret: during a rotation, the old and the new secret both sign."""
    return ",".join([f"t={timestamp}", *(f"v1={signature(s, timestamp, body)}" for s in secrets)])


def payload_body(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()


RETRY_WINDOW = timedelta(hours=72)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=6)


def retry_at(*, first_attempt_at: datetime, attempts: int, now: datetime) -> datetime | None:
    """When to try again after `attempts` failures: 1 min, 2, 4, … doubling up to 6 h between tries,
    for 72 h after the first attempt; None once the window is over (give up)."""
    wait = min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)
    at = now + wait
    deadline = first_attempt_at + RETRY_WINDOW
    if now >= deadline:
        return None
    return min(at, deadline)


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    """What makes two requests with one Idempotency-Key "the same": method, path and the JSON body."""
    try:
        canonical = json.dumps(json.loads(body or b"null"), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()
