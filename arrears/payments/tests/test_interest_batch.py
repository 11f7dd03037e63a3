"""`interest_accrue_many` accrues exactly what `interest_accrue` accrues, account by account.

Each generated account is opened twice, as twins with the same terms, principal movements, holds and
earlier markers; one twin accrues through the single-account service, the other through the batch.
Their markers, entries, balances and audit events must be equal to the cent.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.audit.models import AuditEvent
from arrears.audit.selectors import audit_chain_verify
from arrears.compliance.choices import HoldKind
from arrears.compliance.services import hold_place
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.models import LedgerEntry
from arrears.ledger.services import EntrySpec, ledger_post
from arrears.payments import services
from arrears.payments.domain import ACTUAL_365, THIRTY_360
from arrears.payments.models import InterestAccrual, InterestCap
from arrears.payments.selectors import interest_caps
from arrears.payments.tests.money import assert_ledger_matches_cache, balances

D = Decimal
THROUGH = date(2026, 3, 10)
MARKER_FIELDS = ("start", "through", "amount", "forgiven", "rate", "basis", "days", "suspended", "scra")

cents = st.integers(min_value=1, max_value=10_000_000).map(lambda n: D(n) / 100)
account_terms = st.fixed_dictionaries(
    {
        "principal": cents,
        # up to four decimals, as the column holds them; zero earns nothing
        "rate": st.integers(min_value=0, max_value=360_000).map(lambda n: D(n) / 10_000),
        "basis": st.sampled_from([ACTUAL_365, THIRTY_360]),
        "itemized_days_ago": st.integers(min_value=-5, max_value=800),
        "state": st.sampled_from(["NY", "CA", "TX"]),
        "hold": st.sampled_from([None, HoldKind.SCRA, HoldKind.BANKRUPTCY]),
        "hold_days_ago": st.integers(min_value=-3, max_value=60),
        # a principal movement (a charge up or an adjustment down) on a day inside or outside the period
        "moved": st.one_of(
            st.none(), st.tuples(st.integers(min_value=-400_00, max_value=400_00), st.integers(-3, 300))
        ),
        # an earlier accrual through some day before THROUGH
        "earlier_days_ago": st.one_of(st.none(), st.integers(min_value=1, max_value=200)),
    }
)


@pytest.fixture
def caps(org):
    InterestCap.objects.create(organization=org, state="NY", max_rate=D("9"), citation="test cap")
    return interest_caps(organization_id=org.pk)


@pytest.fixture
def twin(make_account, system):
    debtor = make_account().debtors.first()

    def make(terms):
        account = make_account(
            principal=terms["principal"],
            interest_rate=terms["rate"],
            interest_basis=terms["basis"],
            itemization_date=THROUGH - timedelta(days=terms["itemized_days_ago"]),
            jurisdiction_state=terms["state"],
            debtor=debtor,
        )
        if terms["moved"] is not None:
            cents_moved, days_ago = terms["moved"]
            if cents_moved:
                kind = EntryKind.CHARGE if cents_moved > 0 else EntryKind.ADJUSTMENT
                ledger_post(
                    account=account,
                    entries=[EntrySpec(kind, Bucket.PRINCIPAL, D(cents_moved) / 100, memo="moved")],
                    effective_on=THROUGH - timedelta(days=days_ago),
                    actor=system,
                )
        if terms["hold"] is not None:
            hold_place(
                kind=terms["hold"],
                account=account,
                actor=system,
                effective_on=THROUGH - timedelta(days=terms["hold_days_ago"]),
            )
        if terms["earlier_days_ago"] is not None:
            services.interest_accrue(
                account=account.pk, through=THROUGH - timedelta(days=terms["earlier_days_ago"]), actor=system
            )
        return account

    return make


def accrued(account):
    marker = InterestAccrual.objects.filter(account=account, through=THROUGH).values(*MARKER_FIELDS).first()
    entries = list(
        LedgerEntry.objects.filter(
            account=account, kind=EntryKind.INTEREST, effective_on=THROUGH
        ).values_list("bucket", "amount", "memo", "source_id")
    )
    entries = [(b, a, m, s.removeprefix(f"{account.pk}:")) for b, a, m, s in entries]
    events = [
        ({k: v for k, v in e["entries"][0].items() if k != "id"}, e["currency"], e["effective_on"])
        for e in AuditEvent.objects.filter(account_id=account.pk, event="interest.accrued")
        .order_by("seq")
        .values_list("data", flat=True)
    ]
    return marker, entries, events, balances(account)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(account_terms, min_size=1, max_size=5))
def test_property_the_batch_accrues_what_each_account_accrues_alone(org, system, caps, twin, many_terms):
    # given twins of each account
    pairs = [(twin(terms), twin(terms)) for terms in many_terms]

    # when one of each accrues alone, the other in one batch
    for alone, _ in pairs:
        services.interest_accrue(
            account=alone.pk, through=THROUGH, actor=system, state_cap=caps.get(alone.jurisdiction_state)
        )
    posted = services.interest_accrue_many(
        account_ids=[b.pk for _, b in pairs], through=THROUGH, actor=system
    )

    # then each twin holds the same marker, entries, events and balances, to the cent
    for alone, batched in pairs:
        assert accrued(batched) == accrued(alone)
        marker = accrued(batched)[0]
        assert posted.get(batched.pk) == (marker["amount"] if marker else None)
    assert_ledger_matches_cache(org)
    assert audit_chain_verify(organization_id=org.pk).ok


@pytest.mark.django_db(transaction=True)
def test_a_second_batch_for_the_date_posts_nothing_and_the_ledger_and_chain_hold(org, system, make_account):
    # given accounts earning interest, one under a debtor-wide bankruptcy, one in another organization
    earning = [
        make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))
        for _ in range(3)
    ]
    bankrupt = make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))
    hold_place(
        kind=HoldKind.BANKRUPTCY, debtor=bankrupt.debtors.first(), actor=system, effective_on=date(2026, 1, 1)
    )
    ids = [a.pk for a in [*earning, bankrupt]]
    events_before = AuditEvent.objects.filter(organization=org).count()

    # when
    first = services.interest_accrue_many(account_ids=ids, through=date(2026, 1, 11), actor=system)
    second = services.interest_accrue_many(account_ids=ids, through=date(2026, 1, 11), actor=system)

    # then 10.00 each, none for the bankrupt account (its marker moves on with zero), and nothing twice
    assert first == {**{a.pk: D("10.00") for a in earning}, bankrupt.pk: D("0")}
    assert second == {}
    assert [balances(a)["interest"] for a in earning] == [D("10.00")] * 3
    assert balances(bankrupt)["interest"] == D("0")
    assert InterestAccrual.objects.get(account=bankrupt).suspended
    assert AuditEvent.objects.filter(organization=org).count() == events_before + 3
    assert_ledger_matches_cache(org)
    assert audit_chain_verify(organization_id=org.pk).ok
