from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import F

from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core.bulk import column_defaults, insert_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict
from arrears.core.money import is_currency_code
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_member_ids, teams_for

from .choices import AccountStatus, DebtorRole
from .domain import MANUAL_STATUSES, IllegalTransition, check_transition
from .errors import AccountError
from .models import Account, AccountDebtor, AccountNote

if TYPE_CHECKING:
    from arrears.tenancy.models import Client

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class NewAccount:
    """An account to open (`ledger.services.accounts_open_many`): its debtors (the first is primary),
    opening balances and other columns (`fields`, by field name)."""

    reference: str
    currency: str
    debtor_ids: Sequence[int]
    principal: Decimal = ZERO
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    costs: Decimal = ZERO
    itemization_date: date | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@cache
def _column_of(name: str) -> tuple[str, bool]:
    """The column (attname) of an Account field, and whether it is a relation (given as an object)."""
    f = Account._meta.get_field(name)
    if not isinstance(f, models.Field) or f.primary_key:
        raise TypeError(f"{name!r} is not a column of an account")
    return f.attname, f.is_relation and f.attname != name


def _reference_taken(client: Client, accounts: Sequence[NewAccount]) -> Conflict:
    references = [a.reference for a in accounts]
    taken = set(
        Account.objects.filter(client=client, reference__in=references).values_list("reference", flat=True)
    )
    seen: set[str] = set()
    for reference in references:
        if reference in taken or reference in seen:
            break
        seen.add(reference)
    else:
        reference = references[0]
    return Conflict(AccountError.REFERENCE_TAKEN, f"account {reference!r} exists for client {client.code}")


def new_accounts_check(*, accounts: Sequence[NewAccount]) -> None:
    """Raise for an account that cannot be opened: no debtor, or not a currency code."""
    for a in accounts:
        if not a.debtor_ids:
            raise ArrearsError(AccountError.NO_DEBTOR, "an account needs at least one debtor")
        if not is_currency_code(a.currency):
            raise ArrearsError(
                AccountError.CURRENCY_INVALID, f"not an ISO 4217 currency code: {a.currency!r}"
            )


@transaction.atomic(savepoint=False)
def accounts_create_many(
    *,
    client: Client,
    accounts: Sequence[NewAccount],
    balances: Sequence[Mapping[str, Decimal]],
    actor: Principal,
) -> list[int]:
    """Write accounts with their debtors (the first is primary); returns their ids in order.

    `balances` holds, per account, the cached balance columns it opens with (by field name), as the
    ledger computed them from its opening entries: the ledger opens accounts
    (`ledger.services.accounts_open_many`) and posts those entries after this. One insert per table
    (`COPY` on PostgreSQL) and one "account.created" audit event per account; each account row is
    written once, already holding its balances."""
    if not accounts:
        return []
    if len(balances) != len(accounts):
        raise TypeError("one set of opening balances per account")
    new_accounts_check(accounts=accounts)
    now = utcnow()
    base = column_defaults(Account, now=now)
    base.update(organization_id=client.organization_id, client_id=client.pk)
    rows = []
    for a, opening in zip(accounts, balances, strict=True):
        row = {
            **base,
            "reference": a.reference,
            "currency": a.currency,
            "itemization_date": a.itemization_date,
        }
        for name, value in a.fields.items():
            column, relation = _column_of(name)
            row[column] = value.pk if relation and value is not None else value
        row.update(opening)
        rows.append(row)
    try:
        with transaction.atomic():
            ids = insert_rows(Account, rows)
    except IntegrityError as exc:
        raise _reference_taken(client, accounts) from exc
    insert_rows(
        AccountDebtor,
        [
            {
                "organization_id": client.organization_id,
                "account_id": pk,
                "debtor_id": debtor_id,
                "role": DebtorRole.PRIMARY if i == 0 else DebtorRole.CO_DEBTOR,
            }
            for pk, a in zip(ids, accounts, strict=True)
            for i, debtor_id in enumerate(a.debtor_ids)
        ],
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.ACCOUNT_CREATED,
                subject_type="account",
                subject_id=pk,
                account_id=pk,
                data={"reference": a.reference, "client": client.code, "debtors": list(a.debtor_ids)},
            )
            for pk, a in zip(ids, accounts, strict=True)
        ],
    )
    return ids


@dataclass(frozen=True, slots=True)
class DebtorLink:
    account_id: int
    debtor_id: int
    role: str


