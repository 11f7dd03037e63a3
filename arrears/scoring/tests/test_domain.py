"""Reason codes and the forecast's arithmetic, without a database."""

from decimal import Decimal as D

import numpy as np
import pytest

from arrears.scoring import domain


def _fitted(coef):
    names = list(domain.BASE)
    n = len(names)
    c = np.zeros(n)
    for name, value in coef.items():
        c[names.index(name)] = value
    return domain.Fitted(names, {}, np.zeros(n), np.ones(n), c, -1.0, 0.5)


@pytest.mark.parametrize(
    ("feature", "value", "effect", "words"),
    [
        ("promises_broken", 3.0, "-", "Broke 3 promises"),
        ("promises_kept", 2.0, "+", "Kept 2 promises"),
        ("no_answer_streak", 6.0, "-", "No answer on the last 6 calls"),
        ("payments", np.log1p(4), "+", "Paid 4 times before"),
    ],
)
def test_the_first_reason_is_the_feature_that_moved_the_score(feature, value, effect, words):
    # given a model where several features matter, and an account average on all but one
    fitted = _fitted(
        {"promises_broken": -0.5, "promises_kept": 0.6, "no_answer_streak": -0.2, "payments": 0.8}
    )
    x = np.zeros((1, len(domain.BASE)))
    x[0, domain.BASE.index(feature)] = value

    # when
    [reasons] = domain.reasons(fitted, x)

    # then
    assert reasons[0]["feature"] == feature
    assert reasons[0]["effect"] == effect
    assert reasons[0]["text"] == words
    assert len(reasons) == 1  # the features that did not move are not reasons


def test_an_age_or_balance_is_compared_with_the_book_not_with_the_way_it_pushed():
    # given a model that favours old debts, on a book whose debts average two years
    fitted = _fitted({"aging_years": 0.7})
    fitted.mean[domain.BASE.index("aging_years")] = 2.0
    x = np.zeros((1, len(domain.BASE)))  # a debt delinquent since this month

    # when
    [reasons] = domain.reasons(fitted, x)

    # then: it lowered the score, and it is a newer debt than most (it was called "old debt")
    assert reasons[0]["effect"] == "-"
    assert reasons[0]["text"] == "Delinquent for 0 months (newer than most)"


def test_the_heuristic_compares_with_nothing_it_has_no_book_average():
    # given the heuristic (too little history for a model) and a debt a month old
    fitted = domain.heuristic()
    x = np.zeros((1, len(fitted.names)))
    x[0, fitted.names.index("aging_years")] = 1 / 12
    x[0, fitted.names.index("log_balance")] = np.log1p(7774)

    # when
    [reasons] = domain.reasons(fitted, x)

    # then: the words state the facts (it said "(older than most)" of a month-old debt)
    texts = {r["feature"]: r["text"] for r in reasons}
    assert texts["aging_years"] == "Delinquent for 1 month"
    assert texts["log_balance"] == "Balance about 7,774"


def test_moving_a_feature_moves_the_score_the_way_its_reason_says():
    fitted = _fitted({"promises_broken": -0.5, "payments": 0.8})
    base = np.zeros((1, len(domain.BASE)))
    moved = base.copy()
    moved[0, domain.BASE.index("promises_broken")] = 2

    [reasons] = domain.reasons(fitted, moved)

    assert fitted.probability(moved)[0] < fitted.probability(base)[0]
    assert reasons[0]["effect"] == "-"


def test_the_forecast_sums_promises_and_plans_by_week():
    # given two promises and three installments, and no other balance
    promises = [(0, D("100.00"), 0.5), (0, D("50.00"), 1.0), (2, D("200.00"), 0.25)]
    installments = [(1, D("80.00"), 0.75), (1, D("20.00"), 0.5), (12, D("10.00"), 1.0)]

    # when
    weeks = domain.forecast_weeks(
        weeks=13,
        currency="USD",
        promises=promises,
        installments=installments,
        balances=[],
        p30=np.zeros(0),
        amount_ratio=1,
    )

    # then: every amount is Decimal money in cents
    assert [w.expected for w in weeks[:3]] == [D("100.00"), D("70.00"), D("50.00")]
    assert [w.promises for w in weeks[:3]] == [D("100.00"), D("0.00"), D("50.00")]
    assert [w.plans for w in weeks[:3]] == [D("0.00"), D("70.00"), D("0.00")]
    assert weeks[12].expected == D("10.00")
    assert sum(w.expected for w in weeks) == D("230.00")
    assert weeks[0].variance == D(100 * 100) * D("0.25")  # a certain promise adds no spread
    expected, low, high = weeks[0].band()
    assert all(isinstance(v, D) and v == v.quantize(D("0.01")) for v in (expected, low, high))
    assert low < expected == D("100.00") < high


def test_the_forecast_rounds_to_the_currency_minor_units():
    weeks = domain.forecast_weeks(
        weeks=2,
        currency="JPY",
        promises=[(0, D("1001"), 1 / 3)],
        installments=[],
        balances=[D("25000")],
        p30=np.array([0.4]),
        amount_ratio=0.5,
    )

    assert weeks[0].promises == D("334")  # 1001 × 0.333333, to whole yen
    assert all(w.expected == w.expected.quantize(D(1)) for w in weeks)


def test_scores_spread_a_balance_over_the_weeks_and_never_collect_more_than_it():
    weeks = domain.forecast_weeks(
        weeks=13,
        currency="USD",
        promises=[],
        installments=[],
        balances=[D("1000.00")],
        p30=np.array([0.9]),
        amount_ratio=1.0,
    )
    total = sum(w.expected for w in weeks)
    assert D(0) < total <= D(1000)
    assert weeks[0].expected > weeks[12].expected  # the balance shrinks as it is paid


def test_a_thirty_day_probability_gives_balance_times_p_times_ratio_over_thirty_days():
    # given one account of 1,000 with a 30% chance of paying in 30 days, paying 60% when it does
    weeks = domain.forecast_weeks(
        weeks=13,
        currency="USD",
        promises=[],
        installments=[],
        balances=[D("1000.00")],
        p30=np.array([0.3]),
        amount_ratio=0.6,
    )

    # then: about 1000 × 0.3 × 0.6 = 180 is expected over the first 30 days (4.3 weeks)
    four_weeks = sum(w.expected for w in weeks[:4])
    assert D("140") < four_weeks < D("180")


def test_kept_rate_shrinks_toward_the_prior():
    assert domain.kept_rate(1, 0, prior=0.5) == pytest.approx(2 / 3)
    assert domain.kept_rate(0, 0, prior=0.4) == pytest.approx(0.4)
