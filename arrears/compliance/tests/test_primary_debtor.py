"""The gate decides about the primary debtor, in the primary debtor's time zone, when no debtor is named.

The co-debtor lives three hours away: a call the co-debtor's clock would allow is still blocked when it
falls outside 8:00-21:00 where the primary debtor lives (Reg F 1006.6(b)(1)(i)).
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.accounts.tests.factories import shared_account
from arrears.compliance.notices import validation_notice_content
from arrears.compliance.selectors import contact_now_panel, facts_base, primary_debtor
from arrears.compliance.services import GateRequest, decide, decide_many

pytestmark = pytest.mark.django_db

# (primary's state, co-debtor's state, a time outside the primary's hours but inside the co-debtor's)
LATE_OR_EARLY = pytest.mark.parametrize(
    ("primary_state", "co_debtor_state", "at"),
    [
        # 21:30 in New York is 18:30 in San Francisco.
        ("NY", "CA", datetime(2026, 3, 10, 21, 30, tzinfo=ZoneInfo("America/New_York"))),
        # 7:30 in San Francisco is 10:30 in New York.
        ("CA", "NY", datetime(2026, 3, 10, 7, 30, tzinfo=ZoneInfo("America/Los_Angeles"))),
    ],
    ids=["primary-ny-at-21:30", "primary-ca-at-7:30"],
)
ORDERS = pytest.mark.parametrize(
    "co_debtor_first", [True, False], ids=["co-debtor-first", "co-debtor-second"]
)
UNKNOWN_NUMBER = "(646) 555-0199"  # on no debtor's file: the gate falls back to the primary debtor


@ORDERS
@LATE_OR_EARLY
def test_a_call_outside_the_primary_debtors_hours_is_blocked(
    client_, system, co_debtor_first, primary_state, co_debtor_state, at
):
    shared = shared_account(
        client=client_,
        co_debtor_first=co_debtor_first,
        primary_state=primary_state,
        co_debtor_state=co_debtor_state,
    )
    # The co-debtor's own clock allows the call: only the primary debtor's time zone blocks it.
    assert decide(
        account=shared.account,
        channel="call",
        target=UNKNOWN_NUMBER,
        at=at,
        actor=system,
        debtor=shared.co_debtor,
    ).allowed

    decision = decide(account=shared.account, channel="call", target=UNKNOWN_NUMBER, at=at, actor=system)

    assert decision.debtor_id == shared.primary.pk
    assert decision.codes == ["INCONVENIENT_TIME"]


@ORDERS
@LATE_OR_EARLY
def test_a_batch_of_gate_requests_decides_about_the_primary_debtor(
    client_, system, co_debtor_first, primary_state, co_debtor_state, at
):
    shared = shared_account(
        client=client_,
        co_debtor_first=co_debtor_first,
        primary_state=primary_state,
        co_debtor_state=co_debtor_state,
    )

    [result] = decide_many(
        requests=[GateRequest(account=shared.account, channel="call", target=UNKNOWN_NUMBER)],
        at=at,
        actor=system,
    )

    assert result.debtor_id == shared.primary.pk
    assert not result.allowed
    assert [r["code"] for r in result.reasons] == ["INCONVENIENT_TIME"]


@ORDERS
@LATE_OR_EARLY
def test_the_contact_now_panel_shows_the_primary_debtors_phone_and_hours(
    client_, system, co_debtor_first, primary_state, co_debtor_state, at
):
    shared = shared_account(
        client=client_,
        co_debtor_first=co_debtor_first,
        primary_state=primary_state,
        co_debtor_state=co_debtor_state,
    )

    rows = contact_now_panel(principal=system, account=shared.account, at=at)

    call = next(r for r in rows if r.channel == "call")
    assert call.target == shared.primary.contact_points.get(kind="phone").value
    assert not call.allowed
    assert [f.code for f in call.decision.reasons] == ["INCONVENIENT_TIME"]


@ORDERS
def test_facts_and_validation_notice_are_about_the_primary_debtor(client_, co_debtor_first):
    shared = shared_account(
        client=client_, co_debtor_first=co_debtor_first, itemization_date=date(2026, 1, 31)
    )

    base = facts_base(account=shared.account, at=datetime(2026, 3, 10, 15, tzinfo=ZoneInfo("UTC")))
    notice = validation_notice_content(account=shared.account, provided_on=date(2026, 3, 2))

    assert primary_debtor(shared.account) == shared.primary
    assert base.debtor_id == shared.primary.pk
    assert notice.debtor == shared.primary
    assert notice.mailing_address == shared.primary.contact_points.get(kind="address")
