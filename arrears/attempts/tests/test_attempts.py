"""The contact-attempt log: written in a batch (or a batch of one), read the way the compliance rules
count it."""

from datetime import UTC, datetime, timedelta

from arrears.accounts.models import AccountDebtor
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.models import ContactAttempt
from arrears.attempts.selectors import (
    attempts_first_outbound,
    attempts_for_account,
    attempts_history,
    attempts_inbound_email_points,
)
from arrears.attempts.services import (
    AttemptSpec,
    attempt_end_set,
    attempt_outcome_set,
    attempt_record,
    attempts_record_many,
)
from arrears.debtors.models import ContactPoint

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


def _debtor_id(account):
    return AccountDebtor.objects.get(account=account).debtor_id


def _spec(account, **fields):
    values = {
        "organization_id": account.organization_id,
        "debtor_id": _debtor_id(account),
        "channel": "call",
        "direction": Direction.OUTBOUND,
        "outcome": Outcome.NO_ANSWER,
        "at": NOW,
        "account_ids": [account.pk],
    }
    values.update(fields)
    return AttemptSpec(**values)


def test_a_batch_is_logged_in_order_with_the_accounts_each_concerned(make_account):
    first, second = make_account(), make_account()

    ids = attempts_record_many(
        attempts=[
            _spec(first, outcome=Outcome.CONVERSATION),
            _spec(second, account_ids=[second.pk, second.pk]),
            _spec(first, account_ids=[]),
        ]
    )

    stored = ContactAttempt.objects.in_bulk(ids)
    assert [stored[pk].outcome for pk in ids] == ["conversation", "no_answer", "no_answer"]
    assert [list(stored[pk].accounts.values_list("pk", flat=True)) for pk in ids] == [
        [first.pk],
        [second.pk],
        [],
    ]


def test_one_attempt_is_a_batch_of_one_and_comes_back_as_stored(make_account):
    account = make_account()

    attempt = attempt_record(attempt=_spec(account, target="+12125550001", notes="left no message"))

    stored = ContactAttempt.objects.get(pk=attempt.pk)
    assert (attempt.outcome, attempt.target, attempt.notes) == (stored.outcome, stored.target, stored.notes)
    assert attempt.created_at == stored.created_at
    assert list(attempt.accounts.all()) == [account]


def test_a_later_outcome_and_a_call_end_are_recorded(make_account):
    account = make_account()
    attempt = attempt_record(attempt=_spec(account, channel="email", outcome=Outcome.DELIVERED))

    attempt_outcome_set(attempt_id=attempt.pk, outcome=Outcome.UNDELIVERABLE)
    attempt_end_set(attempt_id=attempt.pk, ended_at=NOW + timedelta(minutes=4))

    stored = ContactAttempt.objects.get(pk=attempt.pk)
    assert stored.outcome == Outcome.UNDELIVERABLE
    assert stored.ended_at == NOW + timedelta(minutes=4)


def test_history_leaves_out_blocked_attempts_and_older_ones(make_account):
    account = make_account()
    debtor_id = _debtor_id(account)
    attempts_record_many(
        attempts=[
            _spec(account, at=NOW - timedelta(days=50)),
            _spec(account, outcome=Outcome.BLOCKED),
            _spec(account, at=NOW - timedelta(hours=1)),
        ]
    )

    rows = attempts_history(debtor_ids={debtor_id}, since=NOW - timedelta(days=40))

    assert [(r.at, r.outcome, r.account_ids) for r in rows] == [
        (NOW - timedelta(hours=1), "no_answer", (account.pk,))
    ]


def test_first_outbound_and_inbound_email_points(make_account):
    account = make_account()
    debtor_id = _debtor_id(account)
    email = ContactPoint.objects.get(debtor_id=debtor_id, kind="email")
    attempts_record_many(
        attempts=[
            _spec(account, at=NOW - timedelta(days=3), outcome=Outcome.VOICEMAIL),
            _spec(account, at=NOW - timedelta(days=2), outcome=Outcome.CONVERSATION),
            _spec(account, at=NOW - timedelta(days=1), outcome=Outcome.CONVERSATION),
            _spec(
                account,
                channel="email",
                direction=Direction.INBOUND,
                outcome=Outcome.DELIVERED,
                contact_point_id=email.pk,
                at=NOW - timedelta(hours=2),
            ),
        ]
    )

    first = attempts_first_outbound(account_ids={account.pk}, outcomes={Outcome.CONVERSATION})
    before = attempts_inbound_email_points(debtor_ids={debtor_id}, at=NOW - timedelta(hours=3))
    after = attempts_inbound_email_points(debtor_ids={debtor_id}, at=NOW)

    assert first == {account.pk: NOW - timedelta(days=2)}
    assert (before, after) == (set(), {email.pk})


def test_an_accounts_attempts_stay_in_its_organization(make_account, other_org):
    account = make_account()
    attempt_record(attempt=_spec(account))

    mine = attempts_for_account(organization_id=account.organization_id, account_id=account.pk)
    theirs = attempts_for_account(organization_id=other_org.pk, account_id=account.pk)

    assert mine.count() == 1
    assert not theirs.exists()
