"""The work queue: never an account the gate blocks now; ranked by expected money with reasons; whose
queue an account is in; callbacks and promises move it up."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.accounts.services import accounts_assign
from arrears.compliance.services import decide, hold_place
from arrears.core.money import Money
from arrears.payments.services import promise_create
from arrears.scoring.selectors import work_queue, work_queue_json
from arrears.scoring.services import accounts_score
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal
from arrears.tenancy.services import membership_team_set, team_create

# 11:00 in New York on a Monday: inside the calling hours for every test account.
AT = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)


def collector(org, user):
    return Principal(organization_id=org.pk, role=Role.COLLECTOR, user_id=user.pk, label=user.username)


@pytest.fixture
def accounts(make_account, system):
    made = [make_account(principal=Decimal(500 + 250 * i)) for i in range(8)]
    # two the law does not let us call now: a cease-communication request and a bankruptcy
    hold_place(kind="cease_communication", actor=system, account=made[6], reason="asked in writing")
    hold_place(kind="bankruptcy", actor=system, account=made[7], reason="chapter 7")
    return made


@pytest.mark.django_db
def test_the_queue_never_offers_an_account_the_gate_blocks_now(org, system, accounts, make_user):
    # given scored accounts, two of them under holds (the largest balances, so they would rank first)
    accounts_score(organization_id=org.pk, at=AT)
    user = make_user(org)

    # when
    queue = work_queue(principal=collector(org, user), user_id=user.pk, at=AT, limit=50)

    # then every offered account is one the gate allows calling now (asked the stored way, one by one)
    offered = {r.account_id for r in queue.rows}
    assert offered == {a.pk for a in accounts[:6]}
    for account in accounts[:6]:
        assert decide(account=account, channel="call", at=AT, actor=system).allowed
    later = {r.account_id: r for r in queue.later}
    assert set(later) == {accounts[6].pk, accounts[7].pk}
    assert all(r.contactable_at is None and r.why for r in later.values())


@pytest.mark.django_db
def test_the_queue_ranks_by_expected_money_and_says_why(org, accounts, make_user):
    accounts_score(organization_id=org.pk, at=AT)
    user = make_user(org)

    queue = work_queue(principal=collector(org, user), user_id=user.pk, at=AT, limit=3)
    doc = work_queue_json(queue)

    values = [Decimal(a["expected_value"]) for a in doc["accounts"]]
    assert len(values) == 3 and values == sorted(values, reverse=True)
    assert all(a["reasons"] and 0 <= a["score"] <= 1 for a in doc["accounts"])
    assert doc["accounts"][0]["contactable_at"] == AT.isoformat()


@pytest.mark.django_db
def test_owned_team_and_pool_queues(org, system, accounts, make_user):
    # given one account owned by Ann, one shared by Ann's team, one owned by Bob
    ann, bob, cat = (
        make_user(org, username="ann"),
        make_user(org, username="bob"),
        make_user(org, username="cat"),
    )
    team = team_create(organization_id=org.pk, name="Early stage", actor=system)
    membership_team_set(organization_id=org.pk, user_id=ann.pk, team_id=team.pk, actor=system)
    membership_team_set(organization_id=org.pk, user_id=cat.pk, team_id=team.pk, actor=system)
    accounts_assign(account_ids=[accounts[0].pk], user_id=ann.pk, actor=system)
    accounts_assign(account_ids=[accounts[1].pk], team_id=team.pk, actor=system)
    accounts_assign(account_ids=[accounts[2].pk], user_id=bob.pk, actor=system)
    accounts_score(organization_id=org.pk, at=AT)

    def ids(user):
        return {
            r.account_id
            for r in work_queue(principal=collector(org, user), user_id=user.pk, at=AT, limit=50).rows
        }

    pool = {a.pk for a in accounts[3:6]}
    assert ids(ann) == {accounts[0].pk, accounts[1].pk} | pool
    assert ids(cat) == {accounts[1].pk} | pool
    assert ids(bob) == {accounts[2].pk} | pool


@pytest.mark.django_db
def test_a_promise_due_today_and_a_callback_move_an_account_up(org, system, accounts, make_user):
    from arrears.attempts.services import CallRequestIn, call_requests_add_many

    accounts_score(organization_id=org.pk, at=AT)
    user = make_user(org)
    smallest = accounts[0]
    promise_create(
        account=smallest,
        amount=Money(Decimal("400.00"), "USD"),
        due_on=date(2026, 11, 30),
        actor=system,
        today=date(2026, 11, 20),
    )
    call_requests_add_many(
        organization_id=org.pk,
        requests=[
            CallRequestIn(accounts[1].pk, AT - timedelta(hours=1), "asked to be called back", "callback")
        ],
        actor=system,
    )

    rows = work_queue(principal=collector(org, user), user_id=user.pk, at=AT, limit=50).rows

    by_id = {r.account_id: r for r in rows}
    assert by_id[smallest.pk].reasons[0].startswith("Promise of 400.00 due today")
    assert by_id[accounts[1].pk].reasons[0] == "Callback due: asked to be called back"
    assert rows[0].account_id in {smallest.pk, accounts[1].pk}


@pytest.mark.django_db
def test_the_queue_follows_the_organizations_contact_window(org, system, accounts, make_user):
    # given 11:00 in New York, and an organization that calls only from 12:00
    from datetime import time

    from arrears.compliance.services import contact_policy_set

    accounts_score(organization_id=org.pk, at=AT)
    user = make_user(org)
    contact_policy_set(
        organization_id=org.pk, actor=system, call_limit=7, earliest=time(12), latest=time(21),
        weekend_calls=True, holiday_calls=True,
    )  # fmt: skip

    # when
    queue = work_queue(principal=collector(org, user), user_id=user.pk, at=AT, limit=50)

    # then nobody is callable now; the free ones are contactable at 12:00 New York (17:00 UTC)
    assert queue.rows == []
    later = {r.account_id: r for r in queue.later}
    assert {later[a.pk].contactable_at for a in accounts[:6]} == {datetime(2026, 11, 30, 17, tzinfo=UTC)}


@pytest.mark.django_db
def test_before_calling_hours_the_queue_stops_reading_when_nothing_is_callable(
    org, accounts, make_user, monkeypatch
):
    # given eight scored accounts, read one at a time, at 05:00 in New York: none may be called
    from arrears.scoring import selectors

    accounts_score(organization_id=org.pk, at=AT)
    user = make_user(org)
    monkeypatch.setattr(selectors, "POOL", 1)
    monkeypatch.setattr(selectors, "BARREN_ROUNDS", 3)
    rounds = []
    real = selectors.queue_candidates
    monkeypatch.setattr(selectors, "queue_candidates", lambda **kw: rounds.append(kw) or real(**kw))
    early = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

    queue = work_queue(principal=collector(org, user), user_id=user.pk, at=early, limit=2)

    # then nothing is offered, "Not now" lists them, and it stopped after three rounds (the first is
    # the promises and callbacks due: none) instead of reading all eight
    assert queue.rows == []
    assert len(queue.later) == 2
    assert len(rounds) == 2
