"""Pure scoring rules: the feature matrix, the fitted model applied, the thin-data heuristic, reason
codes in a collector's words, and the forecast's arithmetic. No ORM, no clock, no I/O."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from arrears.core.money import quantize

# Below this many labelled outcomes (account-months with a known "paid within 30 days" answer) in the
# training period, or fewer than MIN_CLASS of either answer, a model is not trained: the heuristic is
# used instead, and the report says so.
MIN_LABELLED = 500
MIN_CLASS = 50
PERIOD_DAYS = 30

# Base features, in the matrix's order; one-hot columns for states and clients follow them.
BASE = (
    "aging_years", "log_balance", "commercial", "payments", "days_since_payment", "payments_90d",
    "plan_payments", "plan_missed", "rpcs", "no_answer_streak", "wrong_numbers", "promises_kept",
    "promises_broken", "promise_pending", "placed_years",
)  # fmt: skip


def _clip(a: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip(a.astype(np.float64), lo, hi)


def base_matrix(cols: Mapping[str, np.ndarray]) -> np.ndarray:
    """The base features (``BASE``) of each account, one row per account."""
    last = cols["last_payment_days"]
    never = last < 0
    since = np.where(never, 730, np.minimum(last, 730)) / 365.0
    aging = np.where(cols["aging_days"] < 0, 180, cols["aging_days"])
    placed = np.where(cols["placed_days"] < 0, 0, cols["placed_days"])
    return np.column_stack(
        [
            _clip(aging / 365.0, 0, 10),
            np.log1p(np.maximum(cols["balance"], 0)),
            (cols["debt_type"] == "commercial").astype(np.float64),
            np.log1p(cols["payments"]),
            since,
            _clip(cols["payments_90d"], 0, 10),
            np.log1p(cols["plan_paid"]),
            _clip(cols["plan_missed"], 0, 6),
            np.log1p(cols["rpcs"]),
            _clip(cols["no_answer_streak"], 0, 20),
            _clip(cols["wrong_numbers"], 0, 5),
            _clip(cols["promises_kept"], 0, 10),
            _clip(cols["promises_broken"], 0, 10),
            _clip(cols["promise_pending"], 0, 1),
            _clip(placed / 365.0, 0, 10),
        ]
    )


def categories(cols: Mapping[str, np.ndarray], *, min_share: float = 0.01) -> dict[str, list[str]]:
    """The states and clients common enough to get their own column."""
    out: dict[str, list[str]] = {}
    n = max(len(cols["state"]), 1)
    for key in ("state", "client_id"):
        values, counts = np.unique(cols[key].astype(str), return_counts=True)
        out[key] = sorted(str(v) for v, c in zip(values, counts, strict=True) if c / n >= min_share and v)
    return out


def matrix(cols: Mapping[str, np.ndarray], cats: Mapping[str, Sequence[str]]) -> np.ndarray:
    base = base_matrix(cols)
    # Each column as text once, not once per category value (a copy of every row each time).
    text = {key: cols[key].astype(str) for key in ("state", "client_id") if cats.get(key)}
    extra = [
        (text[key] == value).astype(np.float64)[:, None]
        for key in ("state", "client_id")
        for value in cats.get(key, ())
    ]
    return np.hstack([base, *extra]) if extra else base


def feature_names(cats: Mapping[str, Sequence[str]]) -> list[str]:
    return [
        *BASE,
        *(f"state_{s}" for s in cats.get("state", ())),
        *(f"client_{c}" for c in cats.get("client_id", ())),
    ]


# --- the fitted model, as plain numbers -------------------------------------------------------------


@dataclass(frozen=True)
class Fitted:
    """A logistic regression on standardised features followed by an isotonic calibration curve."""

    names: list[str]
    cats: dict[str, list[str]]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    amount_ratio: float  # expected share of the balance paid, given the calibrated probability
    cal_a: float = 1.0  # Platt scaling of the log-odds: sigmoid(cal_a · z + cal_b)
    cal_b: float = 0.0
    heuristic: bool = False

    def to_params(self) -> dict[str, Any]:
        return {
            "kind": "heuristic" if self.heuristic else "logistic+isotonic",
            "names": self.names,
            "cats": self.cats,
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept,
            "cal_a": self.cal_a,
            "cal_b": self.cal_b,
            "amount_ratio": self.amount_ratio,
        }

    @classmethod
    def from_params(cls, p: Mapping[str, Any]) -> Fitted:
        return cls(
            names=list(p["names"]),
            cats={k: list(v) for k, v in p["cats"].items()},
            mean=np.asarray(p["mean"], dtype=np.float64),
            scale=np.asarray(p["scale"], dtype=np.float64),
            coef=np.asarray(p["coef"], dtype=np.float64),
            intercept=float(p["intercept"]),
            cal_a=float(p["cal_a"]),
            cal_b=float(p["cal_b"]),
            amount_ratio=float(p["amount_ratio"]),
            heuristic=p.get("kind") == "heuristic",
        )

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each feature's push on the log-odds, against the average account of the training data."""
        return ((x - self.mean) / self.scale) * self.coef

    def probability(self, x: np.ndarray) -> np.ndarray:
        z = self.intercept + self.contributions(x).sum(axis=1)
        result: np.ndarray = 1.0 / (1.0 + np.exp(-(self.cal_a * z + self.cal_b)))
        return result


