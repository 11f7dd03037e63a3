"""The API's account-placing, promise, plan, settlement, hold and dispute resources: each creates, reads
and lists through the services the workbench uses, scoped to the token's organization and client."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import get_args

import pytest

from arrears.api import domain
from arrears.api.v1 import money_schemas as m
from arrears.core.clock import utcnow

pytestmark = pytest.mark.django_db
SOON = (utcnow().date() + timedelta(days=10)).isoformat()
LATER = (utcnow().date() + timedelta(days=40)).isoformat()


def _post(client, path, body, headers, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(path, body, content_type="application/json", **headers, **extra)


def _problem(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == code, response.json()


@pytest.fixture
def theirs(other_org, make_account, system):
    """Another organization's account, with a promise, a plan, a settlement and a hold."""
    from arrears.compliance.services import hold_place
    from arrears.core.money import Money
    from arrears.payments.services import PlanTerms, plan_create, promise_create, settlement_offer
    from arrears.tenancy.choices import Role
    from arrears.tenancy.domain import Principal
    from arrears.tenancy.services import client_create

    actor = Principal(organization_id=other_org.pk, role=Role.ADMIN, label="test")
    bank = client_create(organization=other_org, code="bank", name="Their Bank", actor=actor)
    account = make_account(reference="THEIRS-1", client=bank)
    today = utcnow().date()
    promise = promise_create(account=account, amount=Money(Decimal("10"), "USD"), due_on=today, actor=actor)
    terms = PlanTerms(frequency="monthly", first_due=today + timedelta(days=3), installments=2)
    plan = plan_create(account=account, terms=terms, actor=actor)
    settlement = settlement_offer(
        account=account,
        amount=Money(Decimal("900"), "USD"),
        expires_on=today + timedelta(days=5),
        actor=actor,
    )
    hold = hold_place(kind="cease_communication", account=account, reason="theirs", actor=actor)
    return {"account": account, "promise": promise, "plan": plan, "settlement": settlement, "hold": hold}


# --- accounts ---------------------------------------------------------------------------------------------


NEW_ACCOUNT = {
    "reference": "API-1",
    "currency": "USD",
    "principal": "1200.00",
    "fees": "35.00",
    "original_creditor": "First Bank Card",
    "delinquent_since": "2026-01-15",
    "debtor": {
        "first_name": "Ann",
        "last_name": "Lee",
        "phones": ["(212) 555-0142"],
        "emails": ["Ann.Lee@Example.com"],
        "address": {"line1": "1 Main St", "city": "Albany", "state": "ny", "postal_code": "12207"},
    },
}


def test_an_account_is_placed_with_a_new_debtor_as_an_import_row_would_be(client, bearer, client_):
    # when
    response = _post(client, "/api/v1/accounts", NEW_ACCOUNT, bearer)

    # then
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["reference"], body["client"], body["status"]) == ("API-1", "bank", "new")
    assert body["balance"]["principal"] == "1200.00" and body["balance"]["total"] == "1235.00"
    from arrears.accounts.models import Account

    account = Account.objects.get(pk=body["id"])
    debtor = account.debtors.get()
    assert (debtor.first_name, debtor.last_name) == ("Ann", "Lee")
    points = {(p.kind, p.value) for p in debtor.contact_points.all()}
    assert ("phone", "+12125550142") in points and ("email", "ann.lee@example.com") in points
    assert (account.jurisdiction_state, account.placed_on) == ("NY", utcnow().date())
    from arrears.ledger.models import LedgerEntry

    assert sum(e.amount for e in LedgerEntry.objects.filter(account=account)) == Decimal("1235.00")
    listed = client.get("/api/v1/accounts?limit=100", **bearer).json()["data"]
    assert body["id"] in [a["id"] for a in listed]


