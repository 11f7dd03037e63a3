"""What a collector records in one go from the account page, composed from the owning apps' services in
one transaction: a call and what came of it (a promise, a dispute, a refusal, a callback).

Each step is the owning app's service (so its checks, locks and audit events apply); this module only
decides which steps a call result takes, and runs them all or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.services import account_note_add
from arrears.attempts.choices import Outcome
from arrears.attempts.services import CallRequestIn, call_requests_add_many
from arrears.compliance.choices import HoldKind
from arrears.compliance.services import hold_place
from arrears.contact.calls import LoggedCall, call_log
from arrears.core.money import Money
from arrears.payments.services import promise_create
from arrears.tenancy.domain import Principal

if TYPE_CHECKING:
    from arrears.accounts.models import Account


class CallResult(StrEnum):
    """What came of a call, as the collector picks it. The first group are plain attempt outcomes; the
    rest are a right-party contact that leads to something recorded with it."""

    RIGHT_PARTY_CONTACT = "right_party_contact"
    PROMISE = "promise"
    REFUSAL = "refusal"
    DISPUTE = "dispute"
    CALLBACK = "callback"
    WRONG_NUMBER = "wrong_number"
    CONVERSATION = "conversation"
    NO_ANSWER = "no_answer"
    VOICEMAIL = "voicemail"
    BUSY = "busy"
    NOT_IN_SERVICE = "not_in_service"
    THIRD_PARTY = "third_party"


CALL_RESULT_LABELS: dict[str, str] = {
    CallResult.RIGHT_PARTY_CONTACT: "Right-party contact",
    CallResult.PROMISE: "Promise to pay",
    CallResult.REFUSAL: "Refused to pay",
    CallResult.DISPUTE: "Disputes the debt",
    CallResult.CALLBACK: "Asked for a callback",
    CallResult.WRONG_NUMBER: "Wrong number",
    CallResult.CONVERSATION: "Conversation (other)",
    CallResult.NO_ANSWER: "No answer",
    CallResult.VOICEMAIL: "Voicemail left",
    CallResult.BUSY: "Busy",
    CallResult.NOT_IN_SERVICE: "Not in service",
    CallResult.THIRD_PARTY: "Third party reached",
}

# The contact attempt's outcome for each result: those after a conversation are a right-party contact.
ATTEMPT_OUTCOME: dict[str, str] = {
    CallResult.PROMISE: Outcome.RIGHT_PARTY_CONTACT,
    CallResult.REFUSAL: Outcome.RIGHT_PARTY_CONTACT,
    CallResult.DISPUTE: Outcome.RIGHT_PARTY_CONTACT,
    CallResult.CALLBACK: Outcome.RIGHT_PARTY_CONTACT,
}


@dataclass(frozen=True, slots=True)
class CallFollowUp:
    """What the result needs besides the call: a promise's amount and date, or a callback's time."""

    promise_amount: Decimal | None = None
    promise_due_on: date | None = None
    callback_at: datetime | None = None
    dispute_written: bool = False


@dataclass(frozen=True, slots=True)
class CallRecorded:
    call: LoggedCall
    result: str
    promise_id: int | None = None
    hold_id: int | None = None
    callback_requested: bool = False

    @property
    def blocked(self) -> bool:
        return self.call.blocked


@transaction.atomic
def call_record(
    *,
    account: Account,
    number: str,
    direction: str,
    result: str,
    started_at: datetime,
    ended_at: datetime,
    actor: Principal,
    follow_up: CallFollowUp,
    notes: str = "",
    override_reason: str = "",
    recording: Path | None = None,
) -> CallRecorded:
    """Log the call through the compliance gate, then record what came of it. A blocked call records
    nothing more; a follow-up refused by its service (a promise in the past) undoes the call too."""
    result = CallResult(result)
    label = CALL_RESULT_LABELS[result]
    call = call_log(
        accounts=[account],
        number=number,
        direction=direction,
        outcome=ATTEMPT_OUTCOME.get(result, str(result)),
        started_at=started_at,
        ended_at=ended_at,
        notes=f"{label}. {notes}".strip() if result in ATTEMPT_OUTCOME else notes,
        override_reason=override_reason,
        recording=recording,
        actor=actor,
    )
    if call.blocked:
        return CallRecorded(call=call, result=result)
    promise_id = hold_id = None
    callback = False
    if result == CallResult.PROMISE:
        assert follow_up.promise_amount is not None and follow_up.promise_due_on is not None
        promise_id = promise_create(
            account=account,
            amount=Money(follow_up.promise_amount, account.currency),
            due_on=follow_up.promise_due_on,
            channel="call",
            note=notes,
            actor=actor,
        ).pk
    elif result == CallResult.DISPUTE:
        hold_id = hold_place(
            kind=HoldKind.DISPUTE,
            actor=actor,
            account=account,
            reason=notes or "disputed on a call",
            details={"written": follow_up.dispute_written},
        ).pk
    elif result == CallResult.REFUSAL:
        account_note_add(account=account, body=f"Refused to pay on a call. {notes}".strip(), actor=actor)
    elif result == CallResult.CALLBACK:
        assert follow_up.callback_at is not None
        callback = (
            call_requests_add_many(
                organization_id=account.organization_id,
                requests=[
                    CallRequestIn(
                        account_id=account.pk,
                        due_at=follow_up.callback_at,
                        reason=f"Callback asked for on a call. {notes}".strip(),
                        source="callback",
                        user_id=actor.user_id,
                    )
                ],
                actor=actor,
            )
            > 0
        )
    return CallRecorded(
        call=call, result=result, promise_id=promise_id, hold_id=hold_id, callback_requested=callback
    )
