"""One table per reason code, each case at an edge of its rule, with the citation in the test id."""

from __future__ import annotations

from typing import Any

import pytest

from .scenarios import NY_MOBILE, calls, codes, run, scenario

Case = tuple[str, dict[str, Any], bool, list[str]]


def case(test_id: str, changes: dict[str, Any], allowed: bool, expected: list[str]) -> Any:
    return pytest.param(changes, allowed, expected, id=test_id)


def check(changes: dict[str, Any], allowed: bool, expected: list[str]) -> dict[str, Any]:
    data = scenario(**changes)

    result = run(data)

    assert result["allowed"] is allowed, result
    assert codes(result) == expected, result
    return result


# --- 12 CFR 1006.14(b)(2)(i)(A): 7 calls in 7 days ---------------------------------------------------------
CALL_FREQUENCY = [
    case(
        "1006.14(b)(2)(i)(A)-6-placed-7th-call-allowed",
        {"history": calls(6, start="2026-03-09T13:00:00Z")},
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(A)-7-placed-8th-call-blocked",
        {"history": calls(7, start="2026-03-09T13:00:00Z")},
        False,
        ["REG_F_CALL_FREQUENCY"],
    ),
    case(
        "1006.14(b)(2)(i)(A)-voicemail-counts",
        {"history": calls(7, start="2026-03-09T13:00:00Z", outcome="voicemail")},
        False,
        ["REG_F_CALL_FREQUENCY"],
    ),
    case(
        "1006.14(b)(2)(i)(A)-busy-does-not-count",
        {
            "history": calls(6, start="2026-03-09T13:00:00Z")
            + calls(1, start="2026-03-09T20:00:00Z", outcome="busy")
        },
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(A)-not-in-service-does-not-count",
        {
            "history": calls(6, start="2026-03-09T13:00:00Z")
            + calls(1, start="2026-03-09T20:00:00Z", outcome="not_in_service")
        },
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(A)-other-debt-does-not-count",
        {"history": calls(7, start="2026-03-09T13:00:00Z", debt_ids=["D2"])},
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(A)-call-about-several-debts-counts-for-each",
        {"history": calls(7, start="2026-03-09T13:00:00Z", debt_ids=["D2", "D1"])},
        False,
        ["REG_F_CALL_FREQUENCY"],
    ),
    case(
        "1006.14(b)(2)(i)(A)-inbound-calls-do-not-count",
        {"history": calls(7, start="2026-03-09T13:00:00Z", direction="inbound", outcome="no_answer")},
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(A)-day-7-still-in-window",  # calls on Wed 4 March local; today Tue 10 March
        {"history": calls(7, start="2026-03-04T14:00:00Z")},
        False,
        ["REG_F_CALL_FREQUENCY"],
    ),
    case(
        "1006.14(b)(2)(i)(A)-day-8-window-passed",  # Tue 3 March: 8 local dates ago
        {"history": calls(7, start="2026-03-03T14:00:00Z")},
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(A)-local-dates-not-utc",  # 7 calls at 23:00-03:00 EST on 3 March = 4 March UTC
        {"history": calls(7, start="2026-03-04T04:00:00Z", every_hours=0.1)},
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(A)-text-is-not-a-call",
        {
            "history": calls(7, start="2026-03-09T13:00:00Z"),
            "action": {"channel": "sms"},
            "consumer": {"phones": [{"number": NY_MOBILE, "sms_consent": True}]},
        },
        True,
        [],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), CALL_FREQUENCY)
def test_reg_f_call_frequency(changes, allowed, expected):
    check(changes, allowed, expected)


# --- 12 CFR 1006.14(b)(2)(i)(B): 7 days after a telephone conversation ---------------------------------
def conversation(at: str, **fields: Any) -> list[dict[str, Any]]:
    return [
        {
            "at": at,
            "channel": "call",
            "direction": "outbound",
            "outcome": "conversation",
            "debt_ids": ["D1"],
            **fields,
        }
    ]


