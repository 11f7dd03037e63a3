"""Holds and validation notices on the account timeline."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.db.models import Q

from arrears.core.timeline import TimelineItem
from arrears.tenancy.domain import Principal

from .models import Hold, ValidationNotice

if TYPE_CHECKING:
    from arrears.accounts.models import Account


def items(*, principal: Principal, account: Account) -> Iterator[TimelineItem]:
    org = principal.organization_id
    debtor_ids = list(account.account_debtors.values_list("debtor_id", flat=True))
    holds = Hold.objects.filter(
        Q(account=account) | Q(account__isnull=True, debtor_id__in=debtor_ids), organization_id=org
    )
    for h in holds.order_by("-placed_at"):
        yield TimelineItem(
            at=h.placed_at,
            kind="hold",
            title=f"Hold placed: {h.get_kind_display()}",
            detail=h.reason,
            actor=h.placed_by_label,
            ref=f"hold:{h.pk}",
        )
        if h.lifted_at:
            yield TimelineItem(
                at=h.lifted_at,
                kind="hold",
                title=f"Hold lifted: {h.get_kind_display()}",
                detail=h.lift_reason,
                actor=h.lifted_by_label,
                ref=f"hold:{h.pk}:lifted",
            )
    for n in ValidationNotice.objects.filter(organization_id=org, account=account).order_by("-created_at"):
        yield TimelineItem(
            at=n.created_at,
            kind="validation_notice",
            title="Validation notice provided",
            detail=f"provided on {n.provided_on}, validation period ends {n.ends_on}",
            actor=n.created_by_label,
            ref=f"validation_notice:{n.pk}",
        )
