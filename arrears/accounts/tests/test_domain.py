from datetime import date, timedelta

import pytest

from arrears.accounts.choices import AccountStatus as S
from arrears.accounts.choices import AgingBucket
from arrears.accounts.domain import (
    TRANSITIONS,
    IllegalTransition,
    aging_bucket,
    aging_delinquent_range,
    check_transition,
    days_past_due,
)

AS_OF = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (0, AgingBucket.CURRENT),
        (1, AgingBucket.D1_30),
        (30, AgingBucket.D1_30),
        (31, AgingBucket.D31_60),
        (60, AgingBucket.D31_60),
        (61, AgingBucket.D61_90),
        (90, AgingBucket.D61_90),
        (91, AgingBucket.D91_120),
        (120, AgingBucket.D91_120),
        (121, AgingBucket.D121_180),
        (180, AgingBucket.D121_180),
        (181, AgingBucket.D181_365),
        (365, AgingBucket.D181_365),
        (366, AgingBucket.D365_PLUS),
        (4000, AgingBucket.D365_PLUS),
    ],
)
def test_aging_bucket_boundaries(days, bucket):
    # Day 1 of delinquency is the delinquency date itself.
    delinquent_since = AS_OF - timedelta(days=days - 1) if days else None

    assert days_past_due(delinquent_since, AS_OF) == days
    assert aging_bucket(delinquent_since, AS_OF) == bucket


def test_future_delinquency_is_current():
    assert aging_bucket(AS_OF + timedelta(days=3), AS_OF) == AgingBucket.CURRENT


@pytest.mark.parametrize("bucket", AgingBucket.values)
def test_delinquent_range_agrees_with_bucket(bucket):
    low, high = aging_delinquent_range(bucket, AS_OF)

    for days in range(0, 800):
        since = AS_OF - timedelta(days=days)
        inside = (low is None or since >= low) and (high is None or since <= high)
        assert inside == (aging_bucket(since, AS_OF) == bucket), (bucket, days)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.RECALLED, S.ACTIVE),
        (S.PAID, S.PROMISED),
        (S.NEW, S.LEGAL),
        (S.CLOSED, S.PAID),
        (S.SETTLED, S.ON_PLAN),
    ],
)
def test_illegal_transitions_are_refused_with_the_allowed_moves_named(current, target):
    with pytest.raises(IllegalTransition) as err:
        check_transition(current, target)

    assert current in str(err.value)
    assert "allowed" in str(err.value)


def test_every_status_has_a_transition_row_and_targets_are_statuses():
    assert set(TRANSITIONS) == set(S.values)
    for targets in TRANSITIONS.values():
        assert targets <= set(S.values)
