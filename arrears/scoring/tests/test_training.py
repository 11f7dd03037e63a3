import pytest

from arrears.scoring.services import model_train
from arrears.scoring.tests.conftest import TODAY


@pytest.mark.django_db
def test_training_on_synthetic_history_reaches_the_targets(history, org, system):
    model = model_train(organization_id=org.pk, today=TODAY, actor=system)

    m = model.metrics
    assert not model.fallback
    assert m["auc"] >= 0.75
    assert m["auc"] - m["heuristic_auc"] >= 0.05
    assert m["top20_capture"] >= 0.5