def test_an_account_is_placed_for_an_existing_debtor_of_the_organization_only(
    client, bearer, make_account, theirs
):
    # given
    mine = make_account(reference="OLD-1").debtors.get()
    their_debtor = theirs["account"].debtors.get()
    body = {"reference": "API-2", "currency": "USD", "principal": "50.00", "debtor_id": mine.pk}

    # when
    placed = _post(client, "/api/v1/accounts", body, bearer)
    foreign = _post(
        client, "/api/v1/accounts", {**body, "reference": "API-3", "debtor_id": their_debtor.pk}, bearer
    )

    # then
    assert placed.status_code == 201, placed.content
    _problem(foreign, 404, "DEBTOR_NOT_FOUND")


def test_placing_refuses_bad_input_with_a_coded_problem(client, bearer, make_account, org, system):
    from arrears.tenancy.services import client_create

    make_account(reference="TAKEN")
    base = {"reference": "API-9", "currency": "USD", "debtor": {"last_name": "Roe"}}

    _problem(
        _post(client, "/api/v1/accounts", {**base, "reference": "TAKEN"}, bearer),
        409,
        "ACCOUNT_REFERENCE_TAKEN",
    )
    _problem(
        _post(client, "/api/v1/accounts", {**base, "debtor": None}, bearer), 400, "IMPORT_DEBTOR_REQUIRED"
    )
    _problem(_post(client, "/api/v1/accounts", {**base, "debtor": {}}, bearer), 400, "DEBTOR_NAME_REQUIRED")
    _problem(
        _post(client, "/api/v1/accounts", {**base, "debtor": {"last_name": "Roe", "phones": ["12"]}}, bearer),
        400,
        "DEBTOR_INVALID_CONTACT",
    )
    _problem(
        _post(client, "/api/v1/accounts", {**base, "currency": "XYZ"}, bearer),
        400,
        "ACCOUNT_CURRENCY_INVALID",
    )
    _problem(
        _post(client, "/api/v1/accounts", {**base, "principal": "-5"}, bearer), 422, "API_VALIDATION_FAILED"
    )
    _problem(_post(client, "/api/v1/accounts", {**base, "client": "nope"}, bearer), 404, "CLIENT_NOT_FOUND")
    client_create(organization=org, code="store", name="Store", actor=system)
    _problem(_post(client, "/api/v1/accounts", base, bearer), 400, "CLIENT_REQUIRED")
    assert _post(client, "/api/v1/accounts", {**base, "client": "store"}, bearer).json()["client"] == "store"


def test_status_is_set_by_hand_and_recall_is_final(client, bearer, make_account, theirs):
    # given
    account = make_account(reference="ST-1")
    url = f"/api/v1/accounts/{account.pk}"

    # when
    held = _post(client, f"{url}/status", {"status": "on_hold", "reason": "client asked"}, bearer)
    recalled = _post(client, f"{url}/recall", {"reason": "client takes it back"}, bearer)
    again = _post(client, f"{url}/recall", {"reason": "twice"}, bearer)
    after = _post(client, f"{url}/status", {"status": "active", "reason": "reopen"}, bearer)

    # then
    assert held.status_code == 200 and held.json()["status"] == "on_hold"
    assert recalled.status_code == 200 and recalled.json()["status"] == "recalled"
    assert again.status_code == 200 and again.json()["status"] == "recalled"
    _problem(after, 409, "ACCOUNT_ILLEGAL_TRANSITION")
    _problem(
        _post(client, f"{url}/status", {"status": "paid", "reason": "x"}, bearer),
        422,
        "API_VALIDATION_FAILED",
    )
    _problem(_post(client, f"{url}/recall", {"reason": ""}, bearer), 422, "API_VALIDATION_FAILED")
    _problem(_post(client, f"{url}/recall", {"reason": "  "}, bearer), 422, "API_VALIDATION_FAILED")
    other = f"/api/v1/accounts/{theirs['account'].pk}"
    _problem(_post(client, f"{other}/recall", {"reason": "x"}, bearer), 404, "ACCOUNT_NOT_FOUND")
    _problem(
        _post(client, f"{other}/status", {"status": "closed", "reason": "x"}, bearer),
        404,
        "ACCOUNT_NOT_FOUND",
    )


