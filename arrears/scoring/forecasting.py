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
from arrears.core.money import quantize

from . import domain
from .features import collected_between, features_all, forecast_items, promise_totals
from .training import fit

PLAN_PRIOR = 0.7  # a plan with no installments due yet is expected to keep 70% of them (docs/scoring.md)


@dataclass(frozen=True)
class ForecastWeek:
    week_start: date
    currency: str
    expected: Decimal
    low: Decimal
    high: Decimal
    promises: Decimal
    plans: Decimal


def forecast_compute(
    *,
    organization_id: int,
    weeks: int,
    as_of: date,
    fitted: domain.Fitted,
    currency: str,
    start: date | None = None,
    account_ids: Sequence[int] | None = None,
) -> list[ForecastWeek]:
    """Expected collections in ``currency`` in each of ``weeks`` weeks from ``start`` (default: the
    day after ``as_of``), as known at the end of ``as_of``: promises × the debtor's kept rate, plan
    installments × the plan's kept rate, and the model's 30-day probability for the rest of each
    balance. Amounts in other currencies are not added in (money never mixes without a rate).

    Every amount is a Decimal rounded to the currency's minor units; the probabilities are floats.
    ``account_ids`` limits it to those accounts (a model's own population, for its back-test)."""
    start = start or as_of + timedelta(days=1)
    until = start + timedelta(days=7 * weeks - 1)
    promises, installments = forecast_items(
        organization_id=organization_id, as_of=as_of, until=until, first=start
    )
    kept, broken = promise_totals(organization_id=organization_id, before=as_of + timedelta(days=1))
    prior = domain.kept_rate(kept, broken, prior=0.5)
    within = None if account_ids is None else set(account_ids)
    committed: dict[int, Decimal] = defaultdict(Decimal)
    items: dict[str, list[tuple[int, Decimal, float]]] = {"promises": [], "plans": []}
    for name, dues, weight in (("promises", promises, prior), ("plans", installments, PLAN_PRIOR)):
        for due in dues:
            if due.currency != currency or (within is not None and due.account_id not in within):
                continue
            rate = domain.kept_rate(due.kept, due.broken, prior=weight)
            items[name].append(((due.due_on - start).days // 7, due.amount, rate))
            committed[due.account_id] += due.amount
    rows = features_all(organization_id=organization_id, as_of=as_of, account_ids=account_ids, exact=True)
    c = rows.cols
    # Paid today is not paid then: an account that has been paid off since ``as_of`` still counts.
    open_then = np.isin(c["status"], [*WORKABLE, AccountStatus.PAID])
    alive = open_then & (c["balance"] > 0) & (c["placed_days"] >= 0) & (c["currency"] == currency)
    cols = {k: v[alive] for k, v in c.items()}
    p30, _, _ = domain.score_rows(fitted, cols)
    zero = Decimal(0)
    rest = [
        max(balance - committed.get(int(a), zero), zero)
        for a, balance in zip(cols["account_id"].tolist(), cols["balance_amount"].tolist(), strict=True)
    ]
    result = domain.forecast_weeks(
        weeks=weeks,
        currency=currency,
        promises=items["promises"],
        installments=items["plans"],
        balances=rest,
        p30=p30,
        amount_ratio=fitted.amount_ratio,
    )
    return [
        ForecastWeek(start + timedelta(days=7 * w), currency, *week.band(), week.promises, week.plans)
        for w, week in enumerate(result)
    ]


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


def forecast_backtest(
    *,
    organization_id: int,
    today: date,
    currency: str,
    weeks: int = 13,
    account_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """Forecast from ``weeks`` weeks ago with a model trained only on what was known then, against
    what was collected since (in ``currency``): the total error, and each week's pair. Of every
    account, or of ``account_ids`` only (the population the model learns from)."""
    start = today - timedelta(days=7 * weeks)
    trained = fit(organization_id, start, account_ids)
    predicted = forecast_compute(
        organization_id=organization_id,
        weeks=weeks,
        as_of=start,
        fitted=trained.fitted,
        currency=currency,
        account_ids=account_ids,
    )
    actual = [quantize(Decimal(0), currency)] * weeks
    collected = collected_between(
        organization_id=organization_id, after=start, until=today, account_ids=account_ids
    )
    for day, amount, paid_in in collected:
        if paid_in == currency:
            week = ((day - start).days - 1) // 7
            actual[week] = quantize(actual[week] + amount, currency)
    total_p = sum((w.expected for w in predicted), Decimal(0))
    total_a = sum(actual, Decimal(0))
    inside = sum(1 for w, a in zip(predicted, actual, strict=True) if w.low <= a <= w.high)
    return {
        "as_of": start.isoformat(),
        "currency": currency,
        "weeks": [
            {"week_start": w.week_start.isoformat(), "expected": str(w.expected), "actual": str(a)}
            for w, a in zip(predicted, actual, strict=True)
        ],
        "expected_total": str(total_p),
        "actual_total": str(total_a),
        "error": float(abs(total_p - total_a) / total_a) if total_a else None,
        "weeks_inside_range": inside,
        "fallback": trained.fallback,
    }
