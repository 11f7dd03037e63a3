"""The organization's contact policy: stricter than the law, never looser, and read by the gate."""

from datetime import UTC, datetime, time, timedelta

import pytest

from arrears.audit.events import Event
from arrears.audit.models import AuditEvent
from arrears.compliance.models import ContactPolicy
from arrears.compliance.policy import policy_problems
from arrears.compliance.selectors import contact_policy, primary_debtor
from arrears.compliance.services import contact_policy_set, decide
from arrears.contact.services import contact_attempt_record
from arrears.core.errors import ArrearsError

# Monday 9 March 2026, 13:00 UTC = 09:00 EDT in New York (the test debtors live there).
MONDAY = datetime(2026, 3, 9, 13, tzinfo=UTC)
LAW = {"call_limit": 7, "earliest": time(8), "latest": time(21), "weekend_calls": True, "holiday_calls": True}


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        pytest.param({"call_limit": 8}, "call_limit", id="1006.14(b)(2)(i)(A)-more-than-7-calls"),
        pytest.param({"call_limit": 0}, "call_limit", id="at-least-one-call"),
        pytest.param({"earliest": time(7, 59)}, "earliest", id="1006.6(b)(1)(i)-before-8am"),
        pytest.param({"latest": time(21, 1)}, "latest", id="1006.6(b)(1)(i)-after-9pm"),
        pytest.param({"earliest": time(12), "latest": time(12)}, "latest", id="empty-window"),
    ],
)
def test_a_policy_looser_than_the_law_is_refused_by_field(limits, field):
    wanted = {"call_limit": 7, "earliest": time(8), "latest": time(21), **limits}

    problems = policy_problems(**wanted)

    assert list(problems) == [field]


def test_the_law_itself_and_anything_stricter_pass():
    assert policy_problems(call_limit=7, earliest=time(8), latest=time(21)) == {}
    assert policy_problems(call_limit=1, earliest=time(9, 30), latest=time(17)) == {}


def _calls(account, system, n, start=MONDAY):
    debtor = primary_debtor(account)
    phone = debtor.contact_points.get(kind="phone")
    for i in range(n):
        contact_attempt_record(
            debtor=debtor, channel="call", direction="outbound", outcome="no_answer", accounts=[account],
            contact_point=phone, actor=system, at=start + timedelta(hours=i),
        )  # fmt: skip


def test_a_stricter_cap_of_4_blocks_the_5th_call(make_account, system, org):
    # given: 4 calls this morning; the law allows 3 more
    account = make_account()
    _calls(account, system, 4)
    at = MONDAY + timedelta(hours=5)
    before = decide(account=account, channel="call", at=at, actor=system)

    # when
    contact_policy_set(organization_id=org.pk, actor=system, **{**LAW, "call_limit": 4})
    after = decide(account=account, channel="call", at=at, actor=system)

    # then
    assert before.allowed
    assert not after.allowed and after.codes == ["ORG_CALL_FREQUENCY"]
    assert "allows 4 in 7 consecutive days" in after.reasons[0]["message"]
    # the window clears once the first call is 7 local dates old: Monday 16 March, 08:00 New York
    assert after.next_allowed_at == datetime(2026, 3, 16, 12, tzinfo=UTC)


def test_the_law_still_blocks_the_8th_call_with_the_default_policy(make_account, system):
    account = make_account()
    _calls(account, system, 7)

    decision = decide(account=account, channel="call", at=MONDAY + timedelta(hours=8), actor=system)

    assert decision.codes == ["REG_F_CALL_FREQUENCY"], (
        "the organization rule stays silent at the law's own limit"
    )


def test_a_narrower_window_changes_the_gate_decision(make_account, system, org):
    # given: 18:30 in New York, inside the law's window
    account = make_account()
    evening = datetime(2026, 3, 9, 22, 30, tzinfo=UTC)
    assert decide(account=account, channel="email", at=evening, actor=system).allowed

    # when
    contact_policy_set(
        organization_id=org.pk, actor=system, **{**LAW, "earliest": time(9), "latest": time(18)}
    )
    email = decide(account=account, channel="email", at=evening, actor=system)
    letter = decide(account=account, channel="letter", at=evening, actor=system)
    early = decide(account=account, channel="call", at=MONDAY - timedelta(minutes=30), actor=system)

    # then
    assert email.codes == ["ORG_CONTACT_HOURS"]
    assert email.next_allowed_at == datetime(2026, 3, 10, 13, tzinfo=UTC), "09:00 New York the next day"
    assert letter.allowed, "a letter is not timed"
    assert early.codes == ["ORG_CONTACT_HOURS"], "08:30 is before the organization's 09:00"


def test_no_calls_at_weekends_or_on_holidays_when_the_organization_says_so(make_account, system, org):
    account = make_account()
    saturday = datetime(2026, 3, 14, 15, tzinfo=UTC)
    memorial_day = datetime(2026, 5, 25, 15, tzinfo=UTC)
    assert decide(account=account, channel="call", at=saturday, actor=system).allowed

    contact_policy_set(
        organization_id=org.pk, actor=system, **{**LAW, "weekend_calls": False, "holiday_calls": False}
    )

    weekend = decide(account=account, channel="call", at=saturday, actor=system)
    holiday = decide(account=account, channel="call", at=memorial_day, actor=system)
    email = decide(account=account, channel="email", at=saturday, actor=system)
    assert weekend.codes == ["ORG_WEEKEND_CALL"]
    assert weekend.next_allowed_at == datetime(2026, 3, 16, 12, tzinfo=UTC), "Monday 08:00 New York"
    assert holiday.codes == ["ORG_HOLIDAY_CALL"]
    assert email.allowed, "the weekend rule is about calls"


def test_a_looser_policy_is_refused_and_a_change_is_audited(org, system, other_org):
    with pytest.raises(ArrearsError) as refused:
        contact_policy_set(organization_id=org.pk, actor=system, **{**LAW, "call_limit": 8})

    contact_policy_set(organization_id=org.pk, actor=system, **{**LAW, "latest": time(20)})
    contact_policy_set(organization_id=org.pk, actor=system, **{**LAW, "latest": time(20)})

    assert refused.value.code == "COMPLIANCE_POLICY_LOOSER_THAN_LAW"
    assert refused.value.details["field"] == "call_limit"
    events = AuditEvent.objects.filter(event=Event.COMPLIANCE_POLICY_CHANGED)
    assert [e.data for e in events] == [{"latest": {"from": "21:00", "to": "20:00"}}], (
        "an unchanged save is silent"
    )
    assert contact_policy(organization_id=org.pk).latest == time(20)
    assert contact_policy(organization_id=other_org.pk).latest == time(21), (
        "another organization keeps the law's"
    )


@pytest.mark.django_db(transaction=True)
def test_the_policy_and_its_audit_event_commit_together(org, system):
    contact_policy_set(organization_id=org.pk, actor=system, **{**LAW, "call_limit": 3})

    assert ContactPolicy.objects.get(pk=org.pk).call_limit == 3
    assert AuditEvent.objects.filter(event=Event.COMPLIANCE_POLICY_CHANGED, subject_id=org.pk).count() == 1
