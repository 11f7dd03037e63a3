"""Idempotency-Key with Stripe's meaning: replay, conflicting parameters, in flight."""

from __future__ import annotations

from decimal import Decimal

import pytest

from arrears.api.models import IdempotencyKey
from arrears.payments.models import Payment

BODY = {"account": "IDEM-1", "amount": "10.00", "currency": "USD", "method": "cash"}


def _post(client, bearer, body, key):
    return client.post(
        "/api/v1/payments", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **bearer
    )


@pytest.mark.django_db(transaction=True)
def test_a_replayed_key_returns_the_first_response_and_posts_once(client, bearer, make_account):
    # given
    account = make_account(reference="IDEM-1", principal=Decimal("100.00"))
    first = _post(client, bearer, BODY, "key-1")

    # when
    again = _post(client, bearer, BODY, "key-1")

    # then
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.filter(account=account).count() == 1
    account.refresh_from_db()
    assert account.balance_principal == Decimal("90.00")


@pytest.mark.django_db(transaction=True)
def test_the_same_key_with_other_parameters_is_422(client, bearer, make_account):
    # given
    make_account(reference="IDEM-1")
    _post(client, bearer, BODY, "key-2")

    # when
    other = _post(client, bearer, {**BODY, "amount": "11.00"}, "key-2")

    # then
    assert other.status_code == 422
    assert other["Content-Type"] == "application/problem+json"
    assert other.json()["code"] == "API_IDEMPOTENCY_KEY_MISMATCH"
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_key_still_in_flight_is_409(client, bearer, make_account, org):
    # given: another request holds the key (claimed, not finished)
    make_account(reference="IDEM-1")
    first = _post(client, bearer, BODY, "key-3")
    IdempotencyKey.objects.filter(key="key-3").update(state="in_flight", body="", status_code=None)

    # when
    racing = _post(client, bearer, BODY, "key-3")

    # then
    assert first.status_code == 201
    assert racing.status_code == 409 and racing.json()["code"] == "API_IDEMPOTENCY_KEY_IN_FLIGHT"


@pytest.mark.django_db(transaction=True)
def test_an_error_is_replayed_too(client, bearer, make_account):
    make_account(reference="IDEM-1")
    bad = {**BODY, "amount": "0"}

    first = _post(client, bearer, bad, "key-4")
    again = _post(client, bearer, bad, "key-4")

    assert first.status_code == again.status_code == 400
    assert again["Idempotent-Replayed"] == "true" and again.content == first.content


@pytest.mark.django_db(transaction=True)
def test_keys_are_per_organization(client, org, other_org, make_token, make_account):
    # given: the same key used by two organizations
    make_account(reference="IDEM-1")
    mine = {"HTTP_AUTHORIZATION": f"Bearer {make_token(org)}"}
    theirs = {"HTTP_AUTHORIZATION": f"Bearer {make_token(other_org)}"}
    _post(client, mine, BODY, "shared")

    # when
    other = _post(client, theirs, BODY, "shared")

    # then: not a replay of acme's payment, but their own answer (no such account there)
    assert other.status_code == 404