# --- promises, plans, settlements -------------------------------------------------------------------------


def test_a_promise_is_created_read_listed_and_cancelled(client, bearer, make_account, theirs):
    # given
    account = make_account(reference="PR-1")
    body = {"account": "PR-1", "amount": "75.00", "currency": "USD", "due_on": SOON, "note": "payday"}

    # when
    made = _post(client, "/api/v1/promises", body, bearer)
    promise = made.json()
    read = client.get(f"/api/v1/promises/{promise['id']}", **bearer)
    listed = client.get(f"/api/v1/promises?account_id={account.pk}&status=pending", **bearer)
    cancelled = _post(client, f"/api/v1/promises/{promise['id']}/cancel", {"reason": "paid in full"}, bearer)
    twice = _post(client, f"/api/v1/promises/{promise['id']}/cancel", {}, bearer)

    # then
    assert made.status_code == 201, made.content
    assert (promise["amount"], promise["due_on"], promise["status"], promise["channel"]) == (
        "75.00",
        SOON,
        "pending",
        "api",
    )
    assert read.json() == promise
    assert [p["id"] for p in listed.json()["data"]] == [promise["id"]] and listed.json()["has_more"] is False
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    _problem(twice, 409, "PROMISE_NOT_PENDING")
    account.refresh_from_db()
    assert account.status == "active"  # promised, then no pending promise left
    _problem(client.get(f"/api/v1/promises/{theirs['promise'].pk}", **bearer), 404, "PROMISE_NOT_FOUND")
    _problem(
        _post(client, f"/api/v1/promises/{theirs['promise'].pk}/cancel", {}, bearer), 404, "PROMISE_NOT_FOUND"
    )
    assert theirs["promise"].pk not in [
        p["id"] for p in client.get("/api/v1/promises?limit=100", **bearer).json()["data"]
    ]


def test_promises_refuse_bad_input_with_a_coded_problem(client, bearer, make_account):
    make_account(reference="PR-2")
    body = {"account": "PR-2", "amount": "75.00", "currency": "USD", "due_on": SOON}
    past = (utcnow().date() - timedelta(days=3)).isoformat()

    _problem(_post(client, "/api/v1/promises", {**body, "due_on": past}, bearer), 400, "PROMISE_INVALID")
    _problem(_post(client, "/api/v1/promises", {**body, "amount": "0"}, bearer), 400, "PROMISE_INVALID")
    _problem(
        _post(client, "/api/v1/promises", {**body, "currency": "EUR"}, bearer),
        400,
        "PAYMENT_CURRENCY_MISMATCH",
    )
    _problem(_post(client, "/api/v1/promises", {**body, "account": "NOPE"}, bearer), 404, "ACCOUNT_NOT_FOUND")
    _problem(
        _post(client, "/api/v1/promises", {**body, "currency": "HUB"}, bearer), 400, "API_CURRENCY_UNKNOWN"
    )
    settle = {"account": "PR-2", "amount": "6", "currency": "HUB", "expires_on": SOON}
    _problem(_post(client, "/api/v1/settlements", settle, bearer), 400, "API_CURRENCY_UNKNOWN")
    _problem(
        _post(client, "/api/v1/promises", {**body, "due_on": "9999-12-31"}, bearer),
        422,
        "API_VALIDATION_FAILED",
    )
    _problem(client.get("/api/v1/promises?status=lost", **bearer), 422, "API_VALIDATION_FAILED")
    _problem(client.get("/api/v1/promises?limit=101", **bearer), 422, "API_VALIDATION_FAILED")


