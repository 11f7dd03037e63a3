"""Exchange rates: the organization's rates between two currencies, by date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.errors import ArrearsError
from arrears.tenancy.domain import Principal

from ..errors import PaymentError
from ..models import ExchangeRate


@transaction.atomic
def exchange_rate_set(
    *, organization_id: int, base: str, quote: str, rate: Decimal, on: date, source: str, actor: Principal
) -> ExchangeRate:
    if rate <= 0 or base == quote:
        raise ArrearsError(PaymentError.NO_EXCHANGE_RATE, "a rate is positive and between two currencies")
    row, _ = ExchangeRate.objects.update_or_create(
        organization_id=organization_id,
        base=base,
        quote=quote,
        on=on,
        defaults={"rate": rate, "source": source},
    )
    audit_record(
        actor=actor,
        event=Event.EXCHANGE_RATE_SET,
        subject_type="exchange_rate",
        subject_id=row.pk,
        data={"base": base, "quote": quote, "rate": str(rate), "on": on.isoformat(), "source": source},
    )
    return row
