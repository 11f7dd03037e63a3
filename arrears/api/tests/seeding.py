"""One of each API row (and a promise and a plan), for the tests that walk every route (bad input)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


def api_contact_seed(*, organization, account, template, actor) -> SimpleNamespace:
    """What the debtors, attempts and messages routes point at: the account's debtor and a contact point,
    a logged call and a queued message (for the tests that walk every route)."""
    from arrears.contact.calls import call_log
    from arrears.contact.messaging import message_queue

    debtor = account.debtors.get()
    point = debtor.contact_points.order_by("pk").first()
    afternoon = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 14:00 in New York, a Tuesday
    call = call_log(
        accounts=[account],
        number=debtor.contact_points.filter(kind="phone").first().value,
        direction="outbound",
        outcome="no_answer",
        started_at=afternoon,
        actor=actor,
    )
    message = message_queue(template=template, account=account, actor=actor)
    return SimpleNamespace(debtor=debtor, point=point, attempt=call.attempt, message=message)