def test_a_plan_is_created_with_its_schedule_read_listed_and_cancelled(client, bearer, make_account, theirs):
    # given
    account = make_account(reference="PL-1", principal=Decimal("900.00"))
    body = {
        "account": "PL-1",
        "currency": "USD",
        "frequency": "monthly",
        "first_due": SOON,
        "installments": 3,
    }

    # when
    made = _post(client, "/api/v1/plans", body, bearer)
    plan = made.json()
    second = _post(client, "/api/v1/plans", body, bearer)
    read = client.get(f"/api/v1/plans/{plan['id']}", **bearer)
    listed = client.get(f"/api/v1/plans?account_id={account.pk}", **bearer)
    account.refresh_from_db()
    on_plan = account.status
    cancelled = _post(client, f"/api/v1/plans/{plan['id']}/cancel", {"reason": "debtor asked"}, bearer)

    # then
    assert made.status_code == 201, made.content
    assert plan["total"] == "900.00" and plan["status"] == "active"
    assert [i["amount"] for i in plan["installments"]] == ["300.00", "300.00", "300.00"]
    assert plan["installments"][0]["due_on"] == SOON and plan["confirmation"]["text"]
    _problem(second, 409, "PLAN_ACTIVE_PLAN_EXISTS")
    assert read.json() == plan
    assert [p["id"] for p in listed.json()["data"]] == [plan["id"]]
    assert on_plan == "on_plan"
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    account.refresh_from_db()
    assert account.status == "active"
    _problem(
        _post(client, f"/api/v1/plans/{plan['id']}/cancel", {"reason": "again"}, bearer), 409, "PLAN_NOT_OPEN"
    )
    _problem(client.get(f"/api/v1/plans/{theirs['plan'].pk}", **bearer), 404, "PLAN_NOT_FOUND")
    _problem(
        _post(client, f"/api/v1/plans/{theirs['plan'].pk}/cancel", {"reason": "x"}, bearer),
        404,
        "PLAN_NOT_FOUND",
    )


def test_a_plan_on_custom_dates_and_bad_schedules(client, bearer, make_account):
    make_account(reference="PL-2", principal=Decimal("100.00"))
    custom = {
        "account": "PL-2",
        "currency": "USD",
        "frequency": "custom",
        "dates": [SOON, LATER],
        "total": "100.00",
    }

    made = _post(client, "/api/v1/plans", custom, bearer)

    assert made.status_code == 201, made.content
    assert [(i["due_on"], i["amount"]) for i in made.json()["installments"]] == [
        (SOON, "50.00"),
        (LATER, "50.00"),
    ]
    make_account(reference="PL-3", principal=Decimal("100.00"))
    bad = {"account": "PL-3", "currency": "USD", "frequency": "monthly", "first_due": SOON}
    _problem(_post(client, "/api/v1/plans", bad, bearer), 400, "PLAN_INVALID_SCHEDULE")
    past = (utcnow().date() - timedelta(days=40)).isoformat()
    _problem(
        _post(client, "/api/v1/plans", {**bad, "installments": 2, "first_due": past}, bearer),
        400,
        "PLAN_INVALID_SCHEDULE",
    )
    _problem(_post(client, "/api/v1/plans", {**bad, "installments": 0}, bearer), 422, "API_VALIDATION_FAILED")


def test_a_settlement_within_the_collectors_limit_is_approved_above_it_waits_for_a_manager(
    client, bearer, make_account, theirs
):
    # given: 1,000 owed on each
    make_account(reference="SE-1")
    make_account(reference="SE-2")

    # when
    small = _post(
        client,
        "/api/v1/settlements",
        {"account": "SE-1", "amount": "950.00", "currency": "USD", "expires_on": SOON},
        bearer,
    )
    large = _post(
        client,
        "/api/v1/settlements",
        {"account": "SE-2", "amount": "400.00", "currency": "USD", "expires_on": SOON},
        bearer,
    )

    # then
    assert small.status_code == 201, small.content
    assert (small.json()["status"], small.json()["discount_pct"]) == ("approved", "5.00")
    assert large.status_code == 201, large.content
    assert large.json()["status"] == "pending_approval" and large.json()["required_role"] in (
        "manager",
        "admin",
    )
    pending = client.get("/api/v1/settlements?status=pending_approval", **bearer).json()["data"]
    assert [s["id"] for s in pending] == [large.json()["id"]]
    assert client.get(f"/api/v1/settlements/{small.json()['id']}", **bearer).json() == small.json()
    _problem(
        client.get(f"/api/v1/settlements/{theirs['settlement'].pk}", **bearer), 404, "SETTLEMENT_NOT_FOUND"
    )
    past = (utcnow().date() - timedelta(days=1)).isoformat()
    body = {"account": "SE-1", "amount": "950.00", "currency": "USD", "expires_on": past}
    _problem(_post(client, "/api/v1/settlements", body, bearer), 400, "SETTLEMENT_INVALID")
    _problem(
        _post(client, "/api/v1/settlements", {**body, "expires_on": SOON, "kind": "installments"}, bearer),
        400,
        "SETTLEMENT_INVALID",
    )


