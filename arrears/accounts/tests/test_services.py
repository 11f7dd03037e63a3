import pytest

from arrears.accounts.choices import AccountStatus as S
from arrears.accounts.services import account_transition
from arrears.audit.models import AuditEvent
from arrears.core.errors import ArrearsError, Conflict


def test_a_legal_transition_is_applied_and_audited(make_account, system):
    account = make_account()

    moved = account_transition(account=account, to=S.ACTIVE, actor=system, reason="first contact")

    assert moved.status == S.ACTIVE
    event = AuditEvent.objects.filter(account_id=account.pk, event="account.status_changed").get()
    assert event.data == {"from": "new", "to": "active", "reason": "first contact"}


def test_an_illegal_transition_is_refused_with_a_clear_error(make_account, system):
    account = make_account()
    account_transition(account=account, to=S.RECALLED, actor=system)

    with pytest.raises(ArrearsError) as err:
        account_transition(account=account, to=S.ACTIVE, actor=system)

    assert err.value.code == "ACCOUNT_ILLEGAL_TRANSITION"
    assert "cannot move an account from 'recalled' to 'active'" in err.value.message
    account.refresh_from_db()
    assert account.status == S.RECALLED


def test_the_client_reference_is_unique(make_account):
    make_account(reference="INV-1")

    with pytest.raises(Conflict) as err:
        make_account(reference="INV-1")

    assert err.value.code == "ACCOUNT_REFERENCE_TAKEN"
