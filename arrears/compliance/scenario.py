"""JSON scenarios in and out: the contract of ``arrears compliance evaluate``. Pure.

``facts_from_json`` validates and raises ``InvalidScenario`` naming the offending field
(``consumer.phones[0].number``). ``facts_to_json`` writes the same shape, so a stored decision's facts
can be replayed through the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from enum import StrEnum
from functools import lru_cache
from typing import Any

import phonenumbers

from arrears.core.clock import parse_instant

from .facts import (
    ADDRESS_KINDS,
    EMAIL_KINDS,
    PHONE_KINDS,
    WEEKDAYS,
    Action,
    ActionChannel,
    Address,
    Attempt,
    CollectorType,
    Consumer,
    Debt,
    Decision,
    Direction,
    Email,
    Facts,
    Flag,
    Outcome,
    Phone,
    Purpose,
    Window,
)
from .zones import valid_zone

MIN_YEAR, MAX_YEAR = 1900, 2999


class InvalidScenario(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# A North American number already in E.164 (what contact points store) comes out of the parser as it
# went in: say so without parsing it (about 14 us each, several times per decision).
_NANP_E164 = re.compile(r"\+1[2-9][0-9]{9}")


@lru_cache(maxsize=65536)
def normalize_number(raw: str) -> str:
    """E.164 when it parses, else the digits as given (so an odd target still compares consistently)."""
    if _NANP_E164.fullmatch(raw):
        return raw
    try:
        return phonenumbers.format_number(phonenumbers.parse(raw, "US"), phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        return re.sub(r"[^\d+]", "", raw)


# A batch writes the same few instants (now, the next allowed time) into every decision it stores.
@lru_cache(maxsize=4096)
def format_instant(value: datetime) -> str:
    text = value.astimezone(UTC).isoformat(timespec="microseconds" if value.microsecond else "seconds")
    return text.replace("+00:00", "Z")


# --- reading -----------------------------------------------------------------------------------------


def _obj(value: Any, field: str, *, required: bool = False) -> Mapping[str, Any]:
    if value is None:
        if required:
            raise InvalidScenario(field, "is required")
        return {}
    if not isinstance(value, Mapping):
        raise InvalidScenario(field, "must be an object")
    return value


def _list(value: Any, field: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidScenario(field, "must be a list")
    return value


def _str(
    value: Any, field: str, *, required: bool = False, choices: frozenset[str] | None = None
) -> str | None:
    if value is None:
        if required:
            raise InvalidScenario(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidScenario(field, "must be a string")
    if required and not value.strip():
        raise InvalidScenario(field, "must not be empty")
    if choices is not None and value not in choices:
        raise InvalidScenario(field, f"must be one of {', '.join(sorted(choices))} (got {value!r})")
    return value


def _bool(value: Any, field: str, default: bool) -> bool:
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidScenario(field, "must be true or false")
    return value


def _instant(value: Any, field: str, *, required: bool = False) -> datetime | None:
    text = _str(value, field, required=required)
    if text is None:
        return None
    try:
        instant = parse_instant(text)
    except ValueError:
        raise InvalidScenario(
            field, f"must be an ISO 8601 instant with an offset, like 2026-03-10T14:30:00Z (got {text!r})"
        ) from None
    _check_year(instant.year, field)
    return instant


def _check_year(year: int, field: str) -> None:
    # Arithmetic on dates near year 1 or 9999 overflows; no debt lives there.
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidScenario(field, f"year must be between {MIN_YEAR} and {MAX_YEAR} (got {year})")


def _date(value: Any, field: str) -> date | None:
    text = _str(value, field)
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidScenario(field, f"must be a date like 2026-03-10 (got {text!r})") from None
    _check_year(day.year, field)
    return day


def _minute(value: Any, field: str, *, allow_end_of_day: bool = False) -> int:
    text = _str(value, field, required=True)
    assert text is not None
    if allow_end_of_day and text in ("24:00", "24:00:00"):
        return 24 * 60
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        raise InvalidScenario(field, f"must be a time like 15:00 (got {text!r})") from None
    return parsed.hour * 60 + parsed.minute


def _choices(enum: type[StrEnum]) -> frozenset[str]:
    return frozenset(str(m.value) for m in enum)


def windows_from_json(value: Any, field: str = "consumer.inconvenient_times") -> tuple[Window, ...]:
    """Inconvenient times as stored on a debtor and as given in a scenario."""
    windows = []
    for i, item in enumerate(_list(value, field)):
        f = f"{field}[{i}]"
        w = _obj(item, f)
        days_raw = w.get("days")
        if days_raw is None:
            days = frozenset(range(7))
        else:
            names = [
                _str(d, f"{f}.days[{j}]", choices=frozenset(WEEKDAYS))
                for j, d in enumerate(_list(days_raw, f"{f}.days"))
            ]
            days = frozenset(WEEKDAYS.index(n) for n in names if n)
        start = _minute(w.get("start"), f"{f}.start")
        end = _minute(w.get("end"), f"{f}.end", allow_end_of_day=True)
        if start == end:
            raise InvalidScenario(f"{f}.end", "must differ from start")
        windows.append(Window(days=days, start_minute=start, end_minute=end))
    return tuple(windows)


def _consumer(raw: Mapping[str, Any]) -> Consumer:
    tz = _str(raw.get("timezone"), "consumer.timezone")
    if tz is not None and not valid_zone(tz):
        raise InvalidScenario("consumer.timezone", f"not an IANA time zone: {tz!r}")
    addresses = []
    for i, item in enumerate(_list(raw.get("addresses"), "consumer.addresses")):
        f = f"consumer.addresses[{i}]"
        a = _obj(item, f)
        addresses.append(
            Address(
                country=(_str(a.get("country"), f"{f}.country") or "US").upper(),
                state=(_str(a.get("state"), f"{f}.state") or "").upper(),
                postal_code=_str(a.get("postal_code"), f"{f}.postal_code") or "",
                kind=_str(a.get("kind"), f"{f}.kind", choices=ADDRESS_KINDS) or "home",
                line=_str(a.get("line"), f"{f}.line") or "",
            )
        )
    phones = []
    for i, item in enumerate(_list(raw.get("phones"), "consumer.phones")):
        f = f"consumer.phones[{i}]"
        p = _obj(item, f)
        number = _str(p.get("number"), f"{f}.number", required=True)
        assert number is not None
        try:
            parsed = phonenumbers.parse(number, "US")
        except phonenumbers.NumberParseException:
            raise InvalidScenario(f"{f}.number", f"not a phone number: {number!r}") from None
        if not phonenumbers.is_possible_number(parsed):
            raise InvalidScenario(f"{f}.number", f"not a possible phone number: {number!r}")
        zones = None
        if p.get("zones") is not None:
            zones = tuple(
                _str(z, f"{f}.zones[{k}]") or "" for k, z in enumerate(_list(p["zones"], f"{f}.zones"))
            )
            for k, name in enumerate(zones):
                if not valid_zone(name):
                    raise InvalidScenario(f"{f}.zones[{k}]", f"not an IANA time zone: {name!r}")
        phones.append(
            Phone(
                number=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
                kind=_str(p.get("kind"), f"{f}.kind", choices=PHONE_KINDS) or "mobile",
                sms_consent=_bool(p.get("sms_consent"), f"{f}.sms_consent", False),
                zones=zones,
            )
        )
    emails = []
    for i, item in enumerate(_list(raw.get("emails"), "consumer.emails")):
        f = f"consumer.emails[{i}]"
        e = _obj(item, f)
        address = _str(e.get("address"), f"{f}.address", required=True)
        assert address is not None
        emails.append(
            Email(
                address=address.strip().lower(),
                kind=_str(e.get("kind"), f"{f}.kind", choices=EMAIL_KINDS) or "personal",
                consented=_bool(e.get("consented"), f"{f}.consented", False),
                used=_bool(e.get("used"), f"{f}.used", False),
            )
        )
    return Consumer(
        timezone=tz,
        addresses=tuple(addresses),
        phones=tuple(phones),
        emails=tuple(emails),
        inconvenient_times=windows_from_json(raw.get("inconvenient_times")),
        flags=_flags(raw.get("flags"), "consumer.flags"),
        opt_outs=frozenset(
            _str(v, f"consumer.opt_outs[{i}]", choices=_choices(ActionChannel)) or ""
            for i, v in enumerate(_list(raw.get("opt_outs"), "consumer.opt_outs"))
        ),
    )


def _flags(value: Any, field: str) -> frozenset[str]:
    return frozenset(
        _str(v, f"{field}[{i}]", choices=_choices(Flag)) or "" for i, v in enumerate(_list(value, field))
    )


def _debt(raw: Mapping[str, Any]) -> Debt:
    debt_id = raw.get("id")
    if isinstance(debt_id, int) and not isinstance(debt_id, bool):
        debt_id = str(debt_id)
    ident = _str(debt_id, "debt.id", required=True)
    assert ident is not None
    jurisdiction = _str(raw.get("jurisdiction"), "debt.jurisdiction") or ""
    if jurisdiction and not re.fullmatch(r"[A-Za-z]{2}(-[A-Za-z0-9]{1,3})?", jurisdiction):
        raise InvalidScenario("debt.jurisdiction", f"must look like US-NY (got {jurisdiction!r})")
    return Debt(
        id=ident,
        type=_str(raw.get("type"), "debt.type") or "consumer",
        jurisdiction=jurisdiction.upper(),
        flags=_flags(raw.get("flags"), "debt.flags"),
        first_communication_at=_instant(raw.get("first_communication_at"), "debt.first_communication_at"),
        validation_notice_sent_on=_date(
            raw.get("validation_notice_sent_on"), "debt.validation_notice_sent_on"
        ),
        validation_period_ends_on=_date(
            raw.get("validation_period_ends_on"), "debt.validation_period_ends_on"
        ),
        disputed_on=_date(raw.get("disputed_on"), "debt.disputed_on"),
        dispute_written=_bool(raw.get("dispute_written"), "debt.dispute_written", True),
        verification_sent_on=_date(raw.get("verification_sent_on"), "debt.verification_sent_on"),
        limitation_expires_on=_date(raw.get("limitation_expires_on"), "debt.limitation_expires_on"),
    )


def _history(value: Any) -> tuple[Attempt, ...]:
    attempts = []
    for i, item in enumerate(_list(value, "history")):
        f = f"history[{i}]"
        h = _obj(item, f)
        at = _instant(h.get("at"), f"{f}.at", required=True)
        assert at is not None
        ids_raw = h.get("debt_ids")
        debt_ids = None
        if ids_raw is not None:
            debt_ids = tuple(
                str(v)
                if isinstance(v, int) and not isinstance(v, bool)
                else _str(v, f"{f}.debt_ids[{j}]") or ""
                for j, v in enumerate(_list(ids_raw, f"{f}.debt_ids"))
            )
        channel = _str(h.get("channel"), f"{f}.channel", required=True, choices=_choices(ActionChannel))
        direction = _str(h.get("direction"), f"{f}.direction", choices=_choices(Direction))
        attempts.append(
            Attempt(
                at=at,
                channel=channel or "",
                direction=direction or Direction.OUTBOUND,
                outcome=_str(h.get("outcome"), f"{f}.outcome", choices=_choices(Outcome)),
                debt_ids=debt_ids,
                target=_str(h.get("target"), f"{f}.target"),
            )
        )
    return tuple(attempts)


def facts_from_json(data: Any) -> tuple[Facts, datetime]:
    """A validated scenario and its ``now``."""
    root = _obj(data, "input", required=True)
    now = _instant(root.get("now"), "now", required=True)
    assert now is not None
    collector = _obj(root.get("collector"), "collector")
    action = _obj(root.get("action"), "action", required=True)
    channel = _str(action.get("channel"), "action.channel", required=True, choices=_choices(ActionChannel))
    target = action.get("target")
    if isinstance(target, int) and not isinstance(target, bool):
        target = str(target)
    facts = Facts(
        collector_type=_str(collector.get("type"), "collector.type", choices=_choices(CollectorType))
        or CollectorType.THIRD_PARTY,
        action=Action(
            channel=channel or "",
            target=_str(target, "action.target") or None,
            purpose=_str(action.get("purpose"), "action.purpose", choices=_choices(Purpose))
            or Purpose.COLLECTION,
        ),
        consumer=_consumer(_obj(root.get("consumer"), "consumer")),
        debt=_debt(_obj(root.get("debt"), "debt", required=True)),
        history=_history(root.get("history")),
    )
    return facts, now


# --- writing -----------------------------------------------------------------------------------------


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def facts_to_json(facts: Facts, *, now: datetime) -> dict[str, Any]:
    c, d = facts.consumer, facts.debt
    return {
        "now": format_instant(now),
        "collector": {"type": str(facts.collector_type)},
        "action": {
            "channel": facts.action.channel,
            "target": facts.action.target,
            "purpose": facts.action.purpose,
        },
        "consumer": {
            "timezone": c.timezone,
            "addresses": [
                {
                    "country": a.country,
                    "state": a.state,
                    "postal_code": a.postal_code,
                    "kind": a.kind,
                    "line": a.line,
                }
                for a in c.addresses
            ],
            "phones": [
                {"number": p.number, "kind": p.kind, "sms_consent": p.sms_consent}
                | ({"zones": list(p.zones)} if p.zones is not None else {})
                for p in c.phones
            ],
            "emails": [
                {"address": e.address, "kind": e.kind, "consented": e.consented, "used": e.used}
                for e in c.emails
            ],
            "inconvenient_times": [
                {
                    "days": [WEEKDAYS[i] for i in sorted(w.days)],
                    "start": _hhmm(w.start_minute),
                    "end": _hhmm(w.end_minute),
                }
                for w in c.inconvenient_times
            ],
            "flags": sorted(c.flags),
            "opt_outs": sorted(c.opt_outs),
        },
        "debt": {
            "id": d.id,
            "type": d.type,
            "jurisdiction": d.jurisdiction,
            "flags": sorted(d.flags),
            "first_communication_at": format_instant(d.first_communication_at)
            if d.first_communication_at
            else None,
            "validation_notice_sent_on": _iso(d.validation_notice_sent_on),
            "validation_period_ends_on": _iso(d.validation_period_ends_on),
            "disputed_on": _iso(d.disputed_on),
            "dispute_written": d.dispute_written,
            "verification_sent_on": _iso(d.verification_sent_on),
            "limitation_expires_on": _iso(d.limitation_expires_on),
        },
        "history": [
            {
                "at": format_instant(h.at),
                "channel": h.channel,
                "direction": h.direction,
                "outcome": h.outcome,
                **({"debt_ids": list(h.debt_ids)} if h.debt_ids is not None else {}),
                **({"target": h.target} if h.target else {}),
            }
            for h in facts.history
        ],
    }


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return {
        "allowed": decision.allowed,
        "reasons": [
            {"code": f.code, "effect": str(f.effect), "citation": f.citation, "message": f.message}
            for f in decision.reasons
        ],
        "requirements": [
            {"code": r.code, "citation": r.citation, "message": r.message} for r in decision.requirements
        ],
        "next_allowed_at": format_instant(decision.next_allowed_at) if decision.next_allowed_at else None,
    }