def test_a_settlement_in_installments_carries_its_plan(client, bearer, make_account):
    make_account(reference="SE-3")
    body = {
        "account": "SE-3",
        "amount": "960.00",
        "currency": "USD",
        "expires_on": LATER,
        "kind": "installments",
        "plan": {"frequency": "monthly", "first_due": SOON, "installments": 2},
    }

    made = _post(client, "/api/v1/settlements", body, bearer)

    assert made.status_code == 201, made.content
    plan = client.get(f"/api/v1/plans/{made.json()['plan_id']}", **bearer).json()
    assert [i["amount"] for i in plan["installments"]] == ["480.00", "480.00"]
    _problem(
        _post(client, f"/api/v1/plans/{plan['id']}/cancel", {"reason": "x"}, bearer), 409, "PLAN_NOT_OPEN"
    )


# --- holds and disputes -----------------------------------------------------------------------------------


def test_holds_and_disputes_are_placed_listed_read_and_lifted(client, bearer, make_account, theirs):
    # given
    account = make_account(reference="HO-1")
    url = f"/api/v1/accounts/{account.pk}"

    # when
    hold = _post(client, f"{url}/holds", {"kind": "cease_communication", "reason": "letter received"}, bearer)
    dispute = _post(client, f"{url}/disputes", {"reason": "not my debt", "written": True}, bearer)
    lifted = _post(
        client, f"/api/v1/holds/{hold.json()['id']}/lift", {"reason": "revoked in writing"}, bearer
    )

    # then
    assert hold.status_code == 201, hold.content
    assert dispute.status_code == 201, dispute.content
    assert dispute.json()["kind"] == "dispute" and dispute.json()["details"]["written"] is True
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert lifted.json()["lift_reason"] == "revoked in writing"
    every = client.get(f"{url}/holds", **bearer).json()["data"]
    active = client.get(f"{url}/holds?active=true", **bearer).json()["data"]
    disputes = client.get(f"{url}/disputes", **bearer).json()["data"]
    assert [h["id"] for h in every] == [hold.json()["id"], dispute.json()["id"]]
    assert [h["id"] for h in active] == [h["id"] for h in disputes] == [dispute.json()["id"]]
    assert client.get(f"/api/v1/holds/{dispute.json()['id']}", **bearer).json() == dispute.json()
    _problem(
        _post(client, f"/api/v1/holds/{hold.json()['id']}/lift", {"reason": "again"}, bearer),
        409,
        "COMPLIANCE_HOLD_ALREADY_LIFTED",
    )
    decision = _post(client, "/api/v1/compliance/decisions", {"account": "HO-1", "channel": "letter"}, bearer)
    assert decision.json()["allowed"] is False  # the dispute stops collection
    _problem(
        _post(client, f"{url}/holds", {"kind": "vacation", "reason": "x"}, bearer),
        422,
        "API_VALIDATION_FAILED",
    )
    other = theirs["hold"].pk
    _problem(client.get(f"/api/v1/holds/{other}", **bearer), 404, "COMPLIANCE_HOLD_NOT_FOUND")
    _problem(
        _post(client, f"/api/v1/holds/{other}/lift", {"reason": "x"}, bearer),
        404,
        "COMPLIANCE_HOLD_NOT_FOUND",
    )
    _problem(client.get(f"/api/v1/accounts/{theirs['account'].pk}/holds", **bearer), 404, "ACCOUNT_NOT_FOUND")
    _problem(
        _post(client, f"/api/v1/accounts/{theirs['account'].pk}/disputes", {"reason": "x"}, bearer),
        404,
        "ACCOUNT_NOT_FOUND",
    )