@transaction.atomic(savepoint=False)
def account_debtors_add_many(*, organization_id: int, links: Sequence[DebtorLink], actor: Principal) -> None:
    """Link debtors to existing accounts (a co-debtor found by a re-import), with one
    "account.debtor_added" audit event per link. A link that exists fails the batch."""
    if not links:
        return
    insert_rows(
        AccountDebtor,
        [
            {
                "organization_id": organization_id,
                "account_id": k.account_id,
                "debtor_id": k.debtor_id,
                "role": k.role,
            }
            for k in links
        ],
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.ACCOUNT_DEBTOR_ADDED,
                subject_type="account",
                subject_id=k.account_id,
                account_id=k.account_id,
                data={"debtor": k.debtor_id, "role": str(k.role)},
            )
            for k in links
        ],
    )


@dataclass(frozen=True, slots=True)
class AccountChange:
    """New values of some of an account's own columns (not its cached balances: the ledger moves
    those), and the audit event that says why."""

    account_id: int
    fields: Mapping[str, Any]
    event: Event
    data: Mapping[str, Any]


@transaction.atomic(savepoint=False)
def accounts_update_many(*, changes: Sequence[AccountChange], actor: Principal) -> None:
    """Set columns of many accounts (one UPDATE each) with one audit event per account."""
    now = utcnow()
    for change in changes:
        if any(name.startswith("balance_") for name in change.fields):
            raise TypeError("cached balances move through the ledger's services")
        Account.objects.filter(pk=change.account_id, organization_id=actor.organization_id).update(
            **change.fields, updated_at=now
        )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=c.event,
                subject_type="account",
                subject_id=c.account_id,
                account_id=c.account_id,
                data=c.data,
            )
            for c in changes
        ],
    )


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
        event=Event.ACCOUNT_STATUS_CHANGED,
        subject_type="account",
        subject_id=locked.pk,
        account_id=locked.pk,
        data={"from": previous, "to": to, "reason": reason},
    )
    return locked


@transaction.atomic
def account_status_set(*, account: Account, to: str, actor: Principal, reason: str) -> Account:
    """Set a status by hand (active, on hold, legal, closed), with the reason; the other statuses follow
    what happened (a promise, a plan, a dispute, a payment in full, a settlement, a recall)."""
    if to not in MANUAL_STATUSES:
        allowed = ", ".join(sorted(MANUAL_STATUSES))
        raise ArrearsError(
            AccountError.STATUS_NOT_MANUAL, f"'{to}' is not set by hand (these are: {allowed})", target=to
        )
    if not reason.strip():
        raise ArrearsError(AccountError.REASON_REQUIRED, "say why the status changes")
    return _transition_or_conflict(account, to, actor=actor, reason=reason.strip())


def _transition_or_conflict(account: Account, to: str, *, actor: Principal, reason: str) -> Account:
    """`account_transition`, where a move the account's current status forbids is a conflict with
    that state (409 in the API), not bad input."""
    try:
        return account_transition(account=account, to=to, actor=actor, reason=reason)
    except ArrearsError as exc:
        if exc.code != AccountError.ILLEGAL_TRANSITION:
            raise
        raise Conflict(exc.code, exc.message, **exc.details) from exc


@transaction.atomic
def account_recall(*, account: Account, actor: Principal, reason: str) -> Account:
    """The client takes the account back: it is recalled (a final status: no more collection on it),
    with the reason. Recalling a recalled account changes nothing."""
    if not reason.strip():
        raise ArrearsError(AccountError.REASON_REQUIRED, "say why the account is recalled")
    return _transition_or_conflict(
        account, AccountStatus.RECALLED, actor=actor, reason=f"recalled: {reason.strip()}"
    )


@transaction.atomic
def accounts_transition_many(
    *,
    moves: Sequence[tuple[int, str]],
    actor: Principal,
    reason: str = "",
    reasons: Mapping[int, str] | None = None,
) -> int:
    """Move many accounts along their lifecycle, each as `account_transition` would (an illegal move
    raises before anything is written): locked in id order, one UPDATE per target status, one audit
    event per move. ``reasons`` gives an account its own reason (else ``reason``). Returns how many
    moved."""
    targets = dict(moves)
    locked = {
        pk: status
        for pk, status in Account.objects.select_for_update()
        .filter(organization_id=actor.organization_id, pk__in=sorted(targets))
        .order_by("pk")
        .values_list("pk", "status")
    }
    if len(locked) != len(targets):
        raise ArrearsError(AccountError.NOT_FOUND, "an account to move is not in this organization")
    changed = {pk: (locked[pk], to) for pk, to in targets.items() if locked[pk] != to}
    for pk, (current, to) in changed.items():
        try:
            check_transition(current, to)
        except IllegalTransition as exc:
            raise ArrearsError(
                AccountError.ILLEGAL_TRANSITION, f"account {pk}: {exc}", current=exc.current, target=to
            ) from exc
    now = utcnow()
    for to in {to for _, to in changed.values()}:
        ids = [pk for pk, (_, target) in changed.items() if target == to]
        Account.objects.filter(pk__in=ids).update(status=to, status_changed_at=now, updated_at=now)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.ACCOUNT_STATUS_CHANGED,
                subject_type="account",
                subject_id=pk,
                account_id=pk,
                data={"from": current, "to": to, "reason": (reasons or {}).get(pk, reason)},
            )
            for pk, (current, to) in sorted(changed.items())
        ],
    )
    return len(changed)


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
        event=Event.ACCOUNT_NOTE_ADDED,
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


