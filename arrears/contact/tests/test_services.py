"""Contact attempts: every one logged; outbound ones through the compliance gate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arrears.attempts.models import ContactAttempt
from arrears.audit.models import AuditEvent
from arrears.compliance.models import Decision
from arrears.compliance.selectors import primary_debtor
from arrears.contact.services import contact_attempt_record
from arrears.core.errors import ArrearsError
from arrears.debtors.models import ContactPoint

NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def test_outbound_attempt_carries_its_allowed_decision(make_account, system):
    account = make_account()
    debtor = primary_debtor(account)
    phone = ContactPoint.objects.get(debtor=debtor, kind="phone")

    attempt = contact_attempt_record(
        debtor=debtor,
        channel="call",
        direction="outbound",
        outcome="conversation",
        accounts=[account],
        contact_point=phone,
        actor=system,
        at=NOW,
        notes="PTP",
    )

    assert not attempt.blocked
    assert attempt.outcome == "conversation"
    assert attempt.target == phone.value
    assert attempt.decision.allowed and attempt.decision.account == account
    assert list(attempt.accounts.all()) == [account]
    assert AuditEvent.objects.filter(event="contact.attempt_recorded", account_id=account.pk).exists()


def test_inbound_attempt_is_logged_without_a_decision(make_account, system):
    account = make_account()

    attempt = contact_attempt_record(
        debtor=primary_debtor(account),
        channel="call",
        direction="inbound",
        outcome="conversation",
        accounts=[account],
        actor=system,
        at=datetime(2026, 3, 11, 3, tzinfo=UTC),
    )  # 23:00 in New York

    assert attempt.decision is None and not attempt.blocked
    assert Decision.objects.count() == 0


def test_blocked_attempt_is_stored_with_the_blocking_decision(make_account, system):
    account = make_account()
    debtor = primary_debtor(account)

    attempt = contact_attempt_record(
        debtor=debtor,
        channel="call",
        direction="outbound",
        outcome="conversation",
        accounts=[account],
        target="+12125550001",
        actor=system,
        at=datetime(2026, 3, 11, 2, tzinfo=UTC),
    )  # 22:00 in New York

    assert attempt.blocked and attempt.outcome == "blocked"
    assert attempt.decision.codes == ["INCONVENIENT_TIME"]
    assert AuditEvent.objects.filter(event="contact.attempt_blocked").exists()


def test_accounts_must_belong_to_the_debtor(make_account, system):
    mine = make_account()
    theirs = make_account()

    with pytest.raises(ArrearsError) as err:
        contact_attempt_record(
            debtor=primary_debtor(mine),
            channel="email",
            direction="outbound",
            outcome="delivered",
            accounts=[theirs],
            actor=system,
            at=NOW,
        )

    assert err.value.code == "CONTACT_NOT_THE_DEBTORS_ACCOUNT"
    assert not ContactAttempt.objects.exists()


def test_blocked_is_not_an_outcome_a_caller_records(make_account, system):
    account = make_account()

    with pytest.raises(ArrearsError):
        contact_attempt_record(
            debtor=primary_debtor(account),
            channel="call",
            direction="outbound",
            outcome="blocked",
            accounts=[account],
            actor=system,
            at=NOW,
        )