# --- tenancy, scopes, idempotency, webhooks ---------------------------------------------------------------


def test_a_client_token_sees_and_writes_only_its_clients_accounts(
    client, org, system, make_account, make_token, client_
):
    # given: two clients, a token of the first
    from arrears.tenancy.services import client_create

    store = client_create(organization=org, code="store", name="Store", actor=system)
    mine = make_account(reference="C-1")
    other = make_account(reference="C-2", client=store)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {make_token(org, client=client_)}"}
    org_headers = {"HTTP_AUTHORIZATION": f"Bearer {make_token(org, name='org')}"}
    promise = {"amount": "5.00", "currency": "USD", "due_on": SOON}
    theirs = _post(client, "/api/v1/promises", {**promise, "account": "C-2"}, org_headers).json()

    # when
    placed = _post(
        client,
        "/api/v1/accounts",
        {"reference": "C-3", "currency": "USD", "debtor": {"last_name": "Q"}},
        headers,
    )
    elsewhere = _post(
        client,
        "/api/v1/accounts",
        {"reference": "C-4", "currency": "USD", "client": "store", "debtor": {"last_name": "Q"}},
        headers,
    )
    own = _post(client, "/api/v1/promises", {**promise, "account": "C-1"}, headers)
    foreign = _post(client, "/api/v1/promises", {**promise, "account": "C-2"}, headers)
    their_debtor = _post(
        client,
        "/api/v1/accounts",
        {"reference": "C-5", "currency": "USD", "debtor_id": other.debtors.get().pk},
        headers,
    )

    # then
    assert placed.status_code == 201 and placed.json()["client"] == "bank"
    _problem(elsewhere, 404, "CLIENT_NOT_FOUND")
    assert own.status_code == 201
    _problem(foreign, 404, "ACCOUNT_NOT_FOUND")
    _problem(their_debtor, 404, "DEBTOR_NOT_FOUND")
    _problem(client.get(f"/api/v1/promises/{theirs['id']}", **headers), 404, "PROMISE_NOT_FOUND")
    listed = client.get("/api/v1/promises?limit=100", **headers).json()["data"]
    assert [p["account"] for p in listed] == ["C-1"]
    _problem(
        _post(client, f"/api/v1/accounts/{other.pk}/holds", {"kind": "scra", "reason": "x"}, headers),
        404,
        "ACCOUNT_NOT_FOUND",
    )
    assert (
        _post(
            client, f"/api/v1/accounts/{mine.pk}/holds", {"kind": "scra", "reason": "x"}, headers
        ).status_code
        == 201
    )
    store_hold = _post(
        client, f"/api/v1/accounts/{other.pk}/holds", {"kind": "scra", "reason": "x"}, org_headers
    ).json()
    _problem(client.get(f"/api/v1/holds/{store_hold['id']}", **headers), 404, "COMPLIANCE_HOLD_NOT_FOUND")


def test_each_resource_has_its_read_and_write_scopes(client, org, make_account, make_token):
    # given
    account = make_account(reference="SC-1")
    reader = {"HTTP_AUTHORIZATION": f"Bearer {make_token(org, scopes='promises:read,plans:read')}"}
    body = {"account": "SC-1", "amount": "5.00", "currency": "USD", "due_on": SOON}

    # then
    assert {"promises:write", "plans:write", "settlements:write", "holds:write"} <= set(domain.scopes_known())
    assert client.get("/api/v1/promises", **reader).status_code == 200
    assert client.get("/api/v1/plans", **reader).status_code == 200
    _problem(_post(client, "/api/v1/promises", body, reader), 403, "API_SCOPE_MISSING")
    _problem(client.get("/api/v1/settlements", **reader), 403, "API_SCOPE_MISSING")
    _problem(client.get(f"/api/v1/accounts/{account.pk}/holds", **reader), 403, "API_SCOPE_MISSING")
    placing = {"reference": "X", "currency": "USD", "debtor": {"last_name": "X"}}
    _problem(_post(client, "/api/v1/accounts", placing, reader), 403, "API_SCOPE_MISSING")


