from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from arrears.audit.services import audit_record
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict
from arrears.core.money import is_currency_code
from arrears.debtors.models import Debtor
from arrears.ledger.choices import Bucket, EntryKind
from arrears.ledger.services import EntrySpec, ledger_post
from arrears.tenancy.domain import Principal
from arrears.tenancy.models import Client

from .choices import DebtorRole
from .domain import IllegalTransition, check_transition
from .errors import AccountError
from .models import Account, AccountDebtor, AccountNote


@transaction.atomic
def account_create(
    *,
    client: Client,
    reference: str,
    debtors: Sequence[Debtor],
    currency: str,
    actor: Principal,
    principal: Decimal = Decimal(0),
    interest: Decimal = Decimal(0),
    fees: Decimal = Decimal(0),
    costs: Decimal = Decimal(0),
    itemization_date: date | None = None,
    **fields: Any,
) -> Account:
    """Open an account with its debtors (the first is primary) and its opening balances on the ledger."""
    if not debtors:
        raise ArrearsError(AccountError.NO_DEBTOR, "an account needs at least one debtor")
    if not is_currency_code(currency):
        raise ArrearsError(AccountError.CURRENCY_INVALID, f"not an ISO 4217 currency code: {currency!r}")
    try:
        with transaction.atomic():
            account = Account.objects.create(
                organization_id=client.organization_id,
                client=client,
                reference=reference,
                currency=currency,
                itemization_date=itemization_date,
                **fields,
            )
    except IntegrityError as exc:
        raise Conflict(
            AccountError.REFERENCE_TAKEN, f"account {reference!r} exists for client {client.code}"
        ) from exc
    AccountDebtor.objects.bulk_create(
        AccountDebtor(
            organization_id=account.organization_id,
            account=account,
            debtor=d,
            role=DebtorRole.PRIMARY if i == 0 else DebtorRole.CO_DEBTOR,
        )
        for i, d in enumerate(debtors)
    )
    audit_record(
        actor=actor,
        event="account.created",
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={"reference": reference, "client": client.code, "debtors": [d.pk for d in debtors]},
    )
    opening = [
        EntrySpec(kind, bucket, amount, memo="opening balance")
        for kind, bucket, amount in (
            (EntryKind.CHARGE, Bucket.PRINCIPAL, principal),
            (EntryKind.INTEREST, Bucket.INTEREST, interest),
            (EntryKind.FEE, Bucket.FEES, fees),
            (EntryKind.COST, Bucket.COSTS, costs),
        )
        if amount
    ]
    if opening:
        ledger_post(
            account=account,
            entries=opening,
            effective_on=itemization_date or utcnow().date(),
            actor=actor,
            source=("account", str(account.pk)),
            event="ledger.opening_balance",
        )
    account.refresh_from_db()
    return account


@transaction.atomic
def account_transition(*, account: Account, to: str, actor: Principal, reason: str = "") -> Account:
    """Move an account along its lifecycle; an illegal move raises with the allowed ones named."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.status == to:
        return locked
    try:
        check_transition(locked.status, to)
    except IllegalTransition as exc:
        raise ArrearsError(AccountError.ILLEGAL_TRANSITION, str(exc), current=exc.current, target=to) from exc
    previous = locked.status
    locked.status = to
    locked.status_changed_at = utcnow()
    locked.save(update_fields=["status", "status_changed_at", "updated_at"])
    audit_record(
        actor=actor,
        event="account.status_changed",
        subject_type="account",
        subject_id=locked.pk,
        account_id=locked.pk,
        data={"from": previous, "to": to, "reason": reason},
    )
    return locked


@transaction.atomic
def account_note_add(*, account: Account, body: str, actor: Principal) -> AccountNote:
    text = body.strip()
    if not text:
        raise ArrearsError(AccountError.NOTE_EMPTY, "a note needs some text")
    note = AccountNote.objects.create(
        organization_id=account.organization_id,
        account=account,
        body=text[:10000],
        author_id=actor.user_id,
        author_label=actor.label or "system",
        created_at=utcnow(),
    )
    audit_record(
        actor=actor,
        event="account.note_added",
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={"note": note.pk},
    )
    return note


@transaction.atomic
def account_debtors_reassign(*, organization_id: int, from_debtor_id: int, to_debtor_id: int) -> list[int]:
    """A debtor merge moves one debtor's account links to another; returns the ids of the links moved.

    A link to an account the other debtor is on already stays where it is (an account names a person
    once), so nothing is lost. The merge that calls this locks both debtors and audits the whole merge.
    """
    taken = AccountDebtor.objects.filter(debtor_id=to_debtor_id).values("account_id")
    links = (
        AccountDebtor.objects.select_for_update()
        .filter(organization_id=organization_id, debtor_id=from_debtor_id)
        .exclude(account_id__in=taken)
    )
    ids = list(links.order_by("pk").values_list("pk", flat=True))
    AccountDebtor.objects.filter(pk__in=ids).update(debtor_id=to_debtor_id)
    return ids


@transaction.atomic
def account_debtors_restore(*, ids: Sequence[int], from_debtor_id: int, to_debtor_id: int) -> None:
    """Undo `account_debtors_reassign` (an unmerge): the links `ids` still on `from_debtor_id` go back."""
    AccountDebtor.objects.filter(pk__in=ids, debtor_id=from_debtor_id).update(debtor_id=to_debtor_id)