def account_balances_move(*, account_id: int, deltas: Mapping[str, Decimal]) -> None:
    """Add `deltas` (by cached balance field) to an account's cached balances, in one UPDATE.

    For the ledger only, which moves the cache by the amounts of the entries it writes in the same
    transaction (DESIGN.md: the ledger is the truth, the balance columns its cache)."""
    Account.objects.filter(pk=account_id).update(**{f: F(f) + d for f, d in deltas.items()})


def accounts_columns_update_many(
    *, values: Mapping[int, Mapping[str, Any]], fields: Sequence[str], add: frozenset[str]
) -> None:
    """Update columns of many accounts: those in `add` by adding to the current value (the cached
    balances), the others by setting. For the ledger only (`ledger_post_many`), which moves the
    cache and sets a payment's columns in the same statement.

    On PostgreSQL each column travels as one array (`unnest`), so the statement stays short however
    many accounts it updates: `core.bulk.update_rows` sends one placeholder per value, and psycopg
    splitting that statement cost more than running it."""
    if not values or not fields:
        return
    if connection.vendor != "postgresql":
        for pk, row in values.items():
            Account.objects.filter(pk=pk).update(**{f: F(f) + row[f] if f in add else row[f] for f in fields})
        return
    meta = Account._meta
    columns = [(f, meta.get_field(f)) for f in fields]
    names = ", ".join(f'"{c.column}"' for _, c in columns)  # type: ignore[union-attr]
    arrays = ", ".join(["%s::bigint[]", *(f"%s::{c.db_type(connection)}[]" for _, c in columns)])
    assignments = ", ".join(
        f'"{c.column}" = t."{c.column}" + v."{c.column}"' if f in add else f'"{c.column}" = v."{c.column}"'  # type: ignore[union-attr]
        for f, c in columns
    )
    # Identifiers come from the model's own metadata; every value is in a bound array.
    sql = (
        f'UPDATE "{meta.db_table}" AS t SET {assignments} '  # noqa: S608
        f'FROM unnest({arrays}) AS v("__pk", {names}) WHERE t."id" = v."__pk"'
    )
    params = [list(values), *([row[f] for row in values.values()] for f in fields)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@transaction.atomic
def accounts_assign(
    *, account_ids: Sequence[int], user_id: int | None = None, team_id: int | None = None, actor: Principal
) -> int:
    """Assign accounts to one collector and/or a team (``None`` clears it); returns how many changed.

    The user must be a member of the actor's organization and the team one of its teams. Accounts of
    other organizations, or of clients the actor cannot see, are left alone. One audit event per account
    that changed; assigning the same way twice changes nothing and records nothing.
    """
    org_id = actor.organization_id
    if user_id is not None and user_id not in organization_member_ids(org_id):
        raise ArrearsError(
            AccountError.ASSIGNEE_NOT_MEMBER, f"user {user_id} is not a member of this organization"
        )
    if team_id is not None and not teams_for(org_id).filter(pk=team_id).exists():
        raise ArrearsError(AccountError.ASSIGNEE_TEAM_UNKNOWN, f"no team {team_id} in this organization")
    rows = Account.objects.filter(organization_id=org_id, pk__in=list(account_ids)).exclude(
        assigned_user_id=user_id, assigned_team_id=team_id
    )
    if actor.client_ids is not None:
        rows = rows.filter(client_id__in=actor.client_ids)
    changed = list(rows.select_for_update().values_list("pk", "assigned_user_id", "assigned_team_id"))
    if not changed:
        return 0
    Account.objects.filter(pk__in=[pk for pk, _, _ in changed]).update(
        assigned_user_id=user_id, assigned_team_id=team_id, updated_at=utcnow()
    )
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event.ACCOUNT_ASSIGNED,
                subject_type="account",
                subject_id=pk,
                account_id=pk,
                data={"user": user_id, "team": team_id, "from_user": old_user, "from_team": old_team},
            )
            for pk, old_user, old_team in changed
        ],
    )
    return len(changed)
