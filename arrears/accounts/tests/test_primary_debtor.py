"""Who "the" debtor of an account is: the primary, whatever the order the links were made in."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.accounts.choices import DebtorRole
from arrears.accounts.models import AccountDebtor
from arrears.accounts.selectors import (
    account_list,
    debtor_link_order,
    primary_debtor,
    primary_debtor_ids,
    primary_debtors,
)

from .factories import debtor_in, shared_account

pytestmark = pytest.mark.django_db
ORDERS = pytest.mark.parametrize(
    "co_debtor_first", [True, False], ids=["co-debtor-first", "co-debtor-second"]
)


@ORDERS
def test_the_primary_debtor_is_the_primary_not_the_co_debtor(client_, co_debtor_first):
    shared = shared_account(client=client_, co_debtor_first=co_debtor_first)

    found = primary_debtor(shared.account)

    assert found == shared.primary


def test_a_batch_of_accounts_is_read_in_one_query(client_, make_account, django_assert_num_queries):
    first = shared_account(client=client_, co_debtor_first=True)
    second = shared_account(client=client_, co_debtor_first=False)
    alone = make_account()
    ids = [first.account.pk, second.account.pk, alone.pk]

    with django_assert_num_queries(1):
        debtors = primary_debtors(ids)
        names = {pk: d.display_name for pk, d in debtors.items()}  # the debtor is loaded in the same query

    assert debtors == {
        first.account.pk: first.primary,
        second.account.pk: second.primary,
        alone.pk: alone.debtors.get(),
    }
    assert names[first.account.pk] == first.primary.display_name
    assert primary_debtor_ids(ids) == {pk: d.pk for pk, d in debtors.items()}


def test_an_account_without_debtors_has_no_primary(make_account):
    account = make_account()
    AccountDebtor.objects.filter(account=account).delete()

    assert primary_debtor(account) is None
    assert primary_debtors([account.pk]) == {}
    assert primary_debtor_ids([account.pk]) == {}


def test_roles_rank_primary_then_co_debtor_then_other_roles_by_name_then_age(client_):
    shared = shared_account(client=client_, co_debtor_first=True)
    account = shared.account
    # Roles the code does not know (from an older import, say) rank after the known ones.
    surety = debtor_in(client=client_, state="NY", first_name="Sam", last_name="Surety")
    guarantor = debtor_in(client=client_, state="NY", first_name="Gus", last_name="Guarantor")
    late_co_debtor = debtor_in(client=client_, state="CA", first_name="Lee", last_name="Late")
    for debtor, role in (
        (surety, "surety"),
        (guarantor, "guarantor"),
        (late_co_debtor, DebtorRole.CO_DEBTOR),
    ):
        AccountDebtor.objects.create(
            organization_id=account.organization_id, account=account, debtor=debtor, role=role
        )

    ordered = [
        link.debtor
        for link in AccountDebtor.objects.filter(account=account)
        .select_related("debtor")
        .order_by(*debtor_link_order())
    ]

    assert ordered == [shared.primary, shared.co_debtor, late_co_debtor, guarantor, surety]


def test_without_a_primary_the_co_debtor_comes_before_other_roles(client_):
    shared = shared_account(client=client_, co_debtor_first=False)
    # "assignee" sorts before "co_debtor" as text, and its link is the older one.
    AccountDebtor.objects.filter(account=shared.account, debtor=shared.primary).update(role="assignee")

    assert primary_debtor(shared.account) == shared.co_debtor


@ORDERS
def test_the_account_list_names_the_primary_debtor(client_, system, co_debtor_first):
    shared = shared_account(client=client_, co_debtor_first=co_debtor_first)

    listed = account_list(principal=system, as_of=date(2026, 3, 10)).get(pk=shared.account.pk)

    assert [link.debtor for link in listed.account_debtors.all()] == [shared.primary, shared.co_debtor]
