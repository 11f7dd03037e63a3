"""Card payments through a `PaymentProvider`: open a hosted checkout, post the payment when the
provider's signed webhook says it is paid. One payment per checkout session (key `<provider>:<session>`),
however often the provider retries the webhook."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.core.money import Money, quantize
from arrears.tenancy.domain import Principal, system_principal

from .choices import CheckoutStatus, PaymentMethod
from .errors import PaymentError
from .models import CheckoutSession
from .providers import CheckoutRequest, PaymentProvider
from .services import payment_post

if TYPE_CHECKING:
    from arrears.accounts.models import Account


@transaction.atomic
def card_checkout_start(
    *,
    account: Account,
    amount: Money,
    provider: PaymentProvider,
    actor: Principal,
    idempotency_key: str,
    success_url: str,
    cancel_url: str,
) -> CheckoutSession:
    """Open a hosted checkout for `amount` on `account`; the same key returns the same session."""
    if amount.currency != account.currency or amount.amount <= 0:
        raise ArrearsError(PaymentError.CURRENCY_MISMATCH, f"a positive amount in {account.currency}")
    if quantize(amount.amount, amount.currency) != amount.amount:
        raise ArrearsError(PaymentError.AMOUNT_NOT_POSITIVE, f"more decimals than {amount.currency} has")
    hosted = provider.checkout_create(
        CheckoutRequest(
            organization_id=account.organization_id,
            account_id=account.pk,
            amount=amount.amount,
            currency=amount.currency,
            description=f"Payment on account {account.reference}",
            success_url=success_url,
            cancel_url=cancel_url,
            idempotency_key=idempotency_key,
        )
    )
    session, created = CheckoutSession.objects.get_or_create(
        provider=provider.name,
        session_id=hosted.session_id,
        defaults={
            "organization_id": account.organization_id,
            "account": account,
            "url": hosted.url,
            "amount": amount.amount,
            "currency": amount.currency,
        },
    )
    if created:
        audit_record(
            actor=actor,
            event=Event.CARD_CHECKOUT_OPENED,
            subject_type="checkout_session",
            subject_id=session.pk,
            account_id=account.pk,
            data={"provider": provider.name, "session": hosted.session_id, "amount": amount.amount},
        )
    return session


@transaction.atomic
def card_webhook_handle(
    *, provider: PaymentProvider, payload: bytes, signature: str
) -> CheckoutSession | None:
    """Verify and apply one webhook call. Returns the session it concerned, or None (not ours, or an
    event we do not act on). A repeated delivery changes nothing."""
    event = provider.event_parse(payload, signature)
    if event.kind == "ignored":
        return None
    session = (
        CheckoutSession.objects.select_for_update()
        .filter(provider=provider.name, session_id=event.session_id)
        .select_related("account")
        .first()
    )
    if session is None or session.status != CheckoutStatus.OPEN:
        return session
    actor = system_principal(session.organization_id, provider.name)
    if event.kind == "expired":
        session.status = CheckoutStatus.EXPIRED
        session.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=actor,
            event=Event.CARD_CHECKOUT_EXPIRED,
            subject_type="checkout_session",
            subject_id=session.pk,
            account_id=session.account_id,
            data={"event": event.event_id},
        )
        return session
    assert event.amount is not None  # noqa: S101 - a paid event carries its amount
    payment = payment_post(
        account=session.account,
        amount=Money(event.amount, event.currency),
        method=PaymentMethod.CARD,
        received_at=event.occurred_at or utcnow(),
        actor=actor,
        idempotency_key=f"{provider.name}:{session.session_id}",
        reference=event.reference[:100],
    )
    session.status, session.payment = CheckoutStatus.PAID, payment
    session.save(update_fields=["status", "payment", "updated_at"])
    audit_record(
        actor=actor,
        event=Event.CARD_CHECKOUT_PAID,
        subject_type="checkout_session",
        subject_id=session.pk,
        account_id=session.account_id,
        data={
            "event": event.event_id,
            "payment": payment.pk,
            "amount": event.amount,
            "currency": event.currency,
        },
    )
    return session