def test_lists_page_by_id_with_has_more(client, bearer, make_account):
    for i in range(3):
        make_account(reference=f"PG-{i}")
        _post(
            client,
            "/api/v1/promises",
            {"account": f"PG-{i}", "amount": "5.00", "currency": "USD", "due_on": SOON},
            bearer,
        )

    first = client.get("/api/v1/promises?limit=2", **bearer).json()
    rest = client.get(f"/api/v1/promises?limit=2&starting_after={first['data'][-1]['id']}", **bearer).json()

    assert [p["account"] for p in first["data"]] == ["PG-0", "PG-1"] and first["has_more"] is True
    assert [p["account"] for p in rest["data"]] == ["PG-2"] and rest["has_more"] is False


def test_the_query_literals_are_the_models_choices():
    from arrears.compliance.choices import HoldKind
    from arrears.payments.choices import PlanStatus, PromiseStatus, SettlementStatus

    assert set(get_args(m.PromiseStatus)) == set(PromiseStatus.values)
    assert set(get_args(m.PlanStatus)) == set(PlanStatus.values)
    assert set(get_args(m.SettlementStatus)) == set(SettlementStatus.values)
    assert set(get_args(m.HoldKind)) == set(HoldKind.values)


def test_the_webhook_catalogue_has_the_promise_plan_settlement_and_hold_events(org, system, make_account):
    from arrears.api.models import WebhookDelivery
    from arrears.api.services import webhook_endpoint_create, webhooks_sweep
    from arrears.compliance.services import hold_lift, hold_place
    from arrears.core.money import Money
    from arrears.payments.services import PlanTerms, plan_cancel, plan_create, promise_create

    wanted = ["promise.created", "plan.created", "plan.cancelled", "settlement.offered", "hold.lifted"]
    assert set(wanted) <= set(domain.webhook_event_types())
    account = make_account(reference="WH-1")
    webhook_endpoint_create(organization_id=org.pk, url="https://example.com/h", events=wanted, actor=system)
    today = utcnow().date()

    promise_create(account=account, amount=Money(Decimal("5"), "USD"), due_on=today, actor=system)
    plan = plan_create(
        account=account, terms=PlanTerms(frequency="weekly", first_due=today, installments=2), actor=system
    )
    plan_cancel(plan=plan, actor=system, reason="test")
    hold_lift(
        hold=hold_place(kind="scra", account=account, reason="x", actor=system), actor=system, reason="y"
    )
    webhooks_sweep()

    delivered = list(WebhookDelivery.objects.order_by("pk").values_list("event_type", "payload"))
    assert [t for t, _ in delivered] == ["promise.created", "plan.created", "plan.cancelled", "hold.lifted"]
    assert delivered[1][1]["data"]["object"] == "plan" and delivered[1][1]["data"]["id"] == str(plan.pk)


# --- Idempotency-Key on the creating POSTs ------------------------------------------------------------


