"""Reads for compliance: the facts a decision is made from, holds, decisions and the contact-now panel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from arrears.accounts.errors import AccountError
from arrears.accounts.selectors import account_debtor_ids, debtor_links_for_decisions
from arrears.accounts.selectors import primary_debtor as account_primary_debtor
from arrears.core.bulk import among
from arrears.core.errors import ArrearsError, NotFound
from arrears.tenancy.domain import Principal

from .domain import evaluate
from .errors import ComplianceError
from .facts import Decision, Facts
from .gather import FactsBase, Request, facts_bases, policies_for
from .models import Decision as StoredDecision
from .models import Hold, ValidationNotice
from .policy import Policy

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import ContactPoint, Debtor


def _account_holds(*, organization_id: int, account: Account) -> QuerySet[Hold]:
    """Holds on the account itself and debtor-wide holds on any of its debtors."""
    debtor_ids = account_debtor_ids(account=account)
    return (
        Hold.objects.filter(organization_id=organization_id)
        .filter(Q(account=account) | Q(account__isnull=True, debtor_id__in=debtor_ids))
        .select_related("debtor")
    )


def holds_for_account(
    *, principal: Principal, account: Account, include_lifted: bool = False
) -> QuerySet[Hold]:
    """Active holds that concern the account (and, if asked, lifted ones after them), newest first."""
    qs = _account_holds(organization_id=principal.organization_id, account=account)
    if not include_lifted:
        qs = qs.filter(lifted_at__isnull=True)
    return qs.order_by("lifted_at", "-placed_at", "-id")


def hold_get(*, principal: Principal, pk: int) -> Hold:
    """A hold the principal may see: a principal of some clients only sees the holds on their
    accounts (a debtor-wide hold spans clients)."""
    qs = Hold.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        qs = qs.filter(account__client_id__in=principal.client_ids)
    try:
        return qs.select_related("account", "debtor").get(pk=pk)
    except Hold.DoesNotExist:
        raise NotFound(ComplianceError.HOLD_NOT_FOUND, f"no hold {pk}") from None


def holds_page(
    *,
    principal: Principal,
    account: Account,
    starting_after: int | None,
    limit: int,
    kind: str | None = None,
    include_lifted: bool = True,
) -> list[Hold]:
    """A cursor page (by id) of the holds that concern the account (the caller looked it up through
    `principal`): its own and its debtors' debtor-wide holds; of one kind, or only active, if asked."""
    qs = _account_holds(organization_id=principal.organization_id, account=account)
    if kind:
        qs = qs.filter(kind=kind)
    if not include_lifted:
        qs = qs.filter(lifted_at__isnull=True)
    if starting_after is not None:
        qs = qs.filter(pk__gt=starting_after)
    return list(qs.select_related("account").order_by("pk")[:limit])


def decisions_for_account(*, principal: Principal, account: Account) -> QuerySet[StoredDecision]:
    return StoredDecision.objects.filter(organization_id=principal.organization_id, account=account).order_by(
        "-at", "-id"
    )


def validation_notices_for_account(*, principal: Principal, account: Account) -> QuerySet[ValidationNotice]:
    """The validation notices sent for the account, oldest first."""
    return ValidationNotice.objects.filter(
        account=account, organization_id=principal.organization_id
    ).order_by("provided_on", "pk")


def primary_debtor(account: Account) -> Debtor:
    """The account's primary debtor; an account without one is an error here."""
    debtor = account_primary_debtor(account)
    if debtor is None:
        raise ArrearsError(ComplianceError.NO_DEBTOR, f"account {account.reference} has no debtor")
    return debtor


def facts_base(*, account: Account, at: datetime, debtor: Debtor | None = None) -> FactsBase:
    """The facts about ``account`` and its debtor (the primary one unless given), as of ``at``: the batch
    builder with a batch of one, so one decision and a batch's decisions read the same facts."""
    return facts_bases(requests=[Request(account=account, debtor=debtor)], at=at)[0]


def decision_facts(
    *,
    account: Account,
    channel: str,
    target: str | ContactPoint | None,
    purpose: str,
    at: datetime,
    debtor: Debtor | None = None,
) -> tuple[Facts, Debtor, ContactPoint | None]:
    """The facts for one proposed action, read from the database. The debtor is the given one, else the
    target's owner (a contact point's debtor, or the account's debtor with that number or address), else
    the account's primary debtor."""
    base = facts_bases(requests=[Request(account=account, target=target, debtor=debtor)], at=at)[0]
    facts, point = base.for_action(channel=channel, target=target, purpose=purpose)
    return facts, base.debtor, point


# --- the account page's "Contact now?" panel -------------------------------------------------------------

PANEL_CHANNELS = (("call", "phone"), ("sms", "phone"), ("email", "email"), ("letter", "address"))


