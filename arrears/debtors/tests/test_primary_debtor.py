"""An account's debtors are listed primary first, whatever order they were linked in."""

from __future__ import annotations

import pytest

from arrears.accounts.models import AccountDebtor
from arrears.accounts.selectors import debtors_for_account
from arrears.accounts.tests.factories import debtor_in, shared_account

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("co_debtor_first", [True, False], ids=["co-debtor-first", "co-debtor-second"])
def test_the_primary_debtor_is_listed_first(client_, system, co_debtor_first):
    s = shared_account(client=client_, co_debtor_first=co_debtor_first)
    guarantor = debtor_in(client=client_, state="NY", first_name="Gus", last_name="Guarantor")
    AccountDebtor.objects.create(
        organization_id=s.account.organization_id, account=s.account, debtor=guarantor, role="guarantor"
    )

    rows = debtors_for_account(principal=system, account=s.account)

    assert rows == [("primary", s.primary), ("co_debtor", s.co_debtor), ("guarantor", guarantor)]
