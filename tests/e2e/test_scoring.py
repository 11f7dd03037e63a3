"""Scoring's commands as a user runs them: train, the queue, the forecast (README, "Scoring")."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

DEMO = "demo"


def test_scoring_train_prints_the_contract_and_stores_a_version(database):
    # when: the demo has too little history for a model at this size (DEMO_ACCOUNTS), so it falls back
    result = database.ok("scoring", "train", "--org", DEMO, "--json")

    # then
    doc = result.json
    assert {"model_version", "auc", "brier", "n_train", "n_test", "fallback"} <= set(doc)
    assert isinstance(doc["model_version"], int) and doc["model_version"] >= 2  # the demo trained v1
    assert doc["fallback"] is True and "labelled outcomes" in doc["reason"]
    stored = database.value(
        "SELECT count(*) FROM scoring_scoringmodel WHERE organization_id = %s", [database.org_id(DEMO)]
    )
    assert stored == doc["model_version"]
    scored = database.value(
        "SELECT count(*) FROM scoring_accountscore WHERE organization_id = %s", [database.org_id(DEMO)]
    )
    accounts = database.value(
        "SELECT count(*) FROM accounts_account WHERE organization_id = %s", [database.org_id(DEMO)]
    )
    assert scored == accounts


def test_queue_prints_only_accounts_the_gate_allows_now(database):
    # when
    doc = database.ok("queue", "--user", "collector", "--limit", "5", "--json").json

    # then
    assert set(doc) == {"accounts"}
    assert len(doc["accounts"]) <= 5
    for row in doc["accounts"]:
        assert set(row) == {"reference", "score", "expected_value", "reasons", "contactable_at"}
        assert 0 <= row["score"] <= 1 and Decimal(row["expected_value"]) >= 0
        check = database.ok(
            "compliance", "check", "--org", DEMO, "--account", row["reference"], "--channel", "call"
        ).json
        assert check["allowed"] is True, row["reference"]


def test_queue_and_forecast_refuse_bad_input(database):
    unknown = database.run("queue", "--user", "nobody-here", "--json")
    bad_limit = database.run("queue", "--user", "collector", "--limit", "0")
    bad_weeks = database.run("forecast", "--weeks", "many", "--org", DEMO)

    assert unknown.returncode == 2 and "SCORING_USER_NOT_FOUND" in unknown.stderr
    assert unknown.json["error"]["code"] == "SCORING_USER_NOT_FOUND"
    assert bad_limit.returncode == 2
    assert bad_weeks.returncode == 2


def test_forecast_prints_thirteen_weeks_with_a_range(database):
    doc = database.ok("forecast", "--weeks", "13", "--org", DEMO, "--json").json

    weeks = doc["weeks"]
    assert len(weeks) == 13
    starts = [date.fromisoformat(w["week_start"]) for w in weeks]
    assert all(b - a == timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))
    for w in weeks:
        low, expected, high = Decimal(w["low"]), Decimal(w["expected"]), Decimal(w["high"])
        assert Decimal(0) <= low <= expected <= high


def test_a_new_book_forecasts_money_from_the_day_it_is_imported(database):
    # given the e2e organization: a book imported today, no payment history, no model (the heuristic)

    # when
    doc = database.ok("forecast", "--weeks", "13", "--org", "e2e", "--json").json

    # then: its open balances are money coming in, every week, in cents
    weeks = doc["weeks"]
    assert len(weeks) == 13
    for w in weeks:
        expected = Decimal(w["expected"])
        assert expected > 0, w
        assert expected == expected.quantize(Decimal("0.01"))
        assert Decimal(w["low"]) <= expected <= Decimal(w["high"])
