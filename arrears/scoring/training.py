"""Fitting a propensity model on an organization's history, validated on a later period (never a
random split). Reads only; ``services.model_train`` stores what this returns."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np

from . import domain
from .features import FeatureRows, features_all

STEP_DAYS = 28
MAX_TRAIN_CUTOFFS = 10


@dataclass
class Snapshot:
    """The accounts alive on ``cutoff`` with their features then, and what they paid in the 30 days after."""

    cutoff: date
    rows: FeatureRows
    x: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def y(self) -> np.ndarray:
        return (self.rows.cols["paid_next30"] > 0).astype(np.int64)

    @property
    def collected(self) -> np.ndarray:
        return self.rows.cols["collected_next30"]

    @property
    def balance(self) -> np.ndarray:
        return self.rows.cols["balance"]


def _alive(rows: FeatureRows) -> FeatureRows:
    c = rows.cols
    keep = (c["balance"] > 0) & (c["placed_days"] >= 0)
    return FeatureRows(as_of=rows.as_of, cols={k: v[keep] for k, v in c.items()})


def split_cutoffs(today: date, *, max_train: int = MAX_TRAIN_CUTOFFS) -> tuple[list[date], date]:
    """Training cutoffs (oldest first) and the test cutoff. The test period is the last 30 days
    before ``today``; every training label window ends on or before the test cutoff."""
    test = today - timedelta(days=domain.PERIOD_DAYS)
    last_train = test - timedelta(days=domain.PERIOD_DAYS)
    train = [last_train - timedelta(days=STEP_DAYS * k) for k in range(max_train)]
    return sorted(train), test


def snapshot(organization_id: int, cutoff: date, account_ids: Sequence[int] | None = None) -> Snapshot:
    rows = features_all(organization_id=organization_id, as_of=cutoff, account_ids=account_ids)
    return Snapshot(cutoff, _alive(rows))


@dataclass
class Trained:
    fitted: domain.Fitted
    fallback: bool
    reason: str
    n_train: int
    n_test: int
    metrics: dict[str, Any]


def _stack(snaps: list[Snapshot], attr: str) -> np.ndarray:
    parts = [getattr(s, attr) for s in snaps]
    return np.concatenate(parts) if parts else np.zeros(0)


def fit(organization_id: int, today: date, account_ids: Sequence[int] | None = None) -> Trained:
    """Train on the history before the test period, measure on the test period: of every account of
    the organization, or of ``account_ids`` only (a portfolio whose history is representative)."""
    # scikit-learn takes seconds to import: only training pays it, not every page and command that
    # imports this app (scoring a stored model needs numpy alone).
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    train_cutoffs, test_cutoff = split_cutoffs(today)
    train = [snapshot(organization_id, c, account_ids) for c in train_cutoffs]
    train = [s for s in train if len(s.rows)]
    test = snapshot(organization_id, test_cutoff, account_ids)
    all_cols = {k: np.concatenate([s.rows.cols[k] for s in [*train, test]]) for k in test.rows.cols}
    cats = domain.categories(all_cols)
    for s in [*train, test]:
        s.x = domain.matrix(s.rows.cols, cats)
    y_train = _stack(train, "y")
    n_pos = int(y_train.sum())
    n_neg = len(y_train) - n_pos
    split = {
        "train_cutoffs": [c.isoformat() for c in (s.cutoff for s in train)],
        "test_cutoff": test_cutoff.isoformat(),
        "train_labels_end": (
            max((s.cutoff for s in train), default=test_cutoff) + timedelta(days=30)
        ).isoformat(),
    }
    heuristic = domain.heuristic(cats)
    if len(y_train) < domain.MIN_LABELLED or min(n_pos, n_neg) < domain.MIN_CLASS:
        reason = (
            f"only {len(y_train)} labelled outcomes ({n_pos} paid, {n_neg} did not) before "
            f"{test_cutoff.isoformat()}; a model needs at least {domain.MIN_LABELLED}, "
            f"with {domain.MIN_CLASS} of each"
        )
        metrics = {**split, **_evaluate(heuristic, test, None)}
        return Trained(heuristic, True, reason, len(y_train), len(test.rows), metrics)

    # The most recent training month calibrates; the months before it fit the regression.
    fit_part = train[:-1] or train
    cal_part = train[-1]
    x_fit, y_fit = np.vstack([s.x for s in fit_part]), _stack(fit_part, "y")
    scaler = StandardScaler().fit(x_fit)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    z = (x_fit - scaler.mean_) / scale
    lr = LogisticRegression(C=1.0, max_iter=2000).fit(z, y_fit)
    raw = domain.Fitted(
        names=domain.feature_names(cats),
        cats=cats,
        mean=scaler.mean_,
        scale=scale,
        coef=lr.coef_[0],
        intercept=float(lr.intercept_[0]),
        amount_ratio=1.0,
    )
    # Platt scaling on the calibration month: a logistic curve on the raw log-odds, monotone, so the
    # ranking (and the AUC) is the regression's and only the probabilities move.
    raw_logit = _logit(raw.probability(cal_part.x))[:, None]
    platt = LogisticRegression(C=1e6, max_iter=1000).fit(raw_logit, cal_part.y)
    calibrated = replace(raw, cal_a=float(platt.coef_[0][0]), cal_b=float(platt.intercept_[0]))
    p_cal = calibrated.probability(cal_part.x)
    denom = float((cal_part.balance * p_cal).sum())
    ratio = float(cal_part.collected.sum()) / denom if denom > 0 else domain.HEURISTIC_RATIO
    fitted = replace(calibrated, amount_ratio=ratio)
    metrics = {**split, **_evaluate(fitted, test, heuristic)}
    return Trained(fitted, False, "", len(y_train), len(test.rows), metrics)


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(q / (1 - q))


def _auc(y: np.ndarray, p: np.ndarray) -> float | None:
    from sklearn.metrics import roc_auc_score

    if len(np.unique(y)) < 2:
        return None
    return float(roc_auc_score(y, p))


def _evaluate(fitted: domain.Fitted, test: Snapshot, heuristic: domain.Fitted | None) -> dict[str, Any]:
    from sklearn.metrics import brier_score_loss

    if not len(test.rows):
        return {"auc": None, "brier": None}
    p = fitted.probability(test.x)
    y = test.y
    expected = test.balance * p * fitted.amount_ratio
    curve = domain.capture_curve(expected, test.collected)
    out: dict[str, Any] = {
        "auc": _auc(y, p),
        "brier": float(brier_score_loss(y, p)),
        "base_rate": float(y.mean()),
        "calibration": domain.calibration_bins(p, y),
        "capture": curve,
        "top20_capture": dict(curve).get(0.2),
        "collected_test": float(test.collected.sum()),
        "expected_test": float(expected.sum()),
    }
    if heuristic is not None:
        hp = heuristic.probability(test.x)
        out["heuristic_auc"] = _auc(y, hp)
        out["heuristic_brier"] = float(brier_score_loss(y, hp))
        out["heuristic_top20_capture"] = dict(
            domain.capture_curve(test.balance * hp * heuristic.amount_ratio, test.collected)
        ).get(0.2)
    return out
