"""`accounts_transition_many`: many lifecycle moves in one transaction, each checked and audited."""

from __future__ import annotations

import pytest

from arrears.accounts.choices import AccountStatus
from arrears.accounts.services import accounts_transition_many
from arrears.audit.events import Event
from arrears.audit.models import AuditEvent
from arrears.core.errors import ArrearsError

pytestmark = pytest.mark.django_db


def test_many_moves_are_written_and_audited_and_a_same_status_move_is_skipped(make_account, system):
    # given
    a, b, c = make_account(), make_account(), make_account()

    # when
    moved = accounts_transition_many(
        moves=[(a.pk, AccountStatus.ACTIVE), (b.pk, AccountStatus.ACTIVE), (c.pk, AccountStatus.NEW)],
        actor=system,
        reason="batch",
    )

    # then
    assert moved == 2
    for account, status in ((a, AccountStatus.ACTIVE), (b, AccountStatus.ACTIVE), (c, AccountStatus.NEW)):
        account.refresh_from_db()
        assert account.status == status
    events = AuditEvent.objects.filter(event=Event.ACCOUNT_STATUS_CHANGED, data__reason="batch")
    assert sorted(int(e.subject_id) for e in events) == [a.pk, b.pk]


def test_one_illegal_move_writes_nothing(make_account, system):
    a, b = make_account(), make_account()

    with pytest.raises(ArrearsError) as refused:
        accounts_transition_many(
            moves=[(a.pk, AccountStatus.ACTIVE), (b.pk, AccountStatus.LEGAL)], actor=system
        )

    assert refused.value.code == "ACCOUNT_ILLEGAL_TRANSITION"
    a.refresh_from_db()
    assert a.status == AccountStatus.NEW


def test_another_organizations_account_is_not_moved(make_account, other_org):
    from arrears.tenancy.domain import system_principal

    account = make_account()

    with pytest.raises(ArrearsError):
        accounts_transition_many(
            moves=[(account.pk, AccountStatus.ACTIVE)], actor=system_principal(other_org.pk)
        )
