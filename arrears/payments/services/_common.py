"""What the money-in services share: business dates, the account lock, status moves along the
lifecycle, and the payments already posted."""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from arrears.accounts.domain import TRANSITIONS
from arrears.accounts.selectors import account_lock, account_status
from arrears.accounts.services import account_transition, accounts_transition_many
from arrears.core.bulk import in_array
from arrears.core.clock import ensure_aware, utcnow
from arrears.core.errors import ArrearsError
from arrears.ledger.domain import OWED_BUCKETS
from arrears.tenancy.domain import Principal

from .. import domain
from ..choices import PaymentStatus
from ..models import Payment

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.models import Organization

ZERO = Decimal(0)


def _rule(exc: domain.RuleError, code: str) -> ArrearsError:
    return ArrearsError(code, str(exc))


def local_date(at: datetime, organization: Organization) -> date:
    """The business date of an instant in the organization's time zone."""
    return ensure_aware(at).astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()


def organization_today(organization: Organization) -> date:
    return local_date(utcnow(), organization)


def _owed(account: Account) -> Decimal:
    return sum((getattr(account, f"balance_{b}") for b in OWED_BUCKETS), ZERO)


def _lock(account: Account | int, actor: Principal) -> Account:
    pk = account if isinstance(account, int) else account.pk
    return account_lock(account_id=pk, organization_id=actor.organization_id, with_organization=True)


def _follow(account: Account, to: str, *, actor: Principal, reason: str) -> None:
    """Move the account's status along when the lifecycle allows it; otherwise leave it (a payment on
    a disputed or recalled account does not change why it is there)."""
    current = account_status(account_id=account.pk)
    if current != to and to in TRANSITIONS.get(current, frozenset()):
        account_transition(account=account, to=to, actor=actor, reason=reason)


def _follow_many(
    statuses: Mapping[int, str], to: str, *, reasons: Mapping[int, str], actor: Principal
) -> None:
    """`_follow` for many accounts at once: ``statuses`` is each account's status as read under its
    lock; those of ``reasons`` whose lifecycle allows it move to ``to``, each with its reason."""
    moves = [
        (pk, to) for pk in reasons if statuses[pk] != to and to in TRANSITIONS.get(statuses[pk], frozenset())
    ]
    if moves:
        accounts_transition_many(moves=moves, actor=actor, reasons=reasons)


def posted_payments_of(*, account_ids: Sequence[int]) -> list[tuple[int, date, Decimal]]:
    """The posted payments of many accounts: (account id, received on, amount), in one query."""
    return list(
        Payment.objects.filter(account_id__in=in_array(account_ids), status=PaymentStatus.POSTED)
        .order_by("account_id", "received_on", "pk")
        .values_list("account_id", "received_on", "amount")
    )


def _posted_payments(account: Account) -> list[tuple[date, Decimal]]:
    return list(
        Payment.objects.filter(account=account, status=PaymentStatus.POSTED).values_list(
            "received_on", "amount"
        )
    )
