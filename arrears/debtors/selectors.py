from __future__ import annotations

from django.db.models import Prefetch

from arrears.accounts.models import Account, AccountDebtor
from arrears.accounts.selectors import debtor_link_order
from arrears.tenancy.domain import Principal

from .models import ContactPoint, Debtor


def debtors_for_account(*, principal: Principal, account: Account) -> list[tuple[str, Debtor]]:
    """The account's debtors (primary first) with their contact points, as (role, debtor)."""
    points = ContactPoint.objects.order_by("kind", "-is_primary", "id")
    links = (
        AccountDebtor.objects.filter(account=account, organization_id=principal.organization_id)
        .select_related("debtor")
        .prefetch_related(Prefetch("debtor__contact_points", queryset=points))
        .order_by(*debtor_link_order())
    )
    return [(link.role, link.debtor) for link in links]