POST_CONVERSATION = [
    case(
        "1006.14(b)(2)(i)(B)-day-6-after-blocked",  # talked Wed 4 March; Tue 10 March is d+6
        {"history": conversation("2026-03-04T15:00:00Z")},
        False,
        ["REG_F_POST_CONVERSATION"],
    ),
    case(
        "1006.14(b)(2)(i)(B)-day-7-after-allowed", {"history": conversation("2026-03-03T15:00:00Z")}, True, []
    ),
    case(
        "1006.14(b)(2)(i)(B)-same-day-blocked",
        {"history": conversation("2026-03-10T13:00:00Z")},
        False,
        ["REG_F_POST_CONVERSATION"],
    ),
    case(
        "1006.14(b)(2)(i)(B)-inbound-conversation-counts",
        {"history": conversation("2026-03-08T15:00:00Z", direction="inbound")},
        False,
        ["REG_F_POST_CONVERSATION"],
    ),
    case(
        "1006.14(b)(2)(i)(B)-other-debt-does-not-count",
        {"history": conversation("2026-03-08T15:00:00Z", debt_ids=["D9"])},
        True,
        [],
    ),
    case(
        "1006.14(b)(2)(i)(B)-email-not-limited",
        {"history": conversation("2026-03-08T15:00:00Z"), "action": {"channel": "email", "target": None}},
        True,
        [],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), POST_CONVERSATION)
def test_reg_f_post_conversation(changes, allowed, expected):
    check(changes, allowed, expected)


