"""Reason codes and the forecast's arithmetic, without a database."""

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
    promises = [(0, 100.0, 0.5), (0, 50.0, 1.0), (2, 200.0, 0.25)]
    installments = [(1, 80.0, 0.75), (1, 20.0, 0.5), (12, 10.0, 1.0)]

    # when
    weeks = domain.forecast_weeks(
        weeks=13,
        promises=promises,
        installments=installments,
        balances=np.zeros(0),
        p30=np.zeros(0),
        amount_ratio=1,
    )

    # then
    assert [round(w.expected, 2) for w in weeks[:3]] == [100.0, 70.0, 50.0]
    assert round(weeks[12].expected, 2) == 10.0
    assert round(sum(w.expected for w in weeks), 2) == 230.0
    assert weeks[0].variance == pytest.approx(100 * 100 * 0.25)  # a certain promise adds no spread
    low, high = weeks[0].band()[1:]
    assert low < 100 < high


def test_scores_spread_a_balance_over_the_weeks_and_never_collect_more_than_it():
    weeks = domain.forecast_weeks(
        weeks=13,
        promises=[],
        installments=[],
        balances=np.array([1000.0]),
        p30=np.array([0.9]),
        amount_ratio=1.0,
    )
    total = sum(w.expected for w in weeks)
    assert 0 < total <= 1000
    assert weeks[0].expected > weeks[12].expected  # the balance shrinks as it is paid


def test_kept_rate_shrinks_toward_the_prior():
    assert domain.kept_rate(1, 0, prior=0.5) == pytest.approx(2 / 3)
    assert domain.kept_rate(0, 0, prior=0.4) == pytest.approx(0.4)
