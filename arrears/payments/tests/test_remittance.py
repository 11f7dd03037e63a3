"""Agency remittance: rates by placement age and by account, net and gross, PDF/CSV, and the ledger."""

import csv
import itertools
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.core.money import Money
from arrears.payments import remittance_domain as rd
from arrears.payments.models import CommissionRule, RemittanceStatement
from arrears.payments.remittance import (
    client_terms_set,
    commissions_for_period,
    period_bounds,
    remittance_build,
)
from arrears.payments.services import payment_post, payment_reverse

D = Decimal
CODES = itertools.count()


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 15, tzinfo=UTC)


@pytest.fixture
def run(capsys):
    def run(*args):
        capsys.readouterr()
        call_command(*args, stderr=StringIO())
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def october(client_, system, make_account):
    """30% by default, 40% once placed 180 days, 25% on account C; a September payment reversed in October."""
    a = make_account(reference="A", principal=D("1000.00"), placed_on=date(2026, 9, 1))
    b = make_account(reference="B", principal=D("1000.00"), placed_on=date(2026, 1, 2))
    c = make_account(reference="C", principal=D("1000.00"), placed_on=date(2026, 9, 1))
    bands, own = [(180, D("40"))], {c.pk: D("25")}
    client_terms_set(
        client=client_, rate=D("30"), remit_mode="net", age_bands=bands, account_rates=own, actor=system
    )
    keys = itertools.count()

    def pay(account, amount, day):
        return payment_post(
            account=account,
            amount=Money(D(amount), "USD"),
            method="check",
            received_at=at(day),
            actor=system,
            idempotency_key=f"K{next(keys)}",
        )

    september = pay(a, "50.00", date(2026, 9, 20))
    pay(a, "100.00", date(2026, 10, 5))
    pay(b, "200.00", date(2026, 10, 6))
    pay(c, "80.00", date(2026, 10, 7))
    pay(c, "999.00", date(2026, 11, 2))
    payment_reverse(payment=september, reason="nsf", actor=system, on=date(2026, 10, 10))


def test_net_statement_pdf_and_csv_agree_with_the_ledger(run, october, tmp_path):
    # when
    result = run("remittance", "--client", "bank", "--period", "2026-10", "--out", str(tmp_path), "--json")
    again = run("remittance", "--client", "bank", "--period", "2026-10", "--out", str(tmp_path), "--json")

    # then: 100×30% + 200×40% + 80×25% − 50×30% (the September payment, reversed in October)
    usd = result["totals"]["USD"]
    assert usd == {"collections": "330.00", "fees": "115.00", "due_to_client": "215.00", "invoiced": "0.00"}
    assert result["ledger"] == {"USD": "330.00"} and again["totals"] == result["totals"]
    assert RemittanceStatement.objects.get().due_to_client == D("215.00")
    rows = list(csv.DictReader((tmp_path / "remittance-bank-2026-10.csv").open()))
    lines = [r for r in rows if not r["account"].startswith("TOTAL")]
    assert [(r["account"], r["kind"], r["amount"], r["fee"]) for r in lines] == [
        ("A", "payment", "100.00", "30.00"),
        ("A", "reversal", "-50.00", "-15.00"),
        ("B", "payment", "200.00", "80.00"),
        ("C", "payment", "80.00", "20.00"),
    ]
    assert (tmp_path / "remittance-bank-2026-10.pdf").read_bytes().startswith(b"%PDF-")


def test_gross_remits_everything_and_invoices_the_fees(october, client_, system):
    # given
    client_terms_set(client=client_, rate=D("30"), remit_mode="gross", actor=system)

    # when
    start, end = period_bounds("2026-10")
    totals = remittance_build(client=client_, start=start, end=end).totals["USD"]

    # then: 330 × 30%
    assert (totals.collections, totals.fees, totals.due_to_client, totals.invoiced) == (
        D("330.00"),
        D("99.00"),
        D("330.00"),
        D("99.00"),
    )
    assert totals.net == totals.collections - totals.fees


def test_collector_commission_is_a_share_of_the_fee_per_payment(october, org):
    # given
    CommissionRule.objects.create(organization=org, collector="", rate=D("10"))

    # when
    rows = commissions_for_period(organization_id=org.pk, start=date(2026, 10, 1), end=date(2026, 10, 31))

    # then
    assert [(r["account"], r["kind"], r["commission"]) for r in rows] == [
        ("A", "payment", D("3.00")),
        ("A", "reversal", D("-1.50")),
        ("B", "payment", D("8.00")),
        ("C", "payment", D("2.00")),
    ]


line_inputs = st.lists(
    st.tuples(
        st.decimals(min_value=D("-9999.99"), max_value=D("9999.99"), places=2).filter(lambda x: x != 0),
        st.decimals(min_value=D("0"), max_value=D("100"), places=3),
    ),
    max_size=30,
)


@given(line_inputs, st.sampled_from(["net", "gross"]))
def test_property_totals_are_collections_minus_fees(inputs, mode):
    # given
    lines = [
        rd.line(account_id=1, reference="R", payment_id=i, on=date(2026, 10, 1), kind="payment", amount=a,
                currency="USD", rate=r)
        for i, (a, r) in enumerate(inputs)
    ]  # fmt: skip

    # when
    t = rd.totals(lines, mode=mode, currency="USD")

    # then
    assert t.net == t.collections - t.fees
    assert t.fees == sum((x.fee for x in lines), D(0))
    assert t.collections == sum((x.amount for x in lines), D(0))
    for x in lines:
        assert rd.fee(-x.amount, x.rate, "USD") == -x.fee
        assert abs(x.fee) <= abs(x.amount)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.decimals(min_value=D("0.01"), max_value=D("700"), places=2), st.booleans(), st.integers(1, 28)
        ),
        min_size=1,
        max_size=5,
    )
)
def test_property_the_ledger_agrees_with_any_mix_of_payments_and_reversals(
    org, system, make_account, payments
):
    # given: a fresh client per example, so examples do not see each other's payments
    from arrears.tenancy.services import client_create

    client = client_create(organization=org, code=f"c{next(CODES)}", name="C", actor=system)
    client_terms_set(client=client, rate=D("33.333"), remit_mode="net", actor=system)
    account = make_account(client=client, principal=D("1000.00"))
    for i, (amount, returned, day) in enumerate(payments):
        p = payment_post(
            account=account, amount=Money(amount, "USD"), method="check", received_at=at(date(2026, 10, day)),
            actor=system, idempotency_key=f"{client.code}-{i}",
        )  # fmt: skip
        if returned:
            payment_reverse(payment=p, reason="nsf", actor=system, on=date(2026, 10, 28))

    # when
    r = remittance_build(client=client, start=date(2026, 10, 1), end=date(2026, 10, 31))

    # then
    t = r.totals["USD"]
    assert r.agrees and r.ledger["USD"] == t.collections
    assert t.collections == sum((a for a, returned, _ in payments if not returned), D(0))
    assert t.due_to_client == t.collections - t.fees
