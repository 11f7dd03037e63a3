"""Scoring's writes: train and store a model version, score accounts, lock an account to a collector."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max

from arrears.accounts.selectors import account_ids_of_clients
from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.bulk import analyze, insert_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.core.money import quantize
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from . import domain
from .errors import ScoringError
from .features import features_read
from .forecasting import forecast_backtest
from .models import AccountScore, QueueLock, ScoringModel
from .training import fit

LOCK_MINUTES = 20


def organization_today(*, organization_id: int, at: datetime) -> date:
    """The organization's calendar day at ``at``."""
    return at.astimezone(ZoneInfo(organization_get(organization_id=organization_id).timezone)).date()


def _signature(params: dict[str, Any]) -> str:
    body = json.dumps(params, sort_keys=True, separators=(",", ":")).encode()
    key = hashlib.sha256(b"arrears.scoring:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def model_load(model: ScoringModel) -> domain.Fitted:
    """The fitted model of a stored row, after checking that this app wrote it (its signature).
    Parameters are plain numbers, so loading never runs stored code."""
    if not hmac.compare_digest(_signature(model.params), model.signature):
        raise ArrearsError(ScoringError.MODEL_TAMPERED, f"model v{model.version}: signature does not match")
    return domain.Fitted.from_params(model.params)


def _clean(value: Any) -> Any:
    """JSON-safe metrics: numpy numbers to floats, tuples to lists."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


@transaction.atomic
def model_train(
    *, organization_id: int, today: date, actor: Principal, client_ids: Sequence[int] | None = None
) -> ScoringModel:
    """Train a model on the organization's history up to ``today`` (the heuristic below the
    thin-data threshold), store it as the next version and score every account with it.

    ``client_ids`` limits what it learns from to those clients' accounts (a portfolio whose history is
    representative: the demo's synthetic archive, or an agency's settled book); every account is still
    scored. The choice is stored with the model, and a scheduled retrain keeps it."""
    account_ids = None
    if client_ids:
        client_ids = sorted(set(client_ids))
        account_ids = account_ids_of_clients(organization_id=organization_id, client_ids=client_ids)
    trained = fit(organization_id, today, account_ids)
    if client_ids:
        trained.metrics["trained_on_clients"] = client_ids
    if not trained.fallback:
        # The forecast made 13 weeks ago by a model trained on what was known then, against what came in.
        currency = organization_get(organization_id=organization_id).currency
        trained.metrics["backtest"] = forecast_backtest(
            organization_id=organization_id, today=today, currency=currency, account_ids=account_ids
        )
    params = _clean(trained.fitted.to_params())
    last = ScoringModel.objects.filter(organization_id=organization_id).aggregate(v=Max("version"))["v"] or 0
    model = ScoringModel.objects.create(
        organization_id=organization_id,
        version=last + 1,
        created_at=utcnow(),
        fallback=trained.fallback,
        reason=trained.reason[:300],
        params=params,
        signature=_signature(params),
        metrics=_clean(trained.metrics),
        n_train=trained.n_train,
        n_test=trained.n_test,
        trained_by=actor.label,
    )
    audit_record(
        actor=actor,
        event=Event.SCORING_MODEL_TRAINED,
        subject_type="scoring_model",
        subject_id=model.pk,
        data={"version": model.version, "fallback": model.fallback, "auc": model.metrics.get("auc")},
    )
    accounts_score(organization_id=organization_id, model=model, at=utcnow())
    return model


def model_retrain(*, organization_id: int, today: date, actor: Principal) -> ScoringModel:
    """`model_train` on the same population as the current model (every account, or the clients it was
    limited to): what the weekly retrain and `arrears scoring train` do."""
    current = model_current(organization_id=organization_id)
    limit = current.metrics.get("trained_on_clients") if current else None
    return model_train(organization_id=organization_id, today=today, actor=actor, client_ids=limit)


def model_current(*, organization_id: int) -> ScoringModel | None:
    return ScoringModel.objects.filter(organization_id=organization_id).order_by("-version").first()


def _fitted_for(organization_id: int, model: ScoringModel | None) -> tuple[domain.Fitted, int]:
    model = model or model_current(organization_id=organization_id)
    if model is None:
        return domain.heuristic(), 0
    return model_load(model), model.version


@transaction.atomic
def accounts_score(
    *,
    organization_id: int,
    at: datetime,
    model: ScoringModel | None = None,
    account_ids: Sequence[int] | None = None,
    chunk: int = 50_000,
) -> int:
    """Score the organization's accounts (or ``account_ids``) as of ``at`` with the current model
    (the heuristic when there is none) and store each account's latest score. Set-based: one
    feature query, scored in chunks with numpy, written with one insert (``COPY``) per chunk."""
    fitted, version = _fitted_for(organization_id, model)
    scores = AccountScore.objects.filter(organization_id=organization_id)
    (scores.filter(account_id__in=account_ids) if account_ids is not None else scores).delete()
    n = 0
    for rows in features_read(
        organization_id=organization_id, as_of=at.date(), account_ids=account_ids, chunk=chunk
    ):
        p, _, expected = domain.score_rows(fitted, rows.cols)
        base = {"organization_id": organization_id, "model_version": version, "scored_at": at}
        # A generator with its count: on PostgreSQL the COPY sends each row while the next is made.
        # The expected value is money: rounded by the one helper, in each account's currency.
        insert_rows(
            AccountScore,
            (
                {**base, "account_id": a, "probability": q, "expected": quantize(Decimal(e), c)}
                for a, q, e, c in zip(
                    rows.cols["account_id"].tolist(),
                    p.tolist(),
                    expected.tolist(),
                    rows.cols["currency"].tolist(),
                    strict=True,
                )
            ),
            count=len(rows),
        )
        n += len(rows)
    # The queue pages through the scores by expected value: with the statistics of the table before
    # this rewrite (empty, after a first scoring), PostgreSQL read every score for each page (1.7 s at
    # 1,000,000 accounts instead of 47 ms). This transaction's own rows are in ANALYZE's sample.
    if n >= 1000:
        analyze({AccountScore: ("organization_id", "expected", "account_id")})
    return n


def queue_release(*, organization_id: int, user_id: int, at: datetime) -> int:
    """End the collector's current locks (they moved on)."""
    return QueueLock.objects.filter(
        organization_id=organization_id, user_id=user_id, locked_until__gt=at
    ).update(locked_until=at)


