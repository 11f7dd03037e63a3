"""KPI formulas against worked examples a finance person can check by hand (docs/reports.md)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.reports.domain import kpis

D = Decimal


def test_dso_countback_credit_research_foundation_example():
    # given: receivables 212,000; monthly sales 100,000 (latest), 80,000, 70,000; 30-day months

    # when
    dso = kpis.dso_countback(receivables=D(212000), periods=[(D(100000), 30), (D(80000), 30), (D(70000), 30)])

    # then: 30 + 30 + 32,000 / 70,000 × 30 = 73.71 days
    assert dso is not None
    assert round(dso, 1) == D("73.7")


def test_dso_countback_without_sales_is_no_data():
    assert kpis.dso_countback(receivables=D(10), periods=[(D(0), 30)]) is None


def test_cei_one_month_without_n():
    # given: BR 300,000, sales 200,000, ending total 250,000, ending current 150,000
    # when
    cei = kpis.cei(
        beginning_receivables=D(300000),
        credit_sales=D(200000),
        ending_total_receivables=D(250000),
        ending_current_receivables=D(150000),
    )
    # then: (300 + 200 − 250) ÷ (300 + 200 − 150) × 100 = 71.43 %
    assert round(cei, 2) == D("71.43")


def test_cei_with_n_spreads_the_periods_sales_per_month():
    # given: a quarter (N = 3): BR 300,000, sales 600,000, ETR 250,000, ECR 150,000
    # when
    cei = kpis.cei(
        beginning_receivables=D(300000),
        credit_sales=D(600000),
        ending_total_receivables=D(250000),
        ending_current_receivables=D(150000),
        months=3,
    )
    # then: (300 + 600/3 − 250) ÷ (300 + 600/3 − 150) × 100 = 250/350 = 71.43 %
    assert round(cei, 2) == D("71.43")
    with pytest.raises(ValueError):
        kpis.cei(
            beginning_receivables=D(1),
            credit_sales=D(1),
            ending_total_receivables=D(1),
            ending_current_receivables=D(1),
            months=0,
        )


def test_roll_rates_matrix():
    # given: 4 accounts current at the start; 3 stay current, 1 rolls to 1-30; 2 in 1-30: 1 cures, 1 rolls
    buckets = ["current", "1-30", "31-60"]
    moves = [
        ("current", "current", D(100)),
        ("current", "current", D(100)),
        ("current", "current", D(100)),
        ("current", "1-30", D(300)),
        ("1-30", "current", D(50)),
        ("1-30", "31-60", D(150)),
    ]
    # when
    by_count = kpis.roll_rates(moves, buckets=buckets)
    by_balance = kpis.roll_rates(moves, buckets=buckets, by="balance")
    # then
    assert by_count["current"] == {"current": D("0.75"), "1-30": D("0.25"), "31-60": D(0)}
    assert by_count["1-30"]["31-60"] == D("0.5")
    assert by_count["31-60"] == {"current": None, "1-30": None, "31-60": None}
    assert by_balance["current"]["1-30"] == D("0.5")
    assert by_balance["1-30"]["31-60"] == D("0.75")


def test_rates_with_hand_checked_figures():
    assert kpis.liquidation_rate(collected=D(2500), placed=D(100000)) == D("0.025")
    assert kpis.recovery_rate_by_count(accounts_paying=12, accounts_placed=300) == D("0.04")
    assert kpis.recovery_rate_by_value(collected=D(2500), placed=D(100000), recalled=D(50000)) == D("0.05")
    assert kpis.rpc_rate_per_dial(right_party_contacts=30, dials=400) == D("0.075")
    assert kpis.promise_rate(promises_made=9, right_party_contacts=30) == D("0.3")
    assert kpis.promise_kept_rate(kept=6, due=8) == D("0.75")
    assert kpis.best_possible_dso(current_receivables=D(50000), sales=D(100000), days=30) == D(15)
    assert kpis.average_days_delinquent(dso=D("73.7"), best_dso=D(15)) == D("58.7")
    assert kpis.cost_to_collect(cost=D(750), collected=D(2500)) == D("0.3")
    assert kpis.liquidation_rate(collected=D(1), placed=D(0)) is None


def test_liquidation_by_cohort_groups_accounts_by_placement_month():
    rows = [("2026-01", D(1000), D(100)), ("2026-01", D(1000), D(0)), ("2026-02", D(500), D(250))]
    cohorts = kpis.liquidation_by_cohort(rows)
    assert [(c.cohort, c.accounts, c.liquidation_rate) for c in cohorts] == [
        ("2026-01", 2, D("0.05")),
        ("2026-02", 1, D("0.5")),
    ]


def test_collector_per_hour_from_logged_activity():
    # given: two days: 09:00–12:55 (+5 min wrap-up = 4 h) and 14:00–15:55 (= 2 h)
    day1 = [9 * 3600, 12 * 3600 + 55 * 60]
    day2 = [14 * 3600, 15 * 3600 + 55 * 60]
    hours = kpis.hours_worked({"d1": day1, "d2": day2})
    fig = kpis.CollectorFigures(
        "ann", hours, contacts=60, right_party_contacts=12, promises=3, collected=D(900)
    )
    # then
    assert hours == D(6)
    assert fig.per_hour() == {
        "contacts": D(10),
        "right_party_contacts": D(2),
        "promises": D("0.5"),
        "collected": D(150),
    }


money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)


@given(receivables=money, sales=st.lists(st.tuples(money, st.integers(28, 31)), min_size=1, max_size=12))
def test_countback_never_exceeds_the_days_counted_back(receivables, sales):
    dso = kpis.dso_countback(receivables=receivables, periods=sales)
    if dso is not None:
        assert D(0) <= dso <= sum(d for _, d in sales)


@given(
    moves=st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from("abc"), money), min_size=1, max_size=50)
)
def test_each_roll_rate_row_sums_to_one_or_is_empty(moves):
    matrix = kpis.roll_rates(moves, buckets=list("abc"))
    for row in matrix.values():
        values = list(row.values())
        assert all(v is None for v in values) or abs(sum(values) - 1) < D("1e-20")


@given(br=money, cs=money, etr=money, ecr=money, n=st.integers(1, 12))
def test_cei_with_n_equals_cei_of_the_monthly_sales(br, cs, etr, ecr, n):
    with_n = kpis.cei(
        beginning_receivables=br,
        credit_sales=cs,
        ending_total_receivables=etr,
        ending_current_receivables=ecr,
        months=n,
    )
    monthly = kpis.cei(
        beginning_receivables=br,
        credit_sales=cs / n,
        ending_total_receivables=etr,
        ending_current_receivables=ecr,
    )
    assert with_n == monthly
