"""Building JSON scenarios for the engine's tests: a New York consumer on a third-party debt by default."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from arrears.compliance.domain import evaluate
from arrears.compliance.facts import Decision
from arrears.compliance.scenario import decision_to_json, facts_from_json

NY_MOBILE = "+12125550142"
LA_MOBILE = "+13105550142"

BASE: dict[str, Any] = {
    "now": "2026-03-10T14:30:00Z",  # Tuesday 10:30 EDT
    "collector": {"type": "third_party"},
    "action": {"channel": "call", "target": NY_MOBILE, "purpose": "collection"},
    "consumer": {
        "timezone": None,
        "addresses": [{"country": "US", "state": "NY", "postal_code": "10001"}],
        "phones": [{"number": NY_MOBILE, "kind": "mobile", "sms_consent": False}],
        "emails": [{"address": "a@example.com", "kind": "personal", "consented": False}],
    },
    "debt": {"id": "D1", "type": "consumer", "jurisdiction": "US-NY"},
    "history": [],
}


def merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def scenario(**changes: Any) -> dict[str, Any]:
    return merge(BASE, changes)


def run(data: dict[str, Any], now: str | None = None) -> dict[str, Any]:
    if now is not None:
        data = {**data, "now": now}
    facts, at = facts_from_json(data)
    return decision_to_json(evaluate(facts, now=at))


def decide(data: dict[str, Any]) -> Decision:
    facts, at = facts_from_json(data)
    return evaluate(facts, now=at)


def codes(result: dict[str, Any]) -> list[str]:
    return [r["code"] for r in result["reasons"]]


def calls(count: int, *, start: str, every_hours: float = 1, **fields: Any) -> list[dict[str, Any]]:
    """``count`` outbound unanswered calls about D1, the first at ``start``."""
    first = datetime.fromisoformat(start.replace("Z", "+00:00")).astimezone(UTC)
    return [
        {
            "at": (first + timedelta(hours=every_hours * i)).isoformat().replace("+00:00", "Z"),
            "channel": "call",
            "direction": "outbound",
            "outcome": "no_answer",
            "debt_ids": ["D1"],
            **fields,
        }
        for i in range(count)
    ]