def queue_lock_first(
    *, organization_id: int, user_id: int, account_ids: Sequence[int], at: datetime, actor: Principal
) -> int | None:
    """Lock to the collector the first of ``account_ids`` (in rank order) that nobody else holds,
    for ``LOCK_MINUTES``. Safe under concurrency: a lock is taken either by the conditional update
    of an expired lock row (one transaction wins; the other sees the new ``locked_until`` and
    updates nothing) or by inserting the row, which the unique key lets only one make."""
    until = at + timedelta(minutes=LOCK_MINUTES)
    for account_id in account_ids:
        taken = QueueLock.objects.filter(account_id=account_id, organization_id=organization_id).filter(
            locked_until__lte=at
        ).update(user_id=user_id, locked_at=at, locked_until=until) or QueueLock.objects.filter(
            account_id=account_id, user_id=user_id, locked_until__gt=at
        ).update(locked_until=until)
        if not taken:
            try:
                with transaction.atomic():
                    QueueLock.objects.create(
                        organization_id=organization_id,
                        account_id=account_id,
                        user_id=user_id,
                        locked_at=at,
                        locked_until=until,
                    )
            except IntegrityError:
                continue  # another collector holds it
        audit_record(
            actor=actor,
            event=Event.SCORING_QUEUE_LOCKED,
            subject_type="account",
            subject_id=account_id,
            account_id=account_id,
            data={"user": user_id, "until": until},
        )
        return account_id
    return None
