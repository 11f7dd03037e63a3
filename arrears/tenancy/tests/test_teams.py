"""Teams and assignment: who works an account."""

import pytest

from arrears.accounts.selectors import account_by_id
from arrears.accounts.services import accounts_assign
from arrears.audit.selectors import audit_list_for_account
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.tenancy.selectors import team_user_ids, teams_for, user_team_id
from arrears.tenancy.services import membership_team_set, team_create


@pytest.mark.django_db
def test_teams_hold_members_and_names_are_unique_per_organization(org, other_org, system, make_user):
    early = team_create(organization_id=org.pk, name="  Early   shift ", actor=system)
    assert early.name == "Early shift"
    with pytest.raises(Conflict):
        team_create(organization_id=org.pk, name="Early shift", actor=system)
    team_create(organization_id=other_org.pk, name="Early shift", actor=system)  # another organization
    alice, bob = make_user(org, username="alice"), make_user(org, username="bob")
    membership_team_set(organization_id=org.pk, user_id=alice.pk, team_id=early.pk, actor=system)
    membership_team_set(organization_id=org.pk, user_id=bob.pk, team_id=early.pk, actor=system)
    assert team_user_ids(early.pk) == [alice.pk, bob.pk]
    assert user_team_id(organization_id=org.pk, user_id=alice.pk) == early.pk
    membership_team_set(organization_id=org.pk, user_id=bob.pk, team_id=None, actor=system)
    assert team_user_ids(early.pk) == [alice.pk]
    assert [t.name for t in teams_for(org.pk)] == ["Early shift"]
    outsider = make_user(other_org, username="carol")
    with pytest.raises(NotFound):
        membership_team_set(organization_id=org.pk, user_id=outsider.pk, team_id=early.pk, actor=system)
    foreign_team = teams_for(other_org.pk).get()
    with pytest.raises(NotFound):
        membership_team_set(organization_id=org.pk, user_id=alice.pk, team_id=foreign_team.pk, actor=system)


@pytest.mark.django_db
def test_assigning_accounts_is_audited_once_per_change(org, other_org, system, make_user, make_account):
    team = team_create(organization_id=org.pk, name="Legal", actor=system)
    alice = make_user(org, username="alice")
    a, b = make_account(), make_account()
    assert accounts_assign(account_ids=[a.pk, b.pk], user_id=alice.pk, team_id=team.pk, actor=system) == 2
    assert accounts_assign(account_ids=[a.pk, b.pk], user_id=alice.pk, team_id=team.pk, actor=system) == 0
    assert account_by_id(account_id=a.pk).assigned_user_id == alice.pk
    assert account_by_id(account_id=a.pk).assigned_team_id == team.pk
    assert accounts_assign(account_ids=[a.pk], user_id=None, team_id=team.pk, actor=system) == 1
    assert account_by_id(account_id=a.pk).assigned_user_id is None
    assigned = [
        e for e in audit_list_for_account(principal=system, account_id=a.pk) if e.event == "account.assigned"
    ]
    assert len(assigned) == 2
    with pytest.raises(ArrearsError) as not_member:
        accounts_assign(account_ids=[a.pk], user_id=make_user(other_org, username="zed").pk, actor=system)
    assert not_member.value.code == "ACCOUNT_ASSIGNEE_NOT_MEMBER"
    foreign_team = team_create(organization_id=other_org.pk, name="Legal", actor=system)
    with pytest.raises(ArrearsError) as unknown_team:
        accounts_assign(account_ids=[a.pk], team_id=foreign_team.pk, actor=system)
    assert unknown_team.value.code == "ACCOUNT_ASSIGNEE_TEAM_UNKNOWN"
