from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.accounts.models import Account
from arrears.core.errors import ArrearsError, Conflict
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.models import LedgerEntry
from arrears.ledger.selectors import ledger_balances, ledger_cache_mismatches
from arrears.ledger.services import EntrySpec, ledger_post, ledger_reverse

ON = date(2026, 11, 1)
positive = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("5000"), places=2)
postings = st.one_of(
    st.builds(lambda a: EntrySpec(EntryKind.CHARGE, Bucket.PRINCIPAL, a), positive),
    st.builds(lambda a: EntrySpec(EntryKind.INTEREST, Bucket.INTEREST, a), positive),
    st.builds(lambda a: EntrySpec(EntryKind.FEE, Bucket.FEES, a), positive),
    st.builds(lambda a: EntrySpec(EntryKind.COST, Bucket.COSTS, a), positive),
    st.builds(
        lambda a, b: EntrySpec(EntryKind.PAYMENT, b, -a), positive, st.sampled_from(["principal", "fees"])
    ),
    st.builds(lambda a: EntrySpec(EntryKind.ADJUSTMENT, Bucket.PRINCIPAL, a), positive),
)


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(postings, min_size=1, max_size=4), min_size=1, max_size=6))
def test_cached_balances_always_equal_the_sum_of_entries(make_account, system, batches):
    account = make_account(principal=Decimal("100.00"))

    for batch in batches:
        ledger_post(account=account, entries=batch, effective_on=ON, actor=system)

    account.refresh_from_db()
    truth = ledger_balances(account=account)
    assert account.balance_principal == truth["principal"]
    assert account.balance_interest == truth["interest"]
    assert account.balance_fees == truth["fees"]
    assert account.balance_costs == truth["costs"]
    assert not [m for m in ledger_cache_mismatches() if m.account_id == account.pk]


def test_reversal_restores_every_bucket(make_account, system):
    account = make_account(principal=Decimal("500.00"), fees=Decimal("25.00"))
    before = ledger_balances(account=account)
    payment = ledger_post(
        account=account,
        entries=[
            EntrySpec(EntryKind.PAYMENT, Bucket.FEES, Decimal("-25")),
            EntrySpec(EntryKind.PAYMENT, Bucket.PRINCIPAL, Decimal("-75")),
        ],
        effective_on=ON,
        actor=system,
    )

    reversal = ledger_reverse(entries=payment, actor=system, reason="NSF")

    assert ledger_balances(account=account) == before
    assert {r.reverses_id for r in reversal} == {p.pk for p in payment}
    assert all(r.kind == EntryKind.REVERSAL for r in reversal)


def test_an_entry_is_reversed_once_and_reversals_are_not_reversed(make_account, system):
    account = make_account()
    charge = LedgerEntry.objects.filter(account=account).get()
    reversal = ledger_reverse(entries=[charge], actor=system, reason="posted in error")

    with pytest.raises(Conflict) as twice:
        ledger_reverse(entries=[charge], actor=system, reason="again")
    with pytest.raises(Conflict) as of_reversal:
        ledger_reverse(entries=reversal, actor=system, reason="undo")

    assert twice.value.code == "LEDGER_ALREADY_REVERSED"
    assert of_reversal.value.code == "LEDGER_REVERSAL_OF_REVERSAL"


def test_entries_are_append_only(make_account):
    entry = LedgerEntry.objects.filter(account=make_account()).first()

    entry.memo = "edited"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()


def test_a_malformed_entry_is_refused_and_nothing_is_written(make_account, system):
    account = make_account(principal=Decimal("100.00"))
    count = LedgerEntry.objects.count()

    with pytest.raises(ArrearsError) as err:
        ledger_post(
            account=account,
            entries=[
                EntrySpec(EntryKind.FEE, Bucket.FEES, Decimal("5")),
                EntrySpec(EntryKind.PAYMENT, Bucket.PRINCIPAL, Decimal("5")),
            ],
            effective_on=ON,
            actor=system,
        )

    assert err.value.code == "LEDGER_INVALID_ENTRY"
    assert LedgerEntry.objects.count() == count
    assert Account.objects.get(pk=account.pk).balance_fees == 0


def test_ledger_check_command_reports_a_tampered_cache(make_account, capsys):
    from django.core.management import call_command

    account = make_account(principal=Decimal("100.00"))
    call_command("ledger", "check")
    Account.objects.filter(pk=account.pk).update(balance_principal=Decimal("99.00"))

    with pytest.raises(SystemExit) as exit_:
        call_command("ledger", "check")

    assert exit_.value.code == 1
    assert "cached 99.00 != ledger 100.00" in capsys.readouterr().out
