"""Properties of the engine, over generated scenarios (Hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.compliance.calendar import validation_period
from arrears.compliance.domain import LedgerLine, evaluate, itemize
from arrears.compliance.facts import Action, Address, Attempt, Consumer, Debt, Facts, Phone, Window

PHONES = ["+12125550142", "+13105550142", "+13125550142", "+13035550142", "+16175550142", "+12065550142"]
PLACES = [
    ("NY", "10001"),
    ("CA", "94103"),
    ("TX", "79901"),
    ("MA", "02108"),
    ("WA", "98101"),
    ("FL", "32501"),
]
# Around both 2026 DST changes, so windows and hours straddle them.
START = datetime(2026, 3, 1, tzinfo=UTC)

instants = st.one_of(
    st.integers(0, 40 * 24 * 60).map(lambda m: START + timedelta(minutes=m)),
    st.integers(0, 20 * 24 * 60).map(lambda m: datetime(2026, 10, 20, tzinfo=UTC) + timedelta(minutes=m)),
)
attempts = st.builds(
    Attempt,
    at=instants,
    channel=st.sampled_from(["call", "voicemail", "sms", "email", "letter"]),
    direction=st.sampled_from(["outbound", "outbound", "inbound"]),
    outcome=st.sampled_from(
        ["no_answer", "voicemail", "conversation", "busy", "not_in_service", "delivered", None]
    ),
    debt_ids=st.sampled_from([("D1",), ("D2",), ("D1", "D2"), None]),
    target=st.sampled_from([None, *PHONES]),
)
windows = st.builds(
    Window,
    days=st.frozensets(st.integers(0, 6), min_size=1),
    start_minute=st.integers(0, 23).map(lambda h: h * 60),
    end_minute=st.integers(1, 24).map(lambda h: h * 60),
).filter(lambda w: w.start_minute != w.end_minute)
consumers = st.builds(
    Consumer,
    timezone=st.sampled_from([None, None, None, "America/Chicago"]),
    addresses=st.lists(st.sampled_from(PLACES), max_size=2).map(
        lambda ps: tuple(Address(state=s, postal_code=z) for s, z in ps)
    ),
    phones=st.lists(
        st.builds(
            Phone,
            number=st.sampled_from(PHONES),
            kind=st.sampled_from(["mobile", "home", "work"]),
            sms_consent=st.booleans(),
        ),
        max_size=2,
        unique_by=lambda p: p.number,
    ).map(tuple),
    inconvenient_times=st.lists(windows, max_size=1).map(tuple),
    flags=st.frozensets(st.sampled_from(["employer_prohibits_contact", "bankruptcy"]), max_size=1),
    opt_outs=st.frozensets(st.sampled_from(["email", "sms"]), max_size=1),
)
facts_strategy = st.builds(
    Facts,
    action=st.builds(
        Action,
        channel=st.sampled_from(["call", "call", "voicemail", "sms", "email", "letter"]),
        target=st.sampled_from([None, *PHONES]),
        purpose=st.sampled_from(["collection", "collection", "validation_notice"]),
    ),
    debt=st.builds(
        Debt,
        id=st.just("D1"),
        jurisdiction=st.sampled_from(["US-NY", "US-MA", "US-WA", ""]),
        first_communication_at=st.one_of(st.none(), instants),
    ),
    collector_type=st.sampled_from(["third_party", "first_party"]),
    consumer=consumers,
    history=st.lists(attempts, max_size=12).map(tuple),
)
SLOW = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SLOW
@given(facts=facts_strategy, now=instants, extra=st.lists(attempts, min_size=1, max_size=4))
def test_adding_history_never_turns_a_block_into_an_allow(facts, now, extra):
    before = evaluate(facts, now=now)

    after = evaluate(replace(facts, history=facts.history + tuple(extra)), now=now)

    if not before.allowed:
        assert not after.allowed
        assert {f.code for f in before.reasons if f.effect == "block"} <= {f.code for f in after.reasons}


@SLOW
@given(facts=facts_strategy, now=instants)
def test_next_allowed_at_is_allowed_and_the_earliest(facts, now):
    decision = evaluate(facts, now=now)

    if decision.next_allowed_at is not None:
        assert decision.next_allowed_at >= now
        assert evaluate(facts, now=decision.next_allowed_at).allowed
        if decision.next_allowed_at > now:
            assert not evaluate(facts, now=decision.next_allowed_at - timedelta(seconds=1)).allowed
    if decision.allowed:
        assert decision.next_allowed_at == now


@given(facts=facts_strategy, now=instants)
@settings(max_examples=100, deadline=None)
def test_allowed_exactly_when_nothing_blocks(facts, now):
    decision = evaluate(facts, now=now)

    assert decision.allowed == (not any(f.effect == "block" for f in decision.reasons))


lines = st.builds(
    LedgerLine,
    kind=st.sampled_from(
        ["charge", "interest", "fee", "cost", "payment", "adjustment", "write_off", "reversal"]
    ),
    bucket=st.sampled_from(["principal", "interest", "fees", "costs", "credit"]),
    amount=st.decimals(min_value=-5000, max_value=5000, places=2, allow_nan=False, allow_infinity=False),
    effective_on=st.dates(date(2025, 1, 1), date(2026, 12, 31)),
    reverses_kind=st.sampled_from([None, "payment", "interest", "fee"]),
)


@settings(deadline=None)
@given(entries=st.lists(lines, max_size=30), itemized_on=st.dates(date(2025, 1, 1), date(2026, 12, 31)))
def test_itemization_always_balances(entries, itemized_on):
    item = itemize(entries, itemization_date=itemized_on, currency="USD")

    assert item.balances
    assert item.current == sum((e.amount for e in entries if e.bucket != "credit"), Decimal(0))


@settings(deadline=None)
@given(provided=st.dates(date(2024, 1, 1), date(2030, 12, 31)))
def test_validation_period_receipt_is_a_business_day_5_to_13_days_later(provided):
    import holidays

    period = validation_period(provided)

    assert period.assumed_receipt_on.weekday() < 5
    assert period.assumed_receipt_on not in holidays.country_holidays(
        "US", years=period.assumed_receipt_on.year
    )
    assert 5 <= (period.assumed_receipt_on - provided).days <= 13
    assert (period.ends_on - period.assumed_receipt_on).days == 30


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(facts=facts_strategy, now=instants)
def test_nothing_before_next_allowed_at_is_allowed(facts, now):
    decision = evaluate(facts, now=now)
    # Every boundary of the generated scenarios falls on a half hour in UTC (US zones, whole-hour windows),
    # so scanning half hours from now finds any allowed stretch the search might have skipped.
    end = decision.next_allowed_at or now + timedelta(days=3)
    step = now.replace(minute=now.minute // 30 * 30, second=0, microsecond=0) + timedelta(minutes=30)
    checked = 0

    while step < end and checked < 240:
        assert not evaluate(facts, now=step).allowed, f"allowed at {step}, before {decision.next_allowed_at}"
        step += timedelta(minutes=30)
        checked += 1
