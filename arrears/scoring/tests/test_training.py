"""The model on a synthetic history with a known rule: the issue's targets, the time split, the fallback."""

from datetime import date, timedelta

import pytest

from arrears.scoring.forecasting import forecast_backtest
from arrears.scoring.services import model_load, model_train
from arrears.scoring.synthetic import history_generate
from arrears.scoring.tests.conftest import TODAY
from arrears.scoring.training import split_cutoffs


@pytest.mark.django_db
def test_training_on_synthetic_history_reaches_the_targets(history, org, system):
    # given a year of history whose payments follow the generator's rule

    # when
    model = model_train(organization_id=org.pk, today=TODAY, actor=system)
    backtest = forecast_backtest(organization_id=org.pk, today=TODAY, currency=org.currency)

    # then: AUC ≥ 0.75 and ≥ 0.05 above the heuristic on the same holdout
    m = model.metrics
    assert not model.fallback
    assert model.n_train >= 1000 and model.n_test >= 300
    assert m["auc"] >= 0.75
    assert m["auc"] - m["heuristic_auc"] >= 0.05
    # the top 20% by expected value hold at least half the money collected in the held-out 30 days
    assert m["top20_capture"] >= 0.5
    # the 13-week forecast made 13 weeks ago is within 15% of what came in
    assert backtest["error"] <= 0.15
    # the held-out month starts where the training labels end: the future never leaks into training
    assert m["train_labels_end"] <= m["test_cutoff"]
    assert model_load(model).amount_ratio > 0


@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2025, 2, 28), date(2024, 12, 31)])
def test_the_split_is_always_by_time(today):
    # when
    train, test = split_cutoffs(today)

    # then: every training label window (30 days after its cutoff) ends by the test cutoff
    assert train == sorted(train)
    assert all(c + timedelta(days=30) <= test for c in train)
    assert test + timedelta(days=30) == today


@pytest.mark.django_db
def test_thin_data_falls_back_to_the_heuristic_and_says_why(org, client_, system):
    # given a handful of accounts
    history_generate(clients=[client_], n_accounts=25, days=120, today=TODAY, actor=system, seed=3)

    # when
    model = model_train(organization_id=org.pk, today=TODAY, actor=system)

    # then
    assert model.fallback
    assert "labelled outcomes" in model.reason and "at least 500" in model.reason
    assert model.params["kind"] == "heuristic"


@pytest.mark.django_db
def test_a_model_whose_numbers_were_changed_is_refused(org, client_, system):
    from arrears.core.errors import ArrearsError

    # given
    history_generate(clients=[client_], n_accounts=10, days=60, today=TODAY, actor=system, seed=5)
    model = model_train(organization_id=org.pk, today=TODAY, actor=system)

    # when someone edits the stored parameters
    model.params["intercept"] = 5.0

    # then
    with pytest.raises(ArrearsError) as caught:
        model_load(model)
    assert caught.value.code == "SCORING_MODEL_TAMPERED"


@pytest.mark.django_db
def test_the_retrain_task_stores_the_next_version_and_rescores(org, client_, system):
    from arrears.scoring.models import AccountScore, ScoringModel
    from arrears.scoring.tasks import scoring_retrain_task

    # given
    history_generate(clients=[client_], n_accounts=12, days=60, today=TODAY, actor=system, seed=9)
    model_train(organization_id=org.pk, today=TODAY, actor=system)

    # when: run twice, as a scheduler might
    first = scoring_retrain_task.call(org.pk)
    second = scoring_retrain_task.call(org.pk)

    # then
    assert (first["model_version"], second["model_version"]) == (2, 3)
    assert ScoringModel.objects.filter(organization=org).count() == 3
    assert AccountScore.objects.filter(organization=org).count() == 12  # replaced, not added to


@pytest.mark.django_db
def test_a_model_limited_to_some_clients_learns_from_them_scores_everyone_and_keeps_the_limit(
    org, client_, system
):
    from arrears.scoring.models import AccountScore, ScoringModel
    from arrears.scoring.tasks import scoring_retrain_task
    from arrears.tenancy.services import client_create

    # given two portfolios with histories of their own
    other = client_create(organization=org, code="shop", name="Corner Shop", actor=system)
    history_generate(clients=[client_], n_accounts=12, days=60, today=TODAY, actor=system, seed=9)
    history_generate(clients=[other], n_accounts=8, days=60, today=TODAY, actor=system, seed=4)
    everyone = model_train(organization_id=org.pk, today=TODAY, actor=system)

    # when the model learns from the first client's accounts only, then the weekly retrain runs
    limited = model_train(organization_id=org.pk, today=TODAY, actor=system, client_ids=[client_.pk])
    retrained = scoring_retrain_task.call(org.pk)

    # then it saw fewer labelled outcomes, the limit is stored and kept, and every account is scored
    assert limited.metrics["trained_on_clients"] == [client_.pk]
    assert 0 < limited.n_train < everyone.n_train
    assert "trained_on_clients" not in everyone.metrics
    latest = ScoringModel.objects.get(organization=org, version=retrained["model_version"])
    assert latest.metrics["trained_on_clients"] == [client_.pk]
    assert latest.n_train == limited.n_train
    assert AccountScore.objects.filter(organization=org).count() == 20
