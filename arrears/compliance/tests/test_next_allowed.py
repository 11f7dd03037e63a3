"""`next_allowed_at`: the earliest instant the same action passes, and requirements and validation dates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from arrears.compliance.calendar import validation_period

from .scenarios import calls, codes, run, scenario

NEXT = [
    pytest.param(
        scenario(history=calls(7, start="2026-03-09T13:00:00Z")),
        "2026-03-16T12:00:00Z",
        id="1006.14(b)(2)(i)(A)-7-calls-monday-next-monday-08:00-EDT",
    ),
    pytest.param(
        scenario(
            history=[
                {
                    "at": "2026-03-09T15:00:00Z",
                    "channel": "call",
                    "outcome": "conversation",
                    "debt_ids": ["D1"],
                }
            ]
        ),
        "2026-03-16T12:00:00Z",
        id="1006.14(b)(2)(i)(B)-conversation-monday-next-monday-08:00",
    ),
    pytest.param(
        scenario(now="2026-03-11T01:30:00Z"), "2026-03-11T12:00:00Z", id="1006.6(b)(1)(i)-21:30-next-08:00"
    ),
    pytest.param(
        scenario(now="2026-03-08T06:00:00Z"),
        "2026-03-08T12:00:00Z",
        id="1006.6(b)(1)(i)-across-spring-forward-08:00-EDT",
    ),
    pytest.param(
        scenario(now="2026-11-01T06:00:00Z"),
        "2026-11-01T13:00:00Z",
        id="1006.6(b)(1)(i)-across-fall-back-08:00-EST",
    ),
    pytest.param(
        scenario(
            now="2026-03-10T13:00:00Z", consumer={"addresses": [{"state": "CA", "postal_code": "94103"}]}
        ),
        "2026-03-10T15:00:00Z",
        id="1006.6(b)(1)(i)-conflicting-zones-next-11:00-ET",
    ),
    pytest.param(
        scenario(
            now="2026-03-10T19:30:00Z",
            consumer={"inconvenient_times": [{"days": ["tue"], "start": "15:00", "end": "17:00"}]},
        ),
        "2026-03-10T21:00:00Z",
        id="1006.6(b)(1)(i)-consumer-window-ends-17:00",
    ),
    pytest.param(
        scenario(
            now="2026-03-10T19:30:00Z",
            consumer={"inconvenient_times": [{"days": ["tue"], "start": "15:00", "end": "24:00"}]},
        ),
        "2026-03-11T12:00:00Z",
        id="1006.6(b)(1)(i)-consumer-window-to-midnight-then-08:00",
    ),
    pytest.param(
        scenario(
            consumer={
                "addresses": [{"state": "MA", "postal_code": "02108"}],
                "phones": [{"number": "+16175550142", "kind": "mobile"}],
            },
            action={"target": "+16175550142"},
            history=calls(2, start="2026-03-09T14:00:00Z"),
        ),
        "2026-03-16T12:00:00Z",
        id="940-CMR-7.04(1)(f)-next-after-7-days",
    ),
    pytest.param(
        scenario(
            now="2026-03-10T20:00:00Z", consumer={"inconvenient_times": [{"start": "00:00", "end": "24:00"}]}
        ),
        None,
        id="1006.6(b)(1)(i)-always-inconvenient-never",
    ),
]


@pytest.mark.parametrize(("data", "expected"), NEXT)
def test_next_allowed_at(data, expected):
    result = run(data)

    assert result["allowed"] is False
    assert result["next_allowed_at"] == expected
    if expected is not None:
        assert run(data, now=expected)["allowed"] is True


def test_next_allowed_is_now_when_allowed():
    result = run(scenario())

    assert result["allowed"] is True
    assert result["next_allowed_at"] == "2026-03-10T14:30:00Z"


def test_next_allowed_is_null_when_a_rule_that_waiting_cannot_clear_blocks():
    data = scenario(now="2026-03-11T01:30:00Z", consumer={"flags": ["bankruptcy"]})

    result = run(data)

    assert codes(result) == ["INCONVENIENT_TIME", "BANKRUPTCY"]
    assert result["next_allowed_at"] is None


def test_next_allowed_is_null_when_the_validation_notice_falls_due_while_waiting():
    # Blocked by frequency until Monday 16 March, but the notice is overdue from Thursday 12 March.
    data = scenario(
        history=calls(7, start="2026-03-09T13:00:00Z"),
        debt={"first_communication_at": "2026-03-06T15:00:00Z"},
    )

    result = run(data)

    assert codes(result) == ["REG_F_CALL_FREQUENCY"]
    assert result["next_allowed_at"] is None


def test_requirements_third_party_email():
    result = run(scenario(action={"channel": "email", "target": None}))

    assert [(r["code"], r["citation"]) for r in result["requirements"]] == [
        ("MINI_MIRANDA", "12 CFR 1006.18(e)"),
        ("ELECTRONIC_OPT_OUT_NOTICE", "12 CFR 1006.6(e)"),
    ]


def test_requirements_first_party_call_has_no_mini_miranda():
    result = run(scenario(collector={"type": "first_party"}))

    assert result["requirements"] == []


def test_time_barred_disclosure_where_the_state_requires_it():
    new_york = run(scenario(debt={"limitation_expires_on": "2024-01-01"}, action={"channel": "letter"}))
    florida = run(
        scenario(
            debt={"limitation_expires_on": "2024-01-01", "jurisdiction": "US-FL"},
            consumer={"addresses": [{"state": "FL", "postal_code": "33101"}]},
            action={"channel": "letter"},
        )
    )

    assert ("TIME_BARRED_DISCLOSURE", "23 NYCRR 1.3") in [
        (r["code"], r["citation"]) for r in new_york["requirements"]
    ]
    assert "TIME_BARRED_DISCLOSURE" not in [r["code"] for r in florida["requirements"]]


@pytest.mark.parametrize(
    ("provided_on", "receipt", "ends"),
    [
        pytest.param(
            "2026-12-21", "2026-12-29", "2027-01-28", id="1006.34(b)(5)-christmas-inside-5-business-days"
        ),
        pytest.param("2026-03-06", "2026-03-13", "2026-04-12", id="1006.34(b)(5)-weekend-inside"),
        pytest.param("2026-11-20", "2026-11-30", "2026-12-30", id="1006.34(b)(5)-thanksgiving-inside"),
        pytest.param("2026-07-01", "2026-07-09", "2026-08-08", id="1006.34(b)(5)-observed-independence-day"),
    ],
)
def test_validation_period(provided_on, receipt, ends):
    period = validation_period(date.fromisoformat(provided_on))

    assert period.assumed_receipt_on == date.fromisoformat(receipt)
    assert period.ends_on == date.fromisoformat(ends)
    assert period.ends_on - period.assumed_receipt_on == timedelta(days=30)
