"""The cash-flow forecast and its back-test (read-only). ``selectors.forecast`` loads the current model
and calls ``forecast_compute``; training calls ``forecast_backtest`` to report the forecast's error."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np

from arrears.accounts.choices import AccountStatus
from arrears.accounts.domain import WORKABLE

from . import domain
from .features import collected_between, features_all, forecast_items, promise_totals
from .training import fit


@dataclass(frozen=True)
class ForecastWeek:
    week_start: date
    expected: Decimal
    low: Decimal
    high: Decimal
    promises: Decimal = Decimal(0)
    plans: Decimal = Decimal(0)


def _money(x: float) -> Decimal:
    return Decimal(f"{x:.2f}")


def forecast_compute(
    *, organization_id: int, weeks: int, as_of: date, fitted: domain.Fitted
) -> list[ForecastWeek]:
    """Expected collections in each of ``weeks`` weeks after ``as_of`` (week 1 starts the day after),
    as known at the end of ``as_of``: promises × the debtor's kept rate, plan installments × the
    plan's kept rate, and the stored model's 30-day probability for the rest of each balance."""
    until = as_of + timedelta(days=7 * weeks)
    promises, installments = forecast_items(organization_id=organization_id, as_of=as_of, until=until)
    kept, broken = promise_totals(organization_id=organization_id, before=as_of + timedelta(days=1))
    prior = domain.kept_rate(kept, broken, prior=0.5)
    committed: dict[int, float] = defaultdict(float)
    p_items, i_items = [], []
    p_week = [0.0] * weeks
    i_week = [0.0] * weeks
    for account_id, due, amount, k, b in promises:
        week = (due - as_of).days - 1
        rate = domain.kept_rate(k, b, prior=prior)
        p_items.append((week // 7, amount, rate))
        p_week[week // 7] += amount * rate
        committed[account_id] += amount
    for account_id, due, amount, paid, missed in installments:
        week = (due - as_of).days - 1
        rate = domain.kept_rate(paid, missed, prior=0.7)
        i_items.append((week // 7, amount, rate))
        i_week[week // 7] += amount * rate
        committed[account_id] += amount
    rows = features_all(organization_id=organization_id, as_of=as_of)
    c = rows.cols
    # Paid today is not paid then: an account that has been paid off since ``as_of`` still counts.
    open_then = np.isin(c["status"], [*WORKABLE, AccountStatus.PAID])
    alive = open_then & (c["balance"] > 0) & (c["placed_days"] >= 0)
    cols = {k: v[alive] for k, v in c.items()}
    p30, _, _ = domain.score_rows(fitted, cols)
    rest = cols["balance"] - np.array([committed.get(int(a), 0.0) for a in cols["account_id"]])
    result = domain.forecast_weeks(
        weeks=weeks,
        promises=p_items,
        installments=i_items,
        balances=np.maximum(rest, 0),
        p30=p30,
        amount_ratio=fitted.amount_ratio,
    )
    out = []
    for w, band in enumerate(result):
        expected, low, high = band.band()
        out.append(
            ForecastWeek(
                as_of + timedelta(days=1 + 7 * w),
                _money(expected),
                _money(low),
                _money(high),
                _money(p_week[w]),
                _money(i_week[w]),
            )
        )
    return out


def forecast_json(weeks: Sequence[ForecastWeek]) -> dict[str, Any]:
    return {
        "weeks": [
            {
                "week_start": w.week_start.isoformat(),
                "expected": str(w.expected),
                "low": str(w.low),
                "high": str(w.high),
            }
            for w in weeks
        ]
    }


def forecast_backtest(*, organization_id: int, today: date, weeks: int = 13) -> dict[str, Any]:
    """Forecast from ``weeks`` weeks ago with a model trained only on what was known then, against
    what was collected since: the total error, and each week's pair."""
    start = today - timedelta(days=7 * weeks)
    trained = fit(organization_id, start)
    predicted = forecast_compute(
        organization_id=organization_id, weeks=weeks, as_of=start, fitted=trained.fitted
    )
    actual = [0.0] * weeks
    for day, amount in collected_between(organization_id=organization_id, after=start, until=today):
        actual[((day - start).days - 1) // 7] += amount
    total_p = float(sum(w.expected for w in predicted))
    total_a = sum(actual)
    inside = sum(1 for w, a in zip(predicted, actual, strict=True) if float(w.low) <= a <= float(w.high))
    return {
        "as_of": start.isoformat(),
        "weeks": [
            {"week_start": w.week_start.isoformat(), "expected": float(w.expected), "actual": round(a, 2)}
            for w, a in zip(predicted, actual, strict=True)
        ],
        "expected_total": round(total_p, 2),
        "actual_total": round(total_a, 2),
        "error": abs(total_p - total_a) / total_a if total_a else None,
        "weeks_inside_range": inside,
        "fallback": trained.fallback,
    }