# The heuristic used below MIN_LABELLED outcomes: the collector's rule of thumb "young and small first".
# Log-odds = -1.0 - 0.9 · years delinquent - 0.35 · (ln(1 + balance) - ln 1500). A 3-month-old 1,500
# debt scores about 22%, a 2-year-old one about 6%.
HEURISTIC_AGING = -0.9
HEURISTIC_BALANCE = -0.35
HEURISTIC_INTERCEPT = -1.0
HEURISTIC_RATIO = 0.3


def heuristic(cats: Mapping[str, Sequence[str]] | None = None) -> Fitted:
    lists: dict[str, list[str]] = {k: list(v) for k, v in (cats or {}).items()}
    names = feature_names(lists)
    n = len(names)
    mean = np.zeros(n)
    scale = np.ones(n)
    coef = np.zeros(n)
    coef[BASE.index("aging_years")] = HEURISTIC_AGING
    coef[BASE.index("log_balance")] = HEURISTIC_BALANCE
    mean[BASE.index("log_balance")] = math.log(1500)
    return Fitted(
        names,
        lists,
        mean,
        scale,
        coef,
        HEURISTIC_INTERCEPT,
        HEURISTIC_RATIO,
        heuristic=True,
    )


def score_rows(fitted: Fitted, cols: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability, the feature matrix and the expected 30-day collection of a batch of accounts."""
    x = matrix(cols, fitted.cats)
    p = fitted.probability(x)
    return p, x, np.maximum(cols["balance"], 0) * p * fitted.amount_ratio


# --- reason codes ------------------------------------------------------------------------------------


def _plural(n: float, word: str) -> str:
    k = int(round(n))
    return f"{k} {word}{'' if k == 1 else 's'}"


def _than(value: float, average: float | None, above: str, below: str) -> str:
    if average is None or math.isclose(value, average, rel_tol=1e-9, abs_tol=1e-9):
        return ""
    return f" ({above if value > average else below} than most)"


def reason_text(name: str, value: float, push: float, *, average: float | None = None) -> str:
    """What a feature's value means to a collector. Which way it pushed the score is the reason's
    `effect`; where the words compare (older, larger), they compare with the book's average, never with
    that direction: a model may favour old debts, and a debt of 0 months is not "old"."""
    if name == "aging_years":
        return f"Delinquent for {_plural(value * 12, 'month')}" + _than(value, average, "older", "newer")
    if name == "log_balance":
        return f"Balance about {math.expm1(value):,.0f}" + _than(value, average, "larger", "smaller")
    if name == "commercial":
        return "Business debt" if value else "Consumer debt"
    if name == "payments":
        n = math.expm1(value)
        return f"Paid {_plural(n, 'time')} before" if n >= 0.5 else "Never paid"
    if name == "days_since_payment":
        return "No payment in two years or more" if value >= 2 else f"Last paid {value * 365:.0f} days ago"
    if name == "payments_90d":
        return f"{_plural(value, 'payment')} in the last 90 days"
    if name == "plan_payments":
        return f"{_plural(math.expm1(value), 'plan installment')} paid"
    if name == "plan_missed":
        return f"{_plural(value, 'plan installment')} missed"
    if name == "rpcs":
        n = math.expm1(value)
        return f"Reached the debtor {_plural(n, 'time')}" if n >= 0.5 else "Never reached the debtor"
    if name == "no_answer_streak":
        return f"No answer on the last {_plural(value, 'call')}" if value else "Answered the last call"
    if name == "wrong_numbers":
        return f"{_plural(value, 'wrong number')} on file" if value else "No wrong numbers"
    if name == "promises_kept":
        return f"Kept {_plural(value, 'promise')}" if value else "No kept promise yet"
    if name == "promises_broken":
        return f"Broke {_plural(value, 'promise')}" if value else "Never broke a promise"
    if name == "promise_pending":
        return "Has a promise to pay open" if value else "No open promise"
    if name == "placed_years":
        return f"Placed {value * 12:.0f} months ago"
    if name.startswith("state_"):
        return f"Debtor in {name[6:]}"
    if name.startswith("client_"):
        return "Client's accounts pay " + ("more often" if push > 0 else "less often")
    return name


def reasons(fitted: Fitted, x: np.ndarray, *, top: int = 3) -> list[list[dict[str, Any]]]:
    """For each row, the ``top`` features that moved its score most from the average, strongest
    first: ``{"feature", "effect" ("+"/"-"), "text"}``."""
    pushes = fitted.contributions(x)
    # A trained model's means are the book's; the heuristic's are fixed reference points, no average.
    average = [None if fitted.heuristic else float(m) for m in fitted.mean]
    order = np.argsort(-np.abs(pushes), axis=1)[:, :top]
    out = []
    for i, idx in enumerate(order):
        row = []
        for j in idx:
            push = float(pushes[i, j])
            if abs(push) < 1e-9:
                continue
            name = fitted.names[j]
            row.append(
                {
                    "feature": name,
                    "effect": "+" if push > 0 else "-",
                    "text": reason_text(name, float(x[i, j]), push, average=average[j]),
                }
            )
        out.append(row)
    return out


# --- metrics ------------------------------------------------------------------------------------------


def capture_curve(expected: np.ndarray, collected: np.ndarray, points: int = 20) -> list[tuple[float, float]]:
    """Share of the money collected by the top share of accounts, ranked by ``expected``."""
    order = np.argsort(-expected, kind="stable")
    cum = np.cumsum(collected[order])
    total = cum[-1] if len(cum) and cum[-1] > 0 else 1.0
    n = len(order)
    curve = [(0.0, 0.0)]
    for k in range(1, points + 1):
        share = k / points
        m = max(1, int(round(share * n))) if n else 0
        curve.append((share, float(cum[m - 1] / total) if m else 0.0))
    return curve


def calibration_bins(p: np.ndarray, y: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    """Mean predicted against observed rate in ``bins`` groups of equal size, by predicted value."""
    order = np.argsort(p, kind="stable")
    out = []
    for part in np.array_split(order, bins):
        if len(part):
            out.append(
                {"predicted": float(p[part].mean()), "observed": float(y[part].mean()), "n": int(len(part))}
            )
    return out


# --- forecast ----------------------------------------------------------------------------------------

Z90 = Decimal("1.645")
SHARE_PLACES = 6  # probabilities and shares enter money arithmetic as Decimals of 6 places


def weekly_probability(p30: np.ndarray) -> np.ndarray:
    """The chance of paying within one week, from the chance of paying within 30 days (constant hazard)."""
    return 1.0 - np.power(1.0 - np.clip(p30, 0.0, 0.999999), 7.0 / PERIOD_DAYS)


def shares(values: np.ndarray | Sequence[float]) -> list[Decimal]:
    """Probabilities (or shares of a balance) as Decimals rounded to ``SHARE_PLACES``, ready to multiply
    money: the same as ``Decimal(str(round(p, 6)))`` for each, formatted by numpy in one pass."""
    arr = np.round(np.asarray(values, dtype=np.float64), SHARE_PLACES)
    return [Decimal(v) for v in np.char.mod(f"%.{SHARE_PLACES}f", arr).tolist()]


@dataclass(frozen=True)
class Week:
    """One week of the forecast in one currency: expected money, its variance (money squared), and
    the parts of the expectation that come from promises and from plan installments."""

    currency: str
    expected: Decimal
    variance: Decimal
    promises: Decimal
    plans: Decimal

    def band(self) -> tuple[Decimal, Decimal, Decimal]:
        """Expected, low and high of the 90% range (normal approximation), in the currency's units."""
        sd = self.variance.sqrt() if self.variance > 0 else Decimal(0)
        spread = Z90 * sd
        zero = quantize(Decimal(0), self.currency)
        low = max(zero, quantize(self.expected - spread, self.currency))
        return quantize(self.expected, self.currency), low, quantize(self.expected + spread, self.currency)


def forecast_weeks(
    *,
    weeks: int,
    currency: str,
    promises: Sequence[tuple[int, Decimal, float]],
    installments: Sequence[tuple[int, Decimal, float]],
    balances: Sequence[Decimal],
    p30: np.ndarray,
    amount_ratio: float,
) -> list[Week]:
    """Expected collections per week, in ``currency`` (every amount Decimal, rounded by
    ``core.money.quantize``; probabilities are floats, entering the arithmetic as 6-place Decimals).

    ``promises`` and ``installments`` are (week index, amount, kept rate): each contributes
    amount × rate to its week, with variance amount² · rate · (1 − rate).

    The rest of each balance (``balances``, after promised and planned amounts) pays, each week, with
    the weekly probability ``q`` from its 30-day score ``p30``, a share ``m`` of what remains, chosen so
    that 30 days of weekly chances give balance × p30 × ``amount_ratio``; what is expected to be paid
    leaves the balance. So in week ``w`` the amount due if it pays is balance · m · (1 − m·q)^w, and the
    expectation is that times q."""
    zero = quantize(Decimal(0), currency)
    exp = [zero] * weeks
    var = [Decimal(0)] * weeks
    parts = {"promises": [zero] * weeks, "plans": [zero] * weeks}
    for name, items in (("promises", promises), ("plans", installments)):
        valid = [(w, a, r) for w, a, r in items if 0 <= w < weeks]
        rates = shares([r for _, _, r in valid])
        spreads = shares([r * (1 - r) for _, _, r in valid])
        for (week, amount, _), rate, spread in zip(valid, rates, spreads, strict=True):
            expected = quantize(amount * rate, currency)
            parts[name][week] += expected
            exp[week] += expected
            var[week] += amount * amount * spread
    if len(balances):
        q = weekly_probability(p30)
        # The share of the remaining balance paid when a payment comes.
        m = np.minimum(
            np.where(
                q > 0, (p30 * amount_ratio) / np.maximum(1 - np.power(1 - q, PERIOD_DAYS / 7.0), 1e-9), 0
            ),
            1.0,
        )
        keep = 1.0 - m * q
        q_dec, spread_dec = shares(q), shares(q * (1 - q))
        for w in range(weeks):
            due_share = shares(m * np.power(keep, w))
            for balance, s, qd, sd in zip(balances, due_share, q_dec, spread_dec, strict=True):
                if not s:
                    continue
                amount = quantize(balance * s, currency)
                exp[w] += quantize(amount * qd, currency)
                var[w] += amount * amount * sd
    return [
        Week(currency, e, v, p, i)
        for e, v, p, i in zip(exp, var, parts["promises"], parts["plans"], strict=True)
    ]


def kept_rate(kept: int, broken: int, *, prior: float, weight: float = 2.0) -> float:
    """A kept rate shrunk toward ``prior``: a debtor with one kept promise is not 100% reliable."""
    return (kept + prior * weight) / (kept + broken + weight)
