from decimal import Decimal

from arrears.ledger.selectors import ledger_balances


def test_account_opening_balance_is_on_the_ledger(make_account):
    account = make_account(principal=Decimal("1000.00"), interest=Decimal("12.50"))

    balances = ledger_balances(account=account)

    assert balances["principal"] == Decimal("1000.00")
    assert balances["interest"] == Decimal("12.50")
    assert account.balance_total == Decimal("1012.50")
