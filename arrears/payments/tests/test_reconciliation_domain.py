"""Matching rules: table-driven cases and properties (pure, no database)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.payments.reconcile_domain import (
    AUTO_AT,
    Expected,
    ExpectedIndex,
    Line,
    decide,
    line_tokens,
    normalise,
    score,
)

D = Decimal
DUE = date(2026, 11, 20)


def expected(kind="installment", pk=1, account=1, ref="ACC-1", amount="100.00", due=DUE, currency="USD"):
    return Expected(kind, pk, account, currency, (ref,), D(amount) if amount else None, due)


def line(text="Payment ACC-1", amount="100.00", booked=DUE, currency="USD"):
    return Line(D(amount), currency, booked, line_tokens([text]))


@pytest.mark.parametrize(
    ("bank_line", "candidate", "confidence", "auto"),
    [
        pytest.param(line(), expected(), D("1.00"), True, id="reference+amount+date"),
        pytest.param(
            line(booked=DUE + timedelta(days=7)), expected(), D("0.95"), True, id="date-within-10-days"
        ),
        pytest.param(line(booked=DUE + timedelta(days=40)), expected(), D("0.90"), True, id="date-far"),
        pytest.param(line(amount="99.99"), expected(), D("0.70"), False, id="partial-amount-review"),
        pytest.param(line(text="no reference"), expected(), D("0.40"), False, id="amount-and-date-only"),
        pytest.param(line(currency="EUR"), expected(), D("0"), False, id="other-currency-never"),
        pytest.param(line(text="acc 1"), expected(), D("0.40"), False, id="split-reference-is-not-it"),
        pytest.param(
            line(), expected(kind="account", amount=None, due=None), D("0.60"), False, id="account-only"
        ),
    ],
)
def test_score_and_decision(bank_line, candidate, confidence, auto):
    # given / when
    decision = decide(bank_line, [candidate])

    # then
    assert score(bank_line, candidate).confidence == confidence
    assert decision.auto is auto


def test_two_accounts_tying_is_never_posted_on_its_own():
    # given: one payment naming two accounts that both expect that amount that day
    both = line(text="ACC-1 ACC-2")

    # when
    decision = decide(both, [expected(pk=1, account=1, ref="ACC-1"), expected(pk=2, account=2, ref="ACC-2")])

    # then
    assert decision.best is not None and not decision.auto


def test_the_index_gives_the_next_installment_once_one_is_taken():
    # given
    first, second = expected(pk=1), expected(pk=2, due=DUE + timedelta(days=30))
    index = ExpectedIndex.build([second, first])

    # when
    taken = decide(line(), index.candidates(line())).best
    index.remove(first)
    after = decide(line(), index.candidates(line())).best

    # then
    assert taken is not None and taken.expected == first
    assert after is not None and after.expected == second


refs = st.text(alphabet="ABC0123456789-/ ", min_size=1, max_size=12)
amounts = st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2)
days = st.integers(min_value=-60, max_value=60)


@given(
    st.lists(st.tuples(refs, amounts, days, st.sampled_from(["USD", "EUR"])), min_size=0, max_size=8),
    refs,
    amounts,
)
def test_confidence_is_bounded_and_auto_needs_reference_and_amount(cands, text, amount):
    # given
    bank_line = Line(amount, "USD", DUE, line_tokens([text]))
    candidates = [
        Expected("installment", i, i, cur, (ref,), amt, DUE + timedelta(days=d))
        for i, (ref, amt, d, cur) in enumerate(cands)
    ]

    # when
    decision = decide(bank_line, candidates)
    shuffled = decide(bank_line, list(reversed(candidates)))

    # then
    for c in candidates:
        assert D(0) <= score(bank_line, c).confidence <= D(1)
    if decision.auto:
        assert decision.best is not None and decision.confidence >= AUTO_AT
        best = decision.best.expected
        assert best.currency == "USD" and best.amount == amount
        assert normalise(best.references[0]) in bank_line.tokens
    assert (shuffled.auto, shuffled.best) == (decision.auto, decision.best)
