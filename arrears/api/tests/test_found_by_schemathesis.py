"""Requests schemathesis found answered with a 500, kept as tests: each must be a 4xx problem."""

from __future__ import annotations

from decimal import Decimal

import pytest

pytestmark = pytest.mark.django_db


def test_fees_past_what_a_balance_holds_are_a_400_not_a_500(client, bearer, make_account):
    # given: a balance near the 15 digits a balance column holds
    account = make_account(reference="BIG-1", principal=Decimal("900000000000000.00"))
    paid = [
        client.post(
            "/api/v1/payments",
            {"account": "BIG-1", "amount": "1.00", "currency": "USD", "method": "cash"},
            content_type="application/json",
            **bearer,
        ).json()
        for _ in range(2)
    ]

    def reverse(payment):
        return client.post(
            f"/api/v1/payments/{payment['id']}/reverse",
            {"reason": "nsf", "fee": "891708893080066.7246"},
            content_type="application/json",
            **bearer,
        )

    # when: two returned-payment fees of 891 trillion each
    first = reverse(paid[0])
    account.refresh_from_db()
    fees = account.balance_fees
    second = reverse(paid[1])

    # then
    assert first.status_code == 200, first.content
    assert second.status_code == 400 and second.json()["code"] == "LEDGER_AMOUNT_OUT_OF_RANGE"
    account.refresh_from_db()
    assert account.balance_fees == fees