CREATES = [
    (
        "/api/v1/promises",
        {"account": "ID-1", "amount": "5.00", "currency": "USD", "due_on": SOON},
        "amount",
        "6.00",
    ),
    (
        "/api/v1/plans",
        {"account": "ID-1", "currency": "USD", "frequency": "weekly", "first_due": SOON, "installments": 4},
        "installments",
        5,
    ),
    (
        "/api/v1/settlements",
        {"account": "ID-1", "amount": "990.00", "currency": "USD", "expires_on": SOON},
        "amount",
        "980.00",
    ),
    (
        "/api/v1/accounts",
        {"reference": "ID-2", "currency": "USD", "debtor": {"last_name": "Idem"}},
        "principal",
        "5.00",
    ),
]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("path", "body", "field", "other"), CREATES, ids=[c[0].rsplit("/", 1)[1] for c in CREATES]
)
def test_a_replayed_key_creates_once_and_other_parameters_are_422(
    client, bearer, make_account, path, body, field, other
):
    # given
    make_account(reference="ID-1")
    first = _post(client, path, body, bearer, key="k-1")

    # when
    again = _post(client, path, body, bearer, key="k-1")
    changed = _post(client, path, {**body, field: other}, bearer, key="k-1")

    # then
    assert first.status_code == 201, first.content
    assert (
        again.status_code == 201 and again.content == first.content and again["Idempotent-Replayed"] == "true"
    )
    _problem(changed, 422, "API_IDEMPOTENCY_KEY_MISMATCH")
    listing = path if path != "/api/v1/accounts" else "/api/v1/accounts?limit=100"
    ids = [row["id"] for row in client.get(listing, **bearer).json()["data"]]
    assert ids.count(first.json()["id"]) == 1 and len(ids) == (2 if path == "/api/v1/accounts" else 1)


@pytest.mark.django_db(transaction=True)
def test_a_plan_write_is_atomic_a_refused_schedule_leaves_nothing(client, bearer, make_account):
    # given: a plan whose first installment is in the past is refused after the account is locked
    from arrears.audit.models import AuditEvent
    from arrears.payments.models import PaymentPlan

    account = make_account(reference="AT-1")
    seen = AuditEvent.objects.count()
    past = (utcnow().date() - timedelta(days=40)).isoformat()

    # when
    refused = _post(
        client,
        "/api/v1/plans",
        {"account": "AT-1", "currency": "USD", "frequency": "monthly", "first_due": past, "installments": 2},
        bearer,
    )

    # then
    _problem(refused, 400, "PLAN_INVALID_SCHEDULE")
    assert not PaymentPlan.objects.filter(account=account).exists()
    assert AuditEvent.objects.count() == seen
    account.refresh_from_db()
    assert account.status == "new"


@pytest.mark.django_db(transaction=True)
def test_a_placed_account_commits_with_its_debtor_and_a_refused_one_leaves_no_debtor(client, bearer, client_):
    from arrears.accounts.models import Account
    from arrears.debtors.models import Debtor

    body = {"reference": "AT-2", "currency": "USD", "principal": "10.00", "debtor": {"last_name": "Atom"}}
    placed = _post(client, "/api/v1/accounts", body, bearer)
    debtors = Debtor.objects.count()

    taken = _post(client, "/api/v1/accounts", body, bearer)

    assert placed.status_code == 201
    _problem(taken, 409, "ACCOUNT_REFERENCE_TAKEN")
    assert Debtor.objects.count() == debtors  # the second debtor was rolled back with its account
    assert Account.objects.filter(reference="AT-2").count() == 1


@pytest.mark.parametrize("resource", ["promises", "plans", "settlements"])
def test_a_list_costs_the_same_queries_for_one_row_or_many(
    client, bearer, make_account, resource, django_assert_num_queries
):
    # given
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    bodies = {
        "promises": {"amount": "5.00", "currency": "USD", "due_on": SOON},
        "plans": {"frequency": "weekly", "first_due": SOON, "installments": 3},
        "settlements": {"amount": "990.00", "currency": "USD", "expires_on": SOON},
    }
    for i in range(4):
        make_account(reference=f"Q-{i}")
        made = _post(client, f"/api/v1/{resource}", {"account": f"Q-{i}", **bodies[resource]}, bearer)
        assert made.status_code == 201, made.content
    client.get(f"/api/v1/{resource}?limit=1", **bearer)  # the token's last use is written once

    # when
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(f"/api/v1/{resource}?limit=1", **bearer).json()["data"]) == 1
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(f"/api/v1/{resource}?limit=4", **bearer).json()["data"]) == 4

    # then
    assert len(four) == len(one) <= 3, [q["sql"] for q in four]
