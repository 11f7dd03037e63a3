"""`outbound_attempts_record_many`: a batch of calls, each through the compliance gate, as one would be."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arrears.attempts.choices import Outcome
from arrears.audit.events import Event
from arrears.audit.models import AuditEvent
from arrears.compliance.services import hold_place
from arrears.contact.services import OutboundAttempt, outbound_attempts_record_many
from arrears.core.errors import ArrearsError

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)  # 12:00 in New York, a Tuesday


def attempt(account, outcome="no_answer"):
    debtor = account.debtors.get()
    return OutboundAttempt(
        account, debtor, "call", outcome, debtor.contact_points.filter(kind="phone").first()
    )


def test_each_call_is_decided_and_a_blocked_one_is_stored_blocked(make_account, system):
    # given: the second account's debtor is in bankruptcy
    free, held = make_account(), make_account()
    hold_place(kind="bankruptcy", actor=system, account=held, reason="chapter 7")

    # when
    ids = outbound_attempts_record_many(attempts=[attempt(free), attempt(held)], at=AT, actor=system)

    # then
    from arrears.attempts.models import ContactAttempt

    first, second = (ContactAttempt.objects.get(pk=pk) for pk in ids)
    assert first.outcome == Outcome.NO_ANSWER and first.decision_id is not None
    assert second.outcome == Outcome.BLOCKED and second.decision_id is not None
    assert AuditEvent.objects.filter(event=Event.CONTACT_ATTEMPT_BLOCKED, account_id=held.pk).count() == 1
    assert AuditEvent.objects.filter(event=Event.CONTACT_ATTEMPT_RECORDED, account_id=free.pk).count() == 1


def test_an_account_twice_in_one_batch_is_refused(make_account, system):
    account = make_account()

    with pytest.raises(ArrearsError):
        outbound_attempts_record_many(attempts=[attempt(account), attempt(account)], at=AT, actor=system)
