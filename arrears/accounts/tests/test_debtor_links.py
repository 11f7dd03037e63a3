"""An account's debtors move in a debtor merge through accounts' own services, and back in an unmerge."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from arrears.accounts.models import AccountDebtor
from arrears.accounts.services import account_debtors_reassign, account_debtors_restore
from arrears.debtors import merging


def links():
    return set(AccountDebtor.objects.values_list("account__reference", "debtor_id", "role"))


def test_reassign_moves_the_links_except_to_an_account_the_other_debtor_is_on(make_account):
    # given two debtors, each on an account of their own, and both on a shared one
    first = make_account(reference="A").debtors.get()
    second = make_account(reference="B").debtors.get()
    shared = make_account(reference="C", debtor=first)
    AccountDebtor.objects.create(
        organization_id=shared.organization_id, account=shared, debtor=second, role="co_debtor"
    )
    before = links()

    # when the second debtor's links move to the first
    moved = account_debtors_reassign(
        organization_id=first.organization_id, from_debtor_id=second.pk, to_debtor_id=first.pk
    )

    # then B is the first debtor's now, and the shared account keeps the second debtor's link (no duplicate)
    assert links() == {
        ("A", first.pk, "primary"),
        ("B", first.pk, "primary"),
        ("C", first.pk, "primary"),
        ("C", second.pk, "co_debtor"),
    }
    assert moved == [AccountDebtor.objects.get(account__reference="B").pk]

    # and restoring those ids puts everything back
    account_debtors_restore(ids=moved, from_debtor_id=first.pk, to_debtor_id=second.pk)
    assert links() == before


def test_reassign_stays_inside_the_organization(make_account, other_org):
    # given a debtor's link, and an organization that is not the debtor's
    debtor = make_account(reference="A").debtors.get()
    other = make_account(reference="B").debtors.get()

    # when the reassignment is asked for in the wrong organization, nothing moves
    assert (
        account_debtors_reassign(
            organization_id=other_org.pk, from_debtor_id=other.pk, to_debtor_id=debtor.pk
        )
        == []
    )
    assert AccountDebtor.objects.get(account__reference="B").debtor_id == other.pk


def test_the_debtor_merge_moves_account_links_through_the_accounts_service(make_account, system, monkeypatch):
    # given two duplicates, and the accounts service watched
    kept = make_account(reference="A").debtors.get()
    merged = make_account(reference="B").debtors.get()
    calls = []
    registered = merging._REGISTERED["accounts.AccountDebtor.debtor"]

    def watched(**kwargs):
        calls.append(kwargs)
        return registered.reassign(**kwargs)

    monkeypatch.setitem(
        merging._REGISTERED,
        "accounts.AccountDebtor.debtor",
        merging.DebtorLinks(reassign=watched, restore=registered.restore),
    )

    # when they are merged
    record = merging.debtor_merge(kept=kept, merged=merged, actor=system)

    # then accounts moved its own rows, and the merge recorded them for the unmerge
    assert calls == [
        {"organization_id": kept.organization_id, "from_debtor_id": merged.pk, "to_debtor_id": kept.pk}
    ]
    assert record.moved["accounts.AccountDebtor.debtor"] == [
        AccountDebtor.objects.get(account__reference="B").pk
    ]


def test_accounts_registers_its_links_and_a_wrong_key_is_refused(db):
    assert "accounts.AccountDebtor.debtor" in merging.debtor_links_registered()

    for key in ("accounts.AccountDebtor.account", "accounts.Nothing.debtor", "accounts.AccountDebtor.nope"):
        with pytest.raises(ImproperlyConfigured):
            merging.debtor_links_register(key=key, reassign=lambda **_: [], restore=lambda **_: None)
