"""Read models of holds for `reports` (credit-bureau furnishing: disputes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Q

from .choices import HoldKind
from .models import Hold


def dispute_states(*, organization_id: int, through: date) -> dict[int, str]:
    """Per account: "open" when a dispute hold is in force at the end of `through`, "resolved" when every
    dispute placed by then has been lifted by then."""
    end = datetime.combine(through + timedelta(days=1), time.min, tzinfo=UTC)
    rows = Hold.objects.filter(
        organization_id=organization_id, kind=HoldKind.DISPUTE, account__isnull=False, placed_at__lt=end
    ).values_list("account_id", "lifted_at")
    out: dict[int, str] = {}
    for account_id, lifted_at in rows:
        open_ = lifted_at is None or lifted_at >= end
        if open_ or out.get(account_id) != "open":
            out[account_id] = "open" if open_ else out.get(account_id, "resolved")
    return out


def disputes_placed_since(*, organization_id: int, since: datetime) -> list[tuple[int, int]]:
    """(hold id, account id) of disputes placed at or after `since`."""
    return list(
        Hold.objects.filter(
            Q(account__isnull=False),
            organization_id=organization_id,
            kind=HoldKind.DISPUTE,
            placed_at__gte=since,
        ).values_list("id", "account_id")
    )