@dataclass(frozen=True, slots=True)
class PanelRow:
    channel: str
    target: str | None
    decision: Decision | None  # None when there is nothing to send it to

    @property
    def allowed(self) -> bool:
        return bool(self.decision and self.decision.allowed)


def contact_now_panel(*, principal: Principal, account: Account, at: datetime) -> list[PanelRow]:
    """Per channel: would contacting the primary debtor now be allowed, why not, and from when.

    Reads only; nothing is stored (the decision is stored when the contact is actually made).
    """
    if account.organization_id != principal.organization_id:
        raise NotFound(AccountError.NOT_FOUND, f"no account {account.pk}")
    base = facts_base(account=account, at=at)
    rows = []
    for channel, kind in PANEL_CHANNELS:
        point = next((p for p in base.points if p.kind == kind), None)
        if point is None:
            rows.append(PanelRow(channel=channel, target=None, decision=None))
            continue
        facts, _ = base.for_action(channel=channel, target=point, purpose="collection")
        rows.append(PanelRow(channel=channel, target=point.value, decision=evaluate(facts, now=at)))
    return rows


def hold_kinds_by_account(*, organization_id: int, account_ids: list[int]) -> dict[int, set[str]]:
    """Active hold kinds concerning each account: its own holds and debtor-wide holds on its primary
    debtor, in two queries (strategies' segments read them)."""
    from collections import defaultdict

    from arrears.accounts.selectors import primary_debtor_ids

    found: dict[int, set[str]] = defaultdict(set)
    active = Hold.objects.filter(organization_id=organization_id, lifted_at__isnull=True)
    for account_id, kind in active.filter(among("account_id", account_ids)).values_list("account_id", "kind"):
        found[account_id].add(kind)
    primary = primary_debtor_ids(account_ids)
    by_debtor: dict[int, list[int]] = defaultdict(list)
    for account_id, debtor_id in primary.items():
        by_debtor[debtor_id].append(account_id)
    for debtor_id, kind in active.filter(among("debtor_id", by_debtor), account__isnull=True).values_list(
        "debtor_id", "kind"
    ):
        for account_id in by_debtor[debtor_id]:
            found[account_id].add(kind)
    return dict(found)


def hold_kinds_in_effect(
    *, organization_id: int, account_ids: Collection[int], on: date
) -> dict[int, set[str]]:
    """Kinds of the active holds in effect on `on` (effective that day or before) concerning each
    account: its own holds and debtor-wide holds on any of its debtors, in two queries. What
    `holds_for_account` gives one account at a time, for batch writers (the nightly accrual)."""
    found: dict[int, set[str]] = defaultdict(set)
    if not account_ids:
        return {}
    active = Hold.objects.filter(
        organization_id=organization_id, lifted_at__isnull=True, effective_on__lte=on
    )
    for account_id, kind in active.filter(among("account_id", account_ids)).values_list("account_id", "kind"):
        found[account_id].add(kind)
    by_debtor: dict[int, list[int]] = defaultdict(list)
    for account_id, debtor_id in debtor_links_for_decisions(account_ids=account_ids):
        by_debtor[debtor_id].append(account_id)
    if by_debtor:
        for debtor_id, kind in active.filter(among("debtor_id", by_debtor), account__isnull=True).values_list(
            "debtor_id", "kind"
        ):
            for account_id in by_debtor[debtor_id]:
                found[account_id].add(kind)
    return dict(found)


def holds_standing(*, organization_id: int, account_ids: Collection[int], debtor_id: int) -> list[str]:
    """The kinds of the active holds on these accounts or on the debtor (retention and erasure)."""
    return sorted(
        set(
            Hold.objects.filter(organization_id=organization_id, lifted_at__isnull=True)
            .filter(Q(account_id__in=list(account_ids)) | Q(debtor_id=debtor_id))
            .values_list("kind", flat=True)
        )
    )


def contact_policy(*, organization_id: int) -> Policy:
    """The organization's contact policy as the gate reads it (the law's limits when it set none)."""
    return policies_for([organization_id])[organization_id]


def accounts_with_validation_notice(*, account_ids: Collection[int]) -> set[int]:
    """Which of these accounts already have a validation notice provided."""
    from arrears.core.bulk import among

    return set(
        ValidationNotice.objects.filter(among("account_id", account_ids)).values_list("account_id", flat=True)
    )


def validation_notices_of_accounts(*, account_ids: Collection[int]) -> dict[int, ValidationNotice]:
    """The newest validation notice of each of these accounts (for the debtor's portal, which has no
    staff principal; the caller has scoped the accounts to the debtor)."""
    found: dict[int, ValidationNotice] = {}
    for notice in ValidationNotice.objects.filter(account_id__in=list(account_ids)).order_by(
        "account_id", "-provided_on", "-id"
    ):
        found.setdefault(notice.account_id, notice)
    return found
