from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.ledger.domain import (
    ALLOCATION_ORDERS,
    OWED_BUCKETS,
    LedgerRuleError,
    Posting,
    allocate,
    balances,
    check_entry,
)

cents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2)
bucket_balances = st.fixed_dictionaries({b: cents for b in OWED_BUCKETS})
orders = st.sampled_from(list(ALLOCATION_ORDERS.values()))


@given(amount=cents, owed=bucket_balances, order=orders)
def test_allocation_never_over_allocates_and_accounts_for_every_cent(amount, owed, order):
    split = allocate(amount, balances=owed, order=order)

    for bucket, applied in split.applied.items():
        assert Decimal(0) < applied <= owed[bucket]
    assert split.total_applied + split.unapplied == amount
    assert split.unapplied >= 0
    if split.unapplied:
        assert all(split.applied.get(b, 0) == owed[b] for b in OWED_BUCKETS)


@given(amount=cents, owed=bucket_balances, order=orders)
def test_allocation_respects_the_order(amount, owed, order):
    split = allocate(amount, balances=owed, order=order)

    # A bucket only receives money once every bucket before it in the order is paid off.
    for i, bucket in enumerate(order):
        if split.applied.get(bucket):
            assert all(split.applied.get(prev, 0) == owed[prev] for prev in order[:i])


@pytest.mark.parametrize(
    ("order_name", "expected"),
    [
        (
            "fees_first",
            {
                "fees": Decimal("25"),
                "costs": Decimal("10"),
                "interest": Decimal("40"),
                "principal": Decimal("25"),
            },
        ),
        ("principal_first", {"principal": Decimal("100")}),
    ],
)
def test_default_and_principal_first_orders(order_name, expected):
    owed = {
        "principal": Decimal("500"),
        "interest": Decimal("40"),
        "fees": Decimal("25"),
        "costs": Decimal("10"),
    }

    split = allocate(Decimal("100"), balances=owed, order=ALLOCATION_ORDERS[order_name])

    assert split.applied == expected
    assert split.unapplied == 0


def test_overpayment_is_unapplied_never_a_negative_bucket():
    split = allocate(
        Decimal("120"), balances={"principal": Decimal("100")}, order=ALLOCATION_ORDERS["fees_first"]
    )

    assert split.applied == {"principal": Decimal("100")}
    assert split.unapplied == Decimal("20")


def test_negative_balances_receive_nothing():
    split = allocate(
        Decimal("10"), balances={"principal": Decimal("-5"), "fees": Decimal("3")}, order=("principal",)
    )

    assert split.applied == {"fees": Decimal("3")}
    assert split.unapplied == Decimal("7")


@pytest.mark.parametrize(
    ("kind", "bucket", "amount"),
    [
        ("charge", "interest", Decimal("1")),  # charges are principal
        ("charge", "principal", Decimal("-1")),  # charges increase what is owed
        ("payment", "principal", Decimal("1")),  # payments reduce it
        ("payment", "credit", Decimal("-1")),  # a payment only adds to credit
        ("write_off", "principal", Decimal("1")),
        ("fee", "fees", Decimal("0")),  # zero entries are noise
        ("bogus", "principal", Decimal("1")),
    ],
)
def test_sign_convention_refuses_malformed_entries(kind, bucket, amount):
    with pytest.raises(LedgerRuleError):
        check_entry(kind, bucket, amount)


@given(st.lists(st.tuples(st.sampled_from(OWED_BUCKETS), cents), max_size=40))
def test_balance_is_the_sum_of_postings(items):
    result = balances(Posting(b, a) for b, a in items)

    for bucket in OWED_BUCKETS:
        assert result[bucket] == sum((a for b, a in items if b == bucket), Decimal(0))
