"""Call requests: the queue's "call this account" marks from strategies, callbacks and managers."""

from datetime import UTC, datetime, timedelta

import pytest

from arrears.attempts.selectors import call_requests_open
from arrears.attempts.services import CallRequestIn, call_requests_add_many, call_requests_close
from arrears.audit.selectors import audit_list_for_account
from arrears.core.errors import ArrearsError

DUE = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_adding_twice_from_the_same_source_queues_once(make_account, org, system):
    a, b = make_account(), make_account()
    requests = [
        CallRequestIn(account_id=a.pk, due_at=DUE, reason="Step 2: call", source="strategy"),
        CallRequestIn(account_id=b.pk, due_at=DUE, reason="Step 2: call", source="strategy"),
    ]
    assert call_requests_add_many(organization_id=org.pk, requests=requests, actor=system) == 2
    assert call_requests_add_many(organization_id=org.pk, requests=requests, actor=system) == 0
    # Another source is another request: a callback stands beside the strategy's call.
    callback = CallRequestIn(
        account_id=a.pk, due_at=DUE + timedelta(hours=2), reason="Asked to call back", source="callback"
    )
    assert call_requests_add_many(organization_id=org.pk, requests=[callback], actor=system) == 1
    open_rows = list(call_requests_open(organization_id=org.pk))
    assert [(r.account_id, r.source) for r in open_rows] == [
        (a.pk, "strategy"),
        (b.pk, "strategy"),
        (a.pk, "callback"),
    ]
    assert [
        r.account_id for r in call_requests_open(organization_id=org.pk, due_before=DUE + timedelta(hours=1))
    ] == [
        a.pk,
        b.pk,
    ]
    assert [e.event for e in audit_list_for_account(principal=system, account_id=a.pk)].count(
        "call_request.added"
    ) == 2


@pytest.mark.django_db
def test_closing_closes_every_open_request_of_the_account_and_a_new_one_can_follow(make_account, org, system):
    a, b = make_account(), make_account()
    call_requests_add_many(
        organization_id=org.pk,
        requests=[
            CallRequestIn(account_id=a.pk, due_at=DUE, reason="call", source="strategy"),
            CallRequestIn(account_id=a.pk, due_at=DUE, reason="callback", source="callback"),
            CallRequestIn(account_id=b.pk, due_at=DUE, reason="call", source="manual"),
        ],
        actor=system,
    )
    assert call_requests_close(organization_id=org.pk, account_ids=[a.pk], reason="called", actor=system) == 2
    assert call_requests_close(organization_id=org.pk, account_ids=[a.pk], reason="called", actor=system) == 0
    assert [r.account_id for r in call_requests_open(organization_id=org.pk)] == [b.pk]
    again = CallRequestIn(account_id=a.pk, due_at=DUE, reason="call", source="strategy")
    assert call_requests_add_many(organization_id=org.pk, requests=[again], actor=system) == 1


@pytest.mark.django_db
def test_bad_requests_are_refused_before_anything_is_written(make_account, org, other_org, system):
    a = make_account()
    with pytest.raises(ArrearsError) as bad_source:
        call_requests_add_many(
            organization_id=org.pk,
            requests=[CallRequestIn(account_id=a.pk, due_at=DUE, reason="x", source="dialer")],
            actor=system,
        )
    assert bad_source.value.code == "CALL_REQUEST_SOURCE_INVALID"
    with pytest.raises(ArrearsError) as empty:
        call_requests_add_many(
            organization_id=org.pk,
            requests=[CallRequestIn(account_id=a.pk, due_at=DUE, reason="  ", source="manual")],
            actor=system,
        )
    assert empty.value.code == "CALL_REQUEST_REASON_EMPTY"
    # Another organization's principal cannot queue this organization's account.
    with pytest.raises(ArrearsError) as foreign:
        call_requests_add_many(
            organization_id=other_org.pk,
            requests=[CallRequestIn(account_id=a.pk, due_at=DUE, reason="x", source="manual")],
            actor=system,
        )
    assert foreign.value.code == "CALL_REQUEST_ACCOUNT_UNKNOWN"
    assert not call_requests_open(organization_id=org.pk).exists()
