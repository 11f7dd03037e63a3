"""Logging a call: the number dialled, when it started and ended, what came of it, the debts discussed,
the compliance decision it was made under, and optionally its recording."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.selectors import account_debtor_links
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.services import attempt_end_set
from arrears.core.errors import ArrearsError
from arrears.debtors.domain import InvalidContact, normalize_phone
from arrears.debtors.selectors import contact_point_of_debtors, contact_points_usable
from arrears.tenancy.domain import Principal

from .errors import ContactError
from .services import contact_attempt_record

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.attempts.models import ContactAttempt
    from arrears.debtors.models import ContactPoint, Debtor

CALL_OUTCOMES = (
    Outcome.NO_ANSWER,
    Outcome.VOICEMAIL,
    Outcome.CONVERSATION,
    Outcome.BUSY,
    Outcome.NOT_IN_SERVICE,
    Outcome.WRONG_NUMBER,
    Outcome.RIGHT_PARTY_CONTACT,
    Outcome.THIRD_PARTY,
)


@dataclass(frozen=True, slots=True)
class LoggedCall:
    attempt: ContactAttempt
    recording_id: int | None

    @property
    def blocked(self) -> bool:
        return self.attempt.blocked


def _owner(number: str, accounts: Sequence[Account]) -> tuple[Debtor, ContactPoint | None]:
    """The debtor the number belongs to, among the accounts' debtors; else the first account's primary."""
    links = list(account_debtor_links(accounts=accounts))
    if not links:
        raise ArrearsError(ContactError.NO_ACCOUNT, "the account has no debtor to call")
    debtors = [link.debtor for link in links]
    primary = next((link.debtor for link in links if link.account_id == accounts[0].pk), debtors[0])
    point = contact_point_of_debtors(debtors=debtors, kind="phone", value=number)
    return (point.debtor, point) if point else (primary, None)


def _preferred_phone(account: Account) -> str:
    """The number to call when none is given: the primary debtor's primary usable phone (a mobile
    first among equals, the oldest first)."""
    links = list(account_debtor_links(accounts=[account])[:1])
    if not links:
        raise ArrearsError(ContactError.NO_ACCOUNT, "the account has no debtor to call")
    phones = contact_points_usable(
        debtor=links[0].debtor, kind="phone", exclude_statuses=("invalid", "undeliverable", "wrong_party")
    ).order_by("-is_primary", "id")
    point = phones.first()
    if point is None:
        raise ArrearsError(ContactError.INVALID_CHANNEL, "the debtor has no usable phone number: give one")
    return point.value


@transaction.atomic
def call_log(
    *,
    accounts: Sequence[Account],
    number: str,
    direction: str,
    outcome: str,
    started_at: datetime,
    actor: Principal,
    ended_at: datetime | None = None,
    notes: str = "",
    override_reason: str = "",
    recording: Path | None = None,
) -> LoggedCall:
    """Log a call about one or more debts. Outbound calls pass the compliance gate at their start time.
    Without a number, the call was to the first account's primary debtor's primary usable phone.

    A blocked outbound call is stored as blocked (the refusal is evidence too) and nothing else is kept;
    with an override reason from a principal allowed to override, it is stored as made, and audited.
    """
    if outcome not in CALL_OUTCOMES:
        allowed = ", ".join(CALL_OUTCOMES)
        raise ArrearsError(
            ContactError.INVALID_OUTCOME, f"not a call outcome: {outcome!r} (one of {allowed})"
        )
    if ended_at is not None and ended_at < started_at:
        raise ArrearsError(ContactError.INVALID_OUTCOME, "a call cannot end before it starts")
    if not accounts:
        raise ArrearsError(ContactError.NO_ACCOUNT, "a call concerns at least one account")
    number = number.strip() or _preferred_phone(accounts[0])
    try:
        e164 = normalize_phone(number)
    except InvalidContact as exc:
        raise ArrearsError(ContactError.INVALID_CHANNEL, str(exc)) from exc
    debtor, point = _owner(e164, accounts)
    try:
        attempt = contact_attempt_record(
            debtor=debtor,
            channel="call",
            direction=direction,
            outcome=outcome,
            accounts=accounts,
            actor=actor,
            at=started_at,
            contact_point=point,
            target=e164,
            notes=notes,
            override_reason=override_reason,
        )
    except OverflowError as exc:  # a time at the calendar's ends: the gate's local-time rules overflow
        raise ArrearsError(ContactError.INVALID_OUTCOME, f"the call's time is out of range: {exc}") from exc
    recording_id = None
    if attempt.blocked:
        return LoggedCall(attempt=attempt, recording_id=None)
    if ended_at is not None:
        attempt_end_set(attempt_id=attempt.pk, ended_at=ended_at)
        attempt.ended_at = ended_at
    if recording is not None:
        from arrears.documents.services import document_store

        with recording.open("rb") as handle:
            doc = document_store(
                actor=actor,
                kind="call_recording",
                stream=handle,
                original_name=recording.name,
                account=accounts[0],
                contact_attempt_id=attempt.pk,
            )
        recording_id = doc.pk
    return LoggedCall(attempt=attempt, recording_id=recording_id)


def call_read(call: LoggedCall) -> dict[str, object]:
    a = call.attempt
    decision = a.decision
    return {
        "attempt_id": a.pk,
        "blocked": a.blocked,
        "direction": a.direction,
        "outcome": a.outcome,
        "number": a.target,
        "started_at": a.at,
        "ended_at": a.ended_at,
        "recording_id": call.recording_id,
        "decision": None
        if decision is None
        else {
            "id": decision.pk,
            "allowed": decision.allowed,
            "overridden": decision.overridden,
            "override_reason": decision.override_reason,
            "reasons": decision.reasons,
            "requirements": decision.requirements,
            "next_allowed_at": decision.next_allowed_at,
        },
    }


__all__ = ["CALL_OUTCOMES", "Direction", "LoggedCall", "call_log", "call_read"]


def call_preview(*, account: Account, number: str, at: datetime) -> dict[str, object]:
    """What the gate would say about dialling `number` now: shown before dialling, nothing stored."""
    from arrears.compliance.domain import evaluate
    from arrears.compliance.scenario import decision_to_json
    from arrears.compliance.selectors import decision_facts

    try:
        e164 = normalize_phone(number)
    except InvalidContact as exc:
        return {"error": str(exc)}
    debtor, point = _owner(e164, [account])
    facts, _, _ = decision_facts(
        account=account, channel="call", target=point or e164, purpose="collection", at=at, debtor=debtor
    )
    return {"number": e164, **decision_to_json(evaluate(facts, now=at))}
