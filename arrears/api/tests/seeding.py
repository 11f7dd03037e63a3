"""One of each API row (and a promise and a plan), for the tests that walk every route (bad input)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

from arrears.api.models import ApiToken, WebhookDelivery
from arrears.api.services import token_create, webhook_endpoint_create
from arrears.core.clock import utcnow
from arrears.core.money import Money
from arrears.payments.services import PlanTerms, plan_create, promise_create
from arrears.payments.services.posting import payment_post


def api_seed(*, organization_id, account, actor) -> SimpleNamespace:
    token = token_create(
        organization_id=organization_id, client=None, name="seed", scopes="*", expires_at=None, actor=actor
    ).token
    endpoint = webhook_endpoint_create(
        organization_id=organization_id,
        url="https://example.com/hook",
        events=["payment.posted"],
        actor=actor,
    ).endpoint
    now = utcnow()
    delivery = WebhookDelivery.objects.create(
        organization_id=organization_id,
        endpoint=endpoint,
        event_id="evt_seed",
        event_type="payment.posted",
        payload={},
        status="failed",
        next_attempt_at=now,
        created_at=now,
    )
    payment = payment_post(
        account=account,
        amount=Money(Decimal("5.00"), account.currency),
        method="cash",
        received_at=now,
        actor=actor,
        idempotency_key=f"seed-{organization_id}",
    )
    assert isinstance(token, ApiToken)
    promise = promise_create(
        account=account,
        amount=Money(Decimal("5.00"), account.currency),
        due_on=now.date() + timedelta(days=3),
        actor=actor,
    )
    plan = plan_create(
        account=account,
        terms=PlanTerms(frequency="monthly", first_due=now.date() + timedelta(days=3), installments=2),
        actor=actor,
    )
    return SimpleNamespace(
        token=token, endpoint=endpoint, delivery=delivery, payment=payment, promise=promise, plan=plan
    )