# --- 12 CFR 1006.6(b)(1)(i): 08:00 to before 21:00 local ------------------------------------------------
NOWHERE = {"addresses": [], "phones": [], "emails": []}
HOURS = [
    case(
        "1006.6(b)(1)(i)-location-unknown-warns-noon-eastern-allowed",
        {"now": "2026-03-10T16:00:00Z", "consumer": NOWHERE, "action": {"target": None}},
        True,
        ["LOCATION_UNKNOWN"],
    ),
    case(
        "1006.6(b)(1)(i)-location-unknown-09:00-eastern-is-06:00-pacific",
        {"now": "2026-03-10T13:00:00Z", "consumer": NOWHERE, "action": {"target": None}},
        False,
        ["INCONVENIENT_TIME", "LOCATION_UNKNOWN"],
    ),
    case(
        "1006.6(b)(1)(i)-location-unknown-21:00-eastern-blocked",
        {"now": "2026-03-11T01:00:00Z", "consumer": NOWHERE, "action": {"target": None}},
        False,
        ["INCONVENIENT_TIME", "LOCATION_UNKNOWN"],
    ),
    case("1006.6(b)(1)(i)-07:59-EDT-blocked", {"now": "2026-03-10T11:59:00Z"}, False, ["INCONVENIENT_TIME"]),
    case("1006.6(b)(1)(i)-08:00-EDT-allowed", {"now": "2026-03-10T12:00:00Z"}, True, []),
    case("1006.6(b)(1)(i)-20:59-EDT-allowed", {"now": "2026-03-11T00:59:00Z"}, True, []),
    case("1006.6(b)(1)(i)-21:00-EDT-blocked", {"now": "2026-03-11T01:00:00Z"}, False, ["INCONVENIENT_TIME"]),
    case("1006.6(b)(1)(i)-07:59-EST-blocked", {"now": "2026-01-13T12:59:00Z"}, False, ["INCONVENIENT_TIME"]),
    case("1006.6(b)(1)(i)-08:00-EST-allowed", {"now": "2026-01-13T13:00:00Z"}, True, []),
    # Sunday 8 March 2026: clocks spring forward at 02:00 EST. 12:00Z is 08:00 EDT, though 07:00 EST.
    case(
        "1006.6(b)(1)(i)-dst-spring-forward-07:59-EDT-blocked",
        {"now": "2026-03-08T11:59:59Z"},
        False,
        ["INCONVENIENT_TIME"],
    ),
    case("1006.6(b)(1)(i)-dst-spring-forward-08:00-EDT-allowed", {"now": "2026-03-08T12:00:00Z"}, True, []),
    # Sunday 1 November 2026: clocks fall back at 02:00 EDT. 12:30Z is 07:30 EST, though 08:30 EDT.
    case(
        "1006.6(b)(1)(i)-dst-fall-back-07:30-EST-blocked",
        {"now": "2026-11-01T12:30:00Z"},
        False,
        ["INCONVENIENT_TIME"],
    ),
    case("1006.6(b)(1)(i)-dst-fall-back-08:00-EST-allowed", {"now": "2026-11-01T13:00:00Z"}, True, []),
    case(
        "1006.6(b)(1)(i)-email-is-timed-too",
        {"now": "2026-03-11T01:00:00Z", "action": {"channel": "email", "target": None}},
        False,
        ["INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-sms-is-timed-too",
        {
            "now": "2026-03-11T01:00:00Z",
            "action": {"channel": "sms"},
            "consumer": {"phones": [{"number": NY_MOBILE, "sms_consent": True}]},
        },
        False,
        ["INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-letter-is-not-timed",
        {"now": "2026-03-11T03:00:00Z", "action": {"channel": "letter", "target": None}},
        True,
        [],
    ),
    # An Eastern phone and a Pacific address: allowed only 11:00-21:00 Eastern.
    case(
        "1006.6(b)(1)(i)-conflicting-zones-10:59-ET-blocked",
        {"now": "2026-03-10T14:59:00Z", "consumer": {"addresses": [{"state": "CA", "postal_code": "94103"}]}},
        False,
        ["INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-conflicting-zones-11:00-ET-allowed",
        {"now": "2026-03-10T15:00:00Z", "consumer": {"addresses": [{"state": "CA", "postal_code": "94103"}]}},
        True,
        [],
    ),
    case(
        "1006.6(b)(1)(i)-conflicting-zones-20:59-ET-allowed",
        {"now": "2026-03-11T00:59:00Z", "consumer": {"addresses": [{"state": "CA", "postal_code": "94103"}]}},
        True,
        [],
    ),
    case(
        "1006.6(b)(1)(i)-conflicting-zones-21:00-ET-blocked",
        {"now": "2026-03-11T01:00:00Z", "consumer": {"addresses": [{"state": "CA", "postal_code": "94103"}]}},
        False,
        ["INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-explicit-timezone-wins",  # 06:30 Pacific, though 09:30 in New York
        {"now": "2026-03-10T13:30:00Z", "consumer": {"timezone": "America/Los_Angeles"}},
        False,
        ["INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-zip-narrows-split-state",  # El Paso is Mountain: 07:30 MDT
        {
            "now": "2026-03-10T13:30:00Z",
            "consumer": {"addresses": [{"state": "TX", "postal_code": "79901"}], "phones": []},
            "action": {"target": None},
        },
        False,
        ["INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-zip-narrows-split-state-allowed",  # Houston is Central: 08:30 CDT
        {
            "now": "2026-03-10T13:30:00Z",
            "consumer": {"addresses": [{"state": "TX", "postal_code": "77002"}], "phones": []},
            "action": {"target": None},
        },
        True,
        [],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), HOURS)
def test_inconvenient_time(changes, allowed, expected):
    check(changes, allowed, expected)


WEEKDAY_AFTERNOONS = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "15:00", "end": "17:00"}]
NIGHT_SHIFT = [{"days": ["tue"], "start": "20:00", "end": "02:00"}]
CONSUMER_TIMES = [
    case(
        "1006.6(b)(1)(i)-consumer-window-14:59-allowed",
        {"now": "2026-03-10T18:59:00Z", "consumer": {"inconvenient_times": WEEKDAY_AFTERNOONS}},
        True,
        [],
    ),
    case(
        "1006.6(b)(1)(i)-consumer-window-15:00-blocked",
        {"now": "2026-03-10T19:00:00Z", "consumer": {"inconvenient_times": WEEKDAY_AFTERNOONS}},
        False,
        ["CONSUMER_INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-consumer-window-16:59-blocked",
        {"now": "2026-03-10T20:59:00Z", "consumer": {"inconvenient_times": WEEKDAY_AFTERNOONS}},
        False,
        ["CONSUMER_INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-consumer-window-17:00-allowed",
        {"now": "2026-03-10T21:00:00Z", "consumer": {"inconvenient_times": WEEKDAY_AFTERNOONS}},
        True,
        [],
    ),
    case(
        "1006.6(b)(1)(i)-consumer-window-other-day-allowed",  # Saturday 14 March, 16:00 EDT
        {"now": "2026-03-14T20:00:00Z", "consumer": {"inconvenient_times": WEEKDAY_AFTERNOONS}},
        True,
        [],
    ),
    case(
        "1006.6(b)(1)(i)-consumer-window-email-blocked-too",
        {
            "now": "2026-03-10T19:30:00Z",
            "consumer": {"inconvenient_times": WEEKDAY_AFTERNOONS},
            "action": {"channel": "email", "target": None},
        },
        False,
        ["CONSUMER_INCONVENIENT_TIME"],
    ),
    case(
        "1006.6(b)(1)(i)-consumer-window-past-midnight-tuesday-20:30-blocked",
        {"now": "2026-03-11T00:30:00Z", "consumer": {"inconvenient_times": NIGHT_SHIFT}},
        False,
        ["CONSUMER_INCONVENIENT_TIME"],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), CONSUMER_TIMES)
def test_consumer_inconvenient_time(changes, allowed, expected):
    check(changes, allowed, expected)


# --- holds and flags ---------------------------------------------------------------------------------------
FLAGS = [
    case(
        "1006.6(c)-cease-blocks-collection",
        {"consumer": {"flags": ["cease_communication"]}},
        False,
        ["CEASE_COMMUNICATION"],
    ),
    case(
        "1006.6(c)-cease-passes-cease-confirmation",
        {"consumer": {"flags": ["cease_communication"]}, "action": {"purpose": "cease_confirmation"}},
        True,
        [],
    ),
    case(
        "1006.6(c)-cease-passes-remedy-notice",
        {
            "debt": {"flags": ["cease_communication"]},
            "action": {"channel": "letter", "purpose": "remedy_notice"},
        },
        True,
        [],
    ),
    case(
        "1006.6(c)-cease-blocks-validation-notice",
        {"debt": {"flags": ["cease_communication"]}, "action": {"purpose": "validation_notice"}},
        False,
        ["CEASE_COMMUNICATION"],
    ),
    case(
        "1006.6(b)(2)-attorney-represented",
        {"consumer": {"flags": ["attorney_represented"]}},
        False,
        ["ATTORNEY_REPRESENTED"],
    ),
    case("11-USC-362(a)(6)-bankruptcy", {"debt": {"flags": ["bankruptcy"]}}, False, ["BANKRUPTCY"]),
    case(
        "11-USC-362(a)(6)-bankruptcy-letter-too",
        {"consumer": {"flags": ["bankruptcy"]}, "action": {"channel": "letter", "target": None}},
        False,
        ["BANKRUPTCY"],
    ),
    case("1006.6(a)(4)-deceased", {"consumer": {"flags": ["deceased"]}}, False, ["DECEASED"]),
    case("1006.6(a)(4)-deceased-on-the-debt-only", {"debt": {"flags": ["deceased"]}}, False, ["DECEASED"]),
    case(
        "flags-stack-in-table-order",
        {"consumer": {"flags": ["deceased", "bankruptcy", "attorney_represented"]}},
        False,
        ["ATTORNEY_REPRESENTED", "BANKRUPTCY", "DECEASED"],
    ),
    case(
        "1006.14(h)-email-opt-out-blocks-email",
        {"consumer": {"opt_outs": ["email"]}, "action": {"channel": "email", "target": None}},
        False,
        ["MEDIUM_OPT_OUT"],
    ),
    case(
        "1006.14(h)-email-opt-out-passes-confirmation",
        {
            "consumer": {"opt_outs": ["email"]},
            "action": {"channel": "email", "target": None, "purpose": "optout_confirmation"},
        },
        True,
        [],
    ),
    case("1006.14(h)-email-opt-out-leaves-calls", {"consumer": {"opt_outs": ["email"]}}, True, []),
    case(
        "1006.14(h)-call-opt-out-blocks-voicemail",
        {"consumer": {"opt_outs": ["call"]}, "action": {"channel": "voicemail"}},
        False,
        ["MEDIUM_OPT_OUT"],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), FLAGS)
def test_flags(changes, allowed, expected):
    check(changes, allowed, expected)


# --- channels: TCPA consent, work email, workplace ---------------------------------------------------------
WORK = [{"number": "+12125550199", "kind": "work"}, {"number": NY_MOBILE, "kind": "mobile"}]
CHANNELS = [
    case("47-USC-227(b)-sms-without-consent", {"action": {"channel": "sms"}}, False, ["NO_SMS_CONSENT"]),
    case(
        "47-USC-227(b)-sms-with-consent",
        {"action": {"channel": "sms"}, "consumer": {"phones": [{"number": NY_MOBILE, "sms_consent": True}]}},
        True,
        [],
    ),
    case(
        "47-USC-227(b)-consent-is-per-number",
        {
            "action": {"channel": "sms", "target": "+12125550199"},
            "consumer": {"phones": [{"number": NY_MOBILE, "sms_consent": True}]},
        },
        False,
        ["NO_SMS_CONSENT"],
    ),
    case(
        "47-USC-227(b)-target-in-any-format",
        {
            "action": {"channel": "sms", "target": "(212) 555-0142"},
            "consumer": {"phones": [{"number": NY_MOBILE, "sms_consent": True}]},
        },
        True,
        [],
    ),
    case(
        "1006.22(f)(3)-work-email-not-consented",
        {
            "action": {"channel": "email", "target": "jane@employer.com"},
            "consumer": {"emails": [{"address": "jane@employer.com", "kind": "work"}]},
        },
        False,
        ["WORK_EMAIL"],
    ),
    case(
        "1006.22(f)(3)-work-email-consented",
        {
            "action": {"channel": "email", "target": "jane@employer.com"},
            "consumer": {"emails": [{"address": "jane@employer.com", "kind": "work", "consented": True}]},
        },
        True,
        [],
    ),
    case(
        "1006.22(f)(3)-personal-email", {"action": {"channel": "email", "target": "a@example.com"}}, True, []
    ),
    case(
        "1006.6(b)(3)-work-number-after-employer-prohibits",
        {
            "action": {"target": "+12125550199"},
            "consumer": {"phones": WORK, "flags": ["employer_prohibits_contact"]},
        },
        False,
        ["WORKPLACE_PROHIBITED"],
    ),
    case(
        "1006.6(b)(3)-mobile-after-employer-prohibits",
        {"consumer": {"phones": WORK, "flags": ["employer_prohibits_contact"]}},
        True,
        [],
    ),
    case(
        "1006.6(b)(3)-work-number-without-prohibition",
        {"action": {"target": "+12125550199"}, "consumer": {"phones": WORK}},
        True,
        [],
    ),
    case(
        "1006.6(b)(3)-visit-to-workplace",
        {
            "action": {"channel": "visit", "target": "1 Office Park"},
            "consumer": {
                "addresses": [
                    {"state": "NY", "postal_code": "10001", "kind": "work", "line": "1 Office Park"}
                ],
                "flags": ["employer_prohibits_contact"],
            },
        },
        False,
        ["WORKPLACE_PROHIBITED"],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), CHANNELS)
def test_channels(changes, allowed, expected):
    check(changes, allowed, expected)


# --- validation and disputes -------------------------------------------------------------------------------
DISPUTED = {
    "validation_notice_sent_on": "2026-02-20",
    "validation_period_ends_on": "2026-03-29",
    "disputed_on": "2026-03-02",
    "dispute_written": True,
}
VALIDATION = [
    case("1006.38(d)(2)-written-dispute-unverified", {"debt": DISPUTED}, False, ["DISPUTE_UNVERIFIED"]),
    case(
        "1006.38(d)(2)-verification-passes",
        {"debt": DISPUTED, "action": {"channel": "letter", "purpose": "verification"}},
        True,
        [],
    ),
    case("1006.38(d)(2)-verified", {"debt": {**DISPUTED, "verification_sent_on": "2026-03-05"}}, True, []),
    case("1006.38(d)(2)-oral-dispute", {"debt": {**DISPUTED, "dispute_written": False}}, True, []),
    case(
        "1006.38(d)(2)-dispute-on-end-date-counts",
        {"debt": {**DISPUTED, "disputed_on": "2026-03-29"}},
        False,
        ["DISPUTE_UNVERIFIED"],
    ),
    case(
        "1006.38(d)(2)-dispute-after-end-date", {"debt": {**DISPUTED, "disputed_on": "2026-03-30"}}, True, []
    ),
    case(
        "1006.34(a)-5-days-after-first-communication",
        {"debt": {"first_communication_at": "2026-03-05T15:00:00Z"}},
        True,
        [],
    ),
    case(
        "1006.34(a)-6-days-after-first-communication",
        {"debt": {"first_communication_at": "2026-03-04T15:00:00Z"}},
        False,
        ["VALIDATION_NOTICE_OVERDUE"],
    ),
    case(
        "1006.34(a)-only-the-notice-passes",
        {
            "debt": {"first_communication_at": "2026-03-04T15:00:00Z"},
            "action": {"channel": "letter", "purpose": "validation_notice"},
        },
        True,
        [],
    ),
    case(
        "1006.34(a)-notice-sent",
        {
            "debt": {
                "first_communication_at": "2026-03-04T15:00:00Z",
                "validation_notice_sent_on": "2026-03-04",
            }
        },
        True,
        [],
    ),
    case(
        "1006.34(a)-first-party-owes-no-notice",
        {"collector": {"type": "first_party"}, "debt": {"first_communication_at": "2026-03-01T15:00:00Z"}},
        True,
        [],
    ),
    case(
        "1006.26(b)-suit-on-time-barred-debt",
        {
            "debt": {"limitation_expires_on": "2025-06-30"},
            "action": {"channel": "letter", "purpose": "lawsuit"},
        },
        False,
        ["TIME_BARRED_SUIT"],
    ),
    case(
        "1006.26(b)-suit-within-limitation",
        {
            "debt": {"limitation_expires_on": "2027-06-30"},
            "action": {"channel": "letter", "purpose": "lawsuit"},
        },
        True,
        [],
    ),
    case(
        "1006.26(b)-suit-on-the-last-day-of-the-limitation-period",
        {
            "debt": {"limitation_expires_on": "2026-03-10"},
            "action": {"channel": "letter", "purpose": "lawsuit"},
        },
        True,
        [],
    ),
    case(
        "1006.26(b)-suit-the-day-after-the-limitation-period",
        {
            "debt": {"limitation_expires_on": "2026-03-09"},
            "action": {"channel": "letter", "purpose": "lawsuit"},
        },
        False,
        ["TIME_BARRED_SUIT"],
    ),
    case(
        "1006.26(b)-collecting-time-barred-debt-is-not-a-suit",
        {"debt": {"limitation_expires_on": "2025-06-30"}},
        True,
        [],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), VALIDATION)
def test_validation_and_disputes(changes, allowed, expected):
    check(changes, allowed, expected)


# --- Massachusetts and Washington --------------------------------------------------------------------------
MA = {
    "addresses": [{"state": "MA", "postal_code": "02108"}],
    "phones": [{"number": "+16175550142", "kind": "mobile"}, {"number": "+16175550199", "kind": "work"}],
}
WA = {
    "addresses": [{"state": "WA", "postal_code": "98101"}],
    "phones": [{"number": "+12065550142", "kind": "home"}, {"number": "+12065550199", "kind": "work"}],
}


def sent(count: int, *, start: str, channel: str = "call", outcome: str = "conversation", **fields: Any):
    return [
        {**a, "channel": channel, "outcome": outcome}
        for a in calls(count, start=start, every_hours=24, **fields)
    ]


STATES = [
    case(
        "940-CMR-7.04(1)(f)-1-call-in-7-days-allowed",
        {
            "consumer": MA,
            "action": {"target": "+16175550142"},
            "history": calls(1, start="2026-03-09T14:00:00Z"),
        },
        True,
        [],
    ),
    case(
        "940-CMR-7.04(1)(f)-2-calls-in-7-days-blocked",
        {
            "consumer": MA,
            "action": {"target": "+16175550142"},
            "history": calls(2, start="2026-03-09T14:00:00Z"),
        },
        False,
        ["MA_CALL_FREQUENCY"],
    ),
    case(
        "940-CMR-7.04(1)(f)-texts-count-and-are-limited",
        {
            "consumer": {**MA, "phones": [{"number": "+16175550142", "sms_consent": True}]},
            "action": {"channel": "sms", "target": "+16175550142"},
            "history": sent(2, start="2026-03-05T14:00:00Z", channel="sms", outcome="delivered"),
        },
        False,
        ["MA_CALL_FREQUENCY"],
    ),
    case(
        "940-CMR-7.04(1)(f)-8-days-ago-does-not-count",
        {
            "consumer": MA,
            "action": {"target": "+16175550142"},
            "history": calls(2, start="2026-03-02T14:00:00Z", debt_ids=["D2"]),
        },
        True,
        [],
    ),
    case(
        "940-CMR-7.04(1)(f)-work-number-2-in-30-days",
        {
            "consumer": MA,
            "action": {"target": "+16175550199"},
            "history": calls(2, start="2026-02-12T14:00:00Z", target="+16175550199", debt_ids=["D2"]),
        },
        False,
        ["MA_CALL_FREQUENCY"],
    ),
    case(
        "940-CMR-7.04(1)(f)-jurisdiction-alone-applies",
        {
            "debt": {"jurisdiction": "US-MA"},
            "history": calls(2, start="2026-03-09T14:00:00Z", debt_ids=["D2"]),
        },
        False,
        ["MA_CALL_FREQUENCY"],
    ),
    case(
        "940-CMR-7.04(1)(f)-not-in-new-york",
        {"history": calls(2, start="2026-03-09T14:00:00Z", debt_ids=["D2"])},
        True,
        [],
    ),
    case(
        "RCW-19.16.250(13)-3-communications-a-week-blocked",
        {
            "consumer": WA,
            "action": {"channel": "letter", "target": None},
            "history": sent(3, start="2026-03-06T18:00:00Z", channel="email", outcome="delivered"),
        },
        False,
        ["WA_CONTACT_FREQUENCY"],
    ),
    case(
        "RCW-19.16.250(13)-2-communications-a-week-allowed",
        {
            "consumer": WA,
            "action": {"channel": "letter", "target": None},
            "history": sent(2, start="2026-03-06T18:00:00Z", channel="email", outcome="delivered"),
        },
        True,
        [],
    ),
    case(
        "RCW-19.16.250(13)-unanswered-calls-are-not-communications",
        {
            "now": "2026-03-10T18:00:00Z",
            "consumer": WA,
            "action": {"target": "+12065550142"},
            "history": calls(3, start="2026-03-06T18:00:00Z", debt_ids=["D2"]),
        },
        True,
        [],
    ),
    case(
        "RCW-19.16.250(13)-1-a-week-at-work",
        {
            "now": "2026-03-10T18:00:00Z",
            "consumer": WA,
            "action": {"target": "+12065550199"},
            "history": sent(1, start="2026-03-06T18:00:00Z", target="+12065550199", debt_ids=["D2"]),
        },
        False,
        ["WA_CONTACT_FREQUENCY"],
    ),
    case(
        "RCW-19.16.250(13)-home-call-07:15-also-reg-f",
        {"now": "2026-03-10T14:15:00Z", "consumer": WA, "action": {"target": "+12065550142"}},
        False,
        ["INCONVENIENT_TIME", "WA_CONTACT_FREQUENCY"],
    ),
    case(
        "RCW-19.16.250(13)-first-party-not-a-licensee",
        {
            "collector": {"type": "first_party"},
            "consumer": WA,
            "action": {"channel": "letter", "target": None},
            "history": sent(3, start="2026-03-06T18:00:00Z", channel="email", outcome="delivered"),
        },
        True,
        [],
    ),
]


@pytest.mark.parametrize(("changes", "allowed", "expected"), STATES)
def test_state_packs(changes, allowed, expected):
    check(changes, allowed, expected)


# --- location ----------------------------------------------------------------------------------------------
def test_location_unknown_warns_and_uses_the_four_contiguous_zones():
    data = scenario(consumer={"addresses": [], "phones": [], "emails": []}, action={"channel": "letter"})

    at_noon_eastern = run(data, now="2026-03-10T16:00:00Z")
    at_9am_eastern = run({**data, "action": {"channel": "email"}}, now="2026-03-10T13:00:00Z")

    assert at_noon_eastern["allowed"] is True
    assert at_noon_eastern["reasons"] == [
        {
            "code": "LOCATION_UNKNOWN",
            "effect": "warn",
            "citation": "12 CFR 1006.6(b)(1)(i)",
            "message": at_noon_eastern["reasons"][0]["message"],
        }
    ]
    assert "America/Los_Angeles" in at_noon_eastern["reasons"][0]["message"]
    assert codes(at_9am_eastern) == ["INCONVENIENT_TIME", "LOCATION_UNKNOWN"]  # 06:00 in Los Angeles
    assert at_9am_eastern["next_allowed_at"] == "2026-03-10T15:00:00Z"  # 08:00 Pacific


def test_toll_free_number_is_not_a_location():
    data = scenario(
        consumer={"addresses": [], "phones": [{"number": "+18005550142"}]}, action={"target": None}
    )

    result = run(data, now="2026-03-10T16:00:00Z")

    assert codes(result) == ["LOCATION_UNKNOWN"]


def test_every_finding_has_the_published_effect_and_citation():
    data = scenario(
        consumer={"flags": ["cease_communication", "attorney_represented", "bankruptcy", "deceased"]},
        debt={
            **DISPUTED,
            "validation_notice_sent_on": None,
            "first_communication_at": "2026-03-01T15:00:00Z",
            "limitation_expires_on": "2025-01-01",
        },
        action={"purpose": "lawsuit"},
        history=calls(7, start="2026-03-09T13:00:00Z") + conversation("2026-03-09T21:00:00Z"),
        now="2026-03-11T02:00:00Z",
    )

    result = run(data)

    assert [(r["code"], r["effect"], r["citation"]) for r in result["reasons"]] == [
        ("REG_F_CALL_FREQUENCY", "block", "12 CFR 1006.14(b)(2)(i)(A)"),
        ("REG_F_POST_CONVERSATION", "block", "12 CFR 1006.14(b)(2)(i)(B)"),
        ("INCONVENIENT_TIME", "block", "12 CFR 1006.6(b)(1)(i)"),
        ("CEASE_COMMUNICATION", "block", "12 CFR 1006.6(c)"),
        ("ATTORNEY_REPRESENTED", "block", "12 CFR 1006.6(b)(2)"),
        ("BANKRUPTCY", "block", "11 U.S.C. 362(a)(6)"),
        ("DECEASED", "block", "12 CFR 1006.6(a)(4)"),
        ("DISPUTE_UNVERIFIED", "block", "12 CFR 1006.38(d)(2)"),
        ("VALIDATION_NOTICE_OVERDUE", "block", "12 CFR 1006.34(a)"),
        ("TIME_BARRED_SUIT", "block", "12 CFR 1006.26(b)"),
    ]
    assert result["next_allowed_at"] is None  # non-time rules block: waiting does not help
    assert all(r["message"] for r in result["reasons"])


def test_other_channel_codes_have_their_citations():
    sms = run(scenario(action={"channel": "sms"}, consumer={"opt_outs": ["sms"]}))
    email = run(
        scenario(
            action={"channel": "email", "target": "j@work.com"},
            consumer={"emails": [{"address": "j@work.com", "kind": "work"}]},
        )
    )
    work = run(
        scenario(
            action={"target": "+12125550199"},
            consumer={"phones": WORK, "flags": ["employer_prohibits_contact"]},
        )
    )
    ma = run(
        scenario(
            consumer=MA, action={"target": "+16175550142"}, history=calls(2, start="2026-03-09T14:00:00Z")
        )
    )
    wa = run(
        scenario(
            consumer=WA,
            action={"target": "+12065550142"},
            now="2026-03-10T18:00:00Z",
            history=sent(3, start="2026-03-06T18:00:00Z", debt_ids=["D2"]),
        )
    )

    assert [(r["code"], r["citation"]) for r in sms["reasons"]] == [
        ("MEDIUM_OPT_OUT", "12 CFR 1006.14(h)"),
        ("NO_SMS_CONSENT", "47 U.S.C. 227(b); 12 CFR 1006.6(d)(4)"),
    ]
    assert [(r["code"], r["citation"]) for r in email["reasons"]] == [("WORK_EMAIL", "12 CFR 1006.22(f)(3)")]
    assert [(r["code"], r["citation"]) for r in work["reasons"]] == [
        ("WORKPLACE_PROHIBITED", "12 CFR 1006.6(b)(3)")
    ]
    assert [(r["code"], r["citation"]) for r in ma["reasons"]] == [
        ("MA_CALL_FREQUENCY", "940 CMR 7.04(1)(f)")
    ]
    assert [(r["code"], r["citation"]) for r in wa["reasons"]] == [
        ("WA_CONTACT_FREQUENCY", "RCW 19.16.250(13)")
    ]
