"""Snapshots are change-only, re-runs give the same rows, and KPIs for a past day do not move when the
books change later (outside pytest-django's transaction: `snapshots_take` has its own)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.payments.services.posting import payment_post
from arrears.reports.models import AccountSnapshot, DailyRollup
from arrears.reports.selectors import drill_accounts, kpis_compute, roll_rate_matrix
from arrears.reports.services import snapshots_take

DAY1, DAY2, DAY3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


@pytest.mark.django_db(transaction=True)
def test_snapshots_store_changes_only_and_kpis_for_a_past_day_do_not_move(org, system, make_account):
    # given: two accounts placed 2026-10-01, one 20 days delinquent on DAY1
    a = make_account(
        principal=Decimal("1000.00"),
        placed_on=date(2026, 10, 1),
        itemization_date=date(2026, 10, 1),
        delinquent_since=date(2026, 10, 13),
    )
    make_account(principal=Decimal("500.00"), placed_on=date(2026, 10, 1), itemization_date=date(2026, 10, 1))
    snapshots_take(organization_id=org.pk, as_of=DAY1)
    before = kpis_compute(organization_id=org.pk, as_of=DAY1)

    # when: nothing changes on DAY2; a payment arrives on DAY3; DAY3 is taken twice
    snapshots_take(organization_id=org.pk, as_of=DAY2)
    payment_post(
        account=a,
        amount=Money(Decimal("250.00"), "USD"),
        method="card",
        received_at=datetime(2026, 11, 3, 15, tzinfo=UTC),
        actor=system,
        idempotency_key="k1",
    )
    snapshots_take(organization_id=org.pk, as_of=DAY3)
    rows_once = list(
        AccountSnapshot.objects.order_by("id").values_list("account_id", "valid_from", "valid_to")
    )
    snapshots_take(organization_id=org.pk, as_of=DAY3)
    rows_twice = list(
        AccountSnapshot.objects.order_by("account_id", "valid_from").values_list(
            "account_id", "valid_from", "valid_to"
        )
    )
    after = kpis_compute(organization_id=org.pk, as_of=DAY1)
    day3 = kpis_compute(organization_id=org.pk, as_of=DAY3)

    # then: 2 rows on DAY1, none for DAY2, one more for the account paid on DAY3
    assert sorted(rows_once) == sorted(rows_twice)
    assert len(rows_twice) == 3
    assert (a.pk, DAY1, DAY3) in rows_twice and (a.pk, DAY3, None) in rows_twice
    assert before == after  # DAY1's figures do not move
    assert (
        before["figures"]["receivables"] == "1500.0000" or Decimal(before["figures"]["receivables"]) == 1500
    )
    assert before["kpis"]["liquidation_rate"] == 0.0
    assert day3["kpis"]["liquidation_rate"] == round(250 / 1500, 4)
    assert Decimal(day3["figures"]["receivables"]) == 1250
    assert DailyRollup.objects.filter(day=DAY3).count() >= 1
    count, accounts = drill_accounts(organization_id=org.pk, as_of=DAY1, bucket="1-30")
    assert (count, [s.account_id for s in accounts]) == (1, [a.pk])
    matrix = roll_rate_matrix(organization_id=org.pk, start=DAY1, end=DAY3)
    assert matrix["current"]["current"] == 1 and matrix["1-30"]["1-30"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_day_before_the_latest_snapshot_is_refused(org, make_account):
    make_account()
    snapshots_take(organization_id=org.pk, as_of=DAY2)
    with pytest.raises(ArrearsError) as exc:
        snapshots_take(organization_id=org.pk, as_of=DAY1)
    assert exc.value.code == "REPORT_SNAPSHOT_OUT_OF_ORDER"
