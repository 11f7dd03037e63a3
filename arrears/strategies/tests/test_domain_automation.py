"""Pure rules of automation: segments, the champion/challenger split, the report's interval, the schedule."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.strategies import domain

D = Decimal


def facts(**kw):
    base = dict(
        account_id=1, status="active", debt_type="consumer", state="NY", client="bank", balance=D("500"),
        aging="31-60", days_past_due=45,
    )  # fmt: skip
    return domain.AccountFacts(**{**base, **kw})


def test_a_segment_matches_on_its_conditions():
    # given
    when = {
        "aging": ["31-60"],
        "state": ["NY"],
        "balance_min": D("100"),
        "holds": "none",
        "promise": ["none"],
    }

    # then
    assert domain.segment_matches(when, facts())
    assert not domain.segment_matches(when, facts(state="CA"))
    assert not domain.segment_matches(when, facts(balance=D("99.99")))
    assert not domain.segment_matches(when, facts(holds=frozenset({"dispute"})))
    assert not domain.segment_matches(when, facts(promise="pending"))


def test_never_contacted_counts_as_long_ago():
    assert domain.segment_matches({"days_since_contact_min": D(30)}, facts(days_since_contact=None))
    assert not domain.segment_matches({"days_since_contact_max": D(30)}, facts(days_since_contact=None))


def test_a_bad_file_names_every_problem():
    # when
    with pytest.raises(domain.DefinitionProblem) as error:
        domain.definition_parse(
            'name = "x"\n[[segments]]\nwhen = { aging = ["old"], colour = "red" }\n'
            '[[segments.steps]]\naction = "email"\n[[segments.steps]]\naction = "fly"\n'
        )

    # then
    text = str(error.value)
    assert "aging" in text and "colour" in text and "names its template" in text and "action" in text


def test_the_split_is_stable_and_within_two_points_of_its_shares_on_10000_accounts():
    # given
    shares = [70, 30]

    # when
    arms = [domain.arm_for("exp-1", pk, shares) for pk in range(1, 10_001)]
    again = [domain.arm_for("exp-1", pk, shares) for pk in range(1, 10_001)]

    # then
    assert arms == again
    assert abs(arms.count(0) / 100 - 70) <= 2 and abs(arms.count(1) / 100 - 30) <= 2
    other = [domain.arm_for("exp-2", pk, shares) for pk in range(1, 10_001)]
    assert other != arms  # another experiment cuts independently


def test_the_interval_matches_the_worked_example_in_the_docs():
    # given: docs/strategies.md, "Reading the report"
    champion = domain.ArmOutcome(owed=[D(100)] * 4, paid=[D(0), D(10), D(20), D(30)])
    challenger = domain.ArmOutcome(owed=[D(100)] * 4, paid=[D(20), D(30), D(40), D(50)])

    # when
    lift = domain.lift_interval(champion, challenger)

    # then: rates 0.15 and 0.35; each arm s² = 166.67 (in money²), Var(R) = 166.67 / (4 · 100²) = 0.0041667
    assert (lift.rate_a, lift.rate_b) == (pytest.approx(0.15), pytest.approx(0.35))
    assert lift.lift == pytest.approx(0.20)
    se = (2 * 166.6667 / 40_000) ** 0.5  # 0.091287
    assert lift.low == pytest.approx(0.20 - 1.959964 * se, abs=1e-5)  # 0.021078
    assert lift.high == pytest.approx(0.20 + 1.959964 * se, abs=1e-5)  # 0.378922
    assert lift.significant


def test_no_difference_is_not_significant():
    arm = domain.ArmOutcome(owed=[D(100)] * 3, paid=[D(0), D(50), D(100)])
    lift = domain.lift_interval(arm, arm)
    assert lift.lift == 0 and lift.low < 0 < lift.high and not lift.significant


@pytest.mark.parametrize(
    ("after", "expected_utc"),
    [
        # New York, 02:30 local. Spring forward 2026-03-08: 02:30 does not exist; it runs once, an hour
        # on (03:30 EDT), as the clock's 02:30 EST would have been.
        (datetime(2026, 3, 7, 12, tzinfo=UTC), [datetime(2026, 3, 8, 7, 30, tzinfo=UTC)]),
        # The day before: 02:30 EST is 07:30 UTC; the day after: 02:30 EDT is 06:30 UTC.
        (datetime(2026, 3, 6, 12, tzinfo=UTC), [datetime(2026, 3, 7, 7, 30, tzinfo=UTC)]),
        (datetime(2026, 3, 8, 12, tzinfo=UTC), [datetime(2026, 3, 9, 6, 30, tzinfo=UTC)]),
        # Fall back 2026-11-01: 01:30 happens twice; a 01:30 job runs once.
    ],
    ids=["spring-forward-day", "before", "after"],
)
def test_a_local_time_survives_dst(after, expected_utc):
    times = domain.cron_fire_times(
        "30 2 * * *", "America/New_York", after=after, until=after + timedelta(days=1)
    )
    assert times == expected_utc


def test_a_time_that_happens_twice_runs_once():
    # when: 01:30 New York on 2026-11-01 occurs at 05:30 and 06:30 UTC
    times = domain.cron_fire_times(
        "30 1 * * *", "America/New_York",
        after=datetime(2026, 10, 31, 12, tzinfo=UTC), until=datetime(2026, 11, 2, 12, tzinfo=UTC),
    )  # fmt: skip

    # then: once each day
    assert len(times) == 2
    assert times[0].date() == datetime(2026, 11, 1).date()
    assert times[0] == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # the first 01:30 (EDT)
    assert times[1] == datetime(2026, 11, 2, 6, 30, tzinfo=UTC)  # the next day, 01:30 EST
