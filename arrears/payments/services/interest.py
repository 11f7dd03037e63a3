"""Interest and fees: daily simple interest on principal up to a date (capped by state, SCRA and
holds), and the late fees of missed installments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.audit.events import Event
from arrears.core.clock import utcnow
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.selectors import ledger_bucket_changes
from arrears.ledger.services import EntrySpec, ledger_post
from arrears.tenancy.domain import Principal

from .. import domain
from ..choices import FeeKind
from ..errors import InterestError
from ..models import Installment, InterestAccrual, PaymentPlan
from ._common import ZERO, _lock, _rule, local_date
from .holds import MoneyFacts, account_money_facts

if TYPE_CHECKING:
    from arrears.accounts.models import Account


def accrual_start(account: Account) -> date:
    """Where interest starts on an account that has none accrued here yet: the later of the
    itemization date and the placement. A placed balance (an import, a creditor's file) already holds
    the interest charged up to the placement, so accruing from the itemization date would charge that
    stretch twice (12 CFR 1006.22(b), FDCPA 808(1): no amount not expressly authorized)."""
    known = [d for d in (account.itemization_date, account.placed_on) if d is not None]
    if known:
        return max(known)
    return account.opened_on or local_date(account.created_at, account.organization)


@transaction.atomic
def interest_accrue(
    *,
    account: Account | int,
    through: date,
    actor: Principal,
    facts: MoneyFacts | None = None,
    state_cap: Decimal | None = None,
) -> InterestAccrual | None:
    """Accrue daily simple interest on principal up to `through` and leave a run marker.

    Starts where the last marker ended (or at ``accrual_start``). Nothing happens if `through`
    is already covered, so running twice for a date posts nothing the second time. While interest
    is suspended (a hold where the law stops it) the marker moves on with zero: it does not catch up.
    """
    locked = _lock(account, actor)
    last = (
        InterestAccrual.objects.filter(account=locked)
        .order_by("-through")
        .values_list("through", flat=True)
        .first()
    )
    start = last or accrual_start(locked)
    if start >= through or locked.interest_rate <= 0:
        return None
    facts = facts or account_money_facts(accounts=[locked], on=through, actor=actor)[locked.pk]
    changes = ledger_bucket_changes(account=locked, bucket=Bucket.PRINCIPAL, after=start)
    opening = locked.balance_principal - sum((delta for _, delta in changes), ZERO)
    segments = domain.principal_segments(start=start, end=through, opening=opening, changes=changes)
    try:
        accrual = domain.interest_accrue(
            segments=segments,
            contract_rate=locked.interest_rate,
            basis=locked.interest_basis,
            currency=locked.currency,
            state_cap=state_cap,
            scra_active=facts.scra_active,
        )
    except domain.RuleError as exc:
        raise _rule(exc, InterestError.INVALID_BASIS) from exc
    amount = ZERO if facts.interest_suspended else accrual.amount
    if amount > 0:
        ledger_post(
            account=locked,
            entries=[
                EntrySpec(
                    EntryKind.INTEREST,
                    Bucket.INTEREST,
                    amount,
                    memo=f"interest {start}..{through} at {accrual.rate}% {locked.interest_basis}",
                )
            ],
            effective_on=through,
            actor=actor,
            source=("interest", f"{locked.pk}:{through}"),
            event=Event.INTEREST_ACCRUED,
        )
    return InterestAccrual.objects.create(
        organization_id=locked.organization_id,
        account=locked,
        start=start,
        through=through,
        amount=amount,
        forgiven=ZERO if facts.interest_suspended else accrual.forgiven,
        rate=accrual.rate,
        basis=locked.interest_basis,
        days=accrual.days,
        suspended=facts.interest_suspended,
        scra=facts.scra_active,
        created_at=utcnow(),
    )


def _late_fee_post(
    plan: PaymentPlan, inst: Installment, *, account: Account, actor: Principal, on: date
) -> None:
    policy = domain.FeePolicy(plan.late_fee_kind or FeeKind.FLAT, plan.late_fee_value, plan.late_fee_cap)
    try:
        fee = domain.late_fee(policy, base=inst.amount, currency=plan.currency)
    except domain.RuleError as exc:
        raise _rule(exc, InterestError.INVALID_FEE) from exc
    if fee > 0:
        ledger_post(
            account=account,
            entries=[
                EntrySpec(
                    EntryKind.FEE,
                    Bucket.FEES,
                    fee,
                    memo=f"late fee: installment {inst.seq} of plan {plan.pk}",
                )
            ],
            effective_on=on,
            actor=actor,
            source=("late_fee", str(inst.pk)),
            event=Event.FEE_LATE,
        )
