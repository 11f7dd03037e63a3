from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    Case,
    IntegerField,
    Model,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)

from arrears.core.bulk import among, in_array, select_in
from arrears.core.errors import NotFound
from arrears.core.sql import in_ids, select, select_instances
from arrears.debtors.domain import name_key, normalize_email, phone_search_key
from arrears.debtors.selectors import (
    contact_point_get,
    contact_points_of_organization,
    contact_points_ordered,
    debtor_exists,
    debtor_get,
    debtors_page,
)
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_ids_with_code

from .choices import DebtorRole
from .domain import aging_delinquent_range
from .errors import AccountError
from .models import Account, AccountDebtor

if TYPE_CHECKING:
    from arrears.debtors.models import ContactPoint, Debtor

# Who "the" debtor of an account is: the primary, then co-debtors, then any role added later in the order
# declared here, then roles unknown to the code by name; the oldest link breaks a tie. Never the role
# string alone: "co_debtor" sorts before "primary".
ROLE_RANK: tuple[str, ...] = (DebtorRole.PRIMARY, DebtorRole.CO_DEBTOR)


def debtor_role_rank() -> Case:
    """The rank of an ``AccountDebtor`` row's role as a query expression: 0 for the primary debtor."""
    return Case(
        *(When(role=role, then=Value(rank)) for rank, role in enumerate(ROLE_RANK)),
        default=Value(len(ROLE_RANK)),
        output_field=IntegerField(),
    )


def debtor_link_order() -> tuple[Case | str, ...]:
    """``order_by`` terms putting an account's debtor links in role order, the primary debtor first."""
    return (debtor_role_rank(), "role", "id")


_LINKS = AccountDebtor._meta.db_table


def debtor_links_for_decisions(*, account_ids: Iterable[int]) -> list[tuple[int, int]]:
    """(account_id, debtor_id) of these accounts' debtor links, by account and then in role order (the
    primary debtor first): the compliance gate's read, written by hand (``arrears.core.sql``), and held
    to ``debtor_link_order`` by ``compliance/tests/test_decision_reads.py``."""
    where, params = in_ids("account_id", account_ids)
    ranks = " ".join("WHEN %s THEN " + str(rank) for rank in range(len(ROLE_RANK)))
    return select(  # type: ignore[return-value]
        f"SELECT account_id, debtor_id FROM {_LINKS} WHERE {where} "  # noqa: S608 (fixed names; values bound)
        f"ORDER BY account_id, CASE role {ranks} ELSE {len(ROLE_RANK)} END, role, id",
        [*params, *map(str, ROLE_RANK)],
    )


def account_debtor_ids(*, account: Account) -> QuerySet[AccountDebtor, Any]:
    """The account's debtor ids, as a subquery (``.values("debtor_id")``)."""
    return AccountDebtor.objects.filter(account=account).values("debtor_id")


def account_debtor_links(*, accounts: Sequence[Account]) -> QuerySet[AccountDebtor]:
    """These accounts' debtor links with their debtors, in role order (the primary debtor first)."""
    return (
        AccountDebtor.objects.filter(account__in=accounts)
        .select_related("debtor")
        .order_by(*debtor_link_order())
    )


def debtor_account_ids(*, debtor: Debtor, accounts: Sequence[Account]) -> QuerySet[AccountDebtor, int]:
    """The ids of those of these accounts that the debtor is linked to."""
    return AccountDebtor.objects.filter(debtor=debtor, account__in=accounts).values_list(
        "account_id", flat=True
    )


def account_latest_of_debtor(*, debtor: Debtor) -> Account | None:
    """The debtor's most recently created account, if any."""
    return Account.objects.filter(account_debtors__debtor=debtor).order_by("-id").first()


def primary_debtor_ids(account_ids: Iterable[int]) -> dict[int, int]:
    """Each account's primary debtor id, in one query; an account without a debtor is left out."""
    found: dict[int, int] = {}
    for account_id, debtor_id in (
        AccountDebtor.objects.filter(among("account_id", list(account_ids)))
        .order_by("account_id", *debtor_link_order())
        .values_list("account_id", "debtor_id")
    ):
        found.setdefault(account_id, debtor_id)
    return found


def primary_debtors(account_ids: Iterable[int]) -> dict[int, Debtor]:
    """Each account's primary debtor, in one query; an account without a debtor is left out."""
    found: dict[int, Debtor] = {}
    for link in (
        AccountDebtor.objects.filter(account_id__in=list(account_ids))
        .select_related("debtor")
        .order_by("account_id", *debtor_link_order())
    ):
        found.setdefault(link.account_id, link.debtor)
    return found


def primary_debtor(account: Account) -> Debtor | None:
    """The account's primary debtor (None when it has none): a batch of one."""
    return primary_debtors([account.pk]).get(account.pk)


def _scoped(principal: Principal) -> QuerySet[Account]:
    qs = Account.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        qs = qs.filter(client_id__in=principal.client_ids)
    return qs


def account_get(*, principal: Principal, pk: int) -> Account:
    """An account the principal may see; another tenant's id is simply not found."""
    try:
        return _scoped(principal).select_related("client").get(pk=pk)
    except Account.DoesNotExist:
        raise NotFound(AccountError.NOT_FOUND, f"no account {pk}") from None


def account_get_by_reference(
    *, principal: Principal, reference: str, client_code: str | None = None, with_client: bool = True
) -> Account:
    """The one account the principal may see with this reference (of the client with this code, when
    given), with its client; ``with_client=False`` for a hot path that never reads the client (the
    compliance gate's API): read by hand, without Django's cost of building and compiling the query."""
    if with_client:
        qs = _scoped(principal).filter(reference=reference)
        if client_code:
            qs = qs.filter(client__code=client_code)
        found = list(qs.select_related("client")[:2])
    else:
        found = _by_reference(principal, reference, client_code)
    if len(found) != 1:
        raise NotFound(
            AccountError.NOT_FOUND,
            f"no single account with reference {reference!r}"
            + (" (several clients use it: name the client)" if found else ""),
        )
    return found[0]


def _by_reference(principal: Principal, reference: str, client_code: str | None) -> list[Account]:
    """``_scoped(principal).filter(reference=…, client__code=…)[:2]``, by hand (``arrears.core.sql``)."""
    where, params = "organization_id = %s AND reference = %s", [principal.organization_id, reference]
    if principal.client_ids is not None:
        seen, more = in_ids("client_id", principal.client_ids)
        where, params = f"{where} AND {seen}", [*params, *more]
    if client_code:
        named, more = in_ids(
            "client_id", client_ids_with_code(organization_id=principal.organization_id, code=client_code)
        )
        where, params = f"{where} AND {named}", [*params, *more]
    accounts: list[Account] = select_instances(Account, where, params, tail=" LIMIT 2")
    return accounts


def account_list(
    *,
    principal: Principal,
    search: str = "",
    client_id: int | None = None,
    status: str = "",
    aging: str = "",
    as_of: date,
) -> QuerySet[Account]:
    """Accounts for the staff list: search by name, phone (any format), email, reference or postal code."""
    qs = _scoped(principal)
    if client_id:
        qs = qs.filter(client_id=client_id)
    if status:
        qs = qs.filter(status=status)
    if aging:
        low, high = aging_delinquent_range(aging, as_of)
        if aging == "current":
            qs = qs.filter(Q(delinquent_since__isnull=True) | Q(delinquent_since__gte=low))
        else:
            if low:
                qs = qs.filter(delinquent_since__gte=low)
            if high:
                qs = qs.filter(delinquent_since__lte=high)
    term = search.strip()
    if term:
        qs = qs.filter(_search_q(principal, term))
    primary = AccountDebtor.objects.select_related("debtor").order_by(*debtor_link_order())
    return (
        qs.select_related("client")
        .prefetch_related(Prefetch("account_debtors", queryset=primary))
        .order_by("-updated_at", "-id")
    )


def accounts_to_message(*, account_ids: Sequence[int], organization_id: int) -> QuerySet[Account]:
    """The organization's accounts among these, with their clients (a message's context names them), by id."""
    return (
        Account.objects.filter(pk__in=in_array(account_ids), organization_id=organization_id)
        .select_related("client")
        .order_by("id")
    )


def _search_q(principal: Principal, term: str) -> Q:
    q = Q(reference__iexact=term) | Q(reference__istartswith=term)
    points = contact_points_of_organization(organization_id=principal.organization_id)
    matched_points: Q | None = None
    if phone := phone_search_key(term):
        matched_points = Q(value=phone)
    if "@" in term:
        try:
            matched_points = Q(value=normalize_email(term))
        except ValueError:
            matched_points = Q(value__iexact=term)
    if term.replace("-", "").replace(" ", "").isdigit() and len(term) <= 10:
        postal = Q(kind="address", postal_code__startswith=term)
        matched_points = postal if matched_points is None else matched_points | postal
    if matched_points is not None:
        debtor_ids = points.filter(matched_points).values("debtor_id")
        q |= Q(account_debtors__debtor_id__in=debtor_ids)
    key = name_key(term)
    if key and not term.isdigit():
        q |= Q(account_debtors__debtor__name_key__contains=key)
    return q


# ── look-ups for batch writers (an import's accounts) ─────────────────────────────────────────────
LOOKUP_COLUMNS: dict[type[Model], tuple[str, ...]] = {
    Account: ("client_id", "reference"),
    AccountDebtor: ("account_id",),
}
_SQL_LINKS = f"SELECT id, account_id, debtor_id FROM {AccountDebtor._meta.db_table}"  # noqa: S608


def accounts_by_reference(
    *, client_id: int, references: Sequence[str], columns: Sequence[str]
) -> dict[str, dict[str, Any]]:
    """The client's accounts with these references, by reference: the given columns (plain names)."""
    names = ("reference", *columns)
    if connection.vendor == "postgresql":  # one array parameter instead of thousands of placeholders
        head = f"SELECT {', '.join(names)} FROM {Account._meta.db_table}"  # noqa: S608 (the caller's column names)
        rows = select_in(head, "reference", references, also="client_id = %s", params=[client_id])
        return {row[0]: dict(zip(names, row, strict=True)) for row in rows}
    # SQLite's raw cursor gives decimals as floats and dates as text: the ORM converts them.
    return {
        a["reference"]: a
        for a in Account.objects.filter(client_id=client_id, reference__in=references).values(*names)
    }


def account_debtor_rows(*, account_ids: Iterable[int]) -> list[tuple[Any, ...]]:
    """(link id, account_id, debtor_id) of these accounts' debtors."""
    return select_in(_SQL_LINKS, "account_id", account_ids)


def debtors_for_account(*, principal: Principal, account: Account) -> list[tuple[str, Debtor]]:
    """The account's debtors (primary first) with their contact points, as (role, debtor)."""
    points = contact_points_ordered()
    links = (
        AccountDebtor.objects.filter(account=account, organization_id=principal.organization_id)
        .select_related("debtor")
        .prefetch_related(Prefetch("debtor__contact_points", queryset=points))
        .order_by(*debtor_link_order())
    )
    return [(link.role, link.debtor) for link in links]


def account_lock(
    *, account_id: int, organization_id: int | None = None, with_organization: bool = False
) -> Account:
    """The account row, locked (`SELECT … FOR UPDATE`) until the caller's transaction ends; with
    `organization_id`, only if it is that organization's; `with_organization` reads the
    organization in the same query (the lock stays on the account row)."""
    qs = Account.objects.all()
    if with_organization:
        qs = qs.select_for_update(of=("self",)).select_related("organization")
    else:
        qs = qs.select_for_update()
    try:
        if organization_id is None:
            return qs.get(pk=account_id)
        return qs.get(pk=account_id, organization_id=organization_id)
    except Account.DoesNotExist:
        raise NotFound(AccountError.NOT_FOUND, f"no account {account_id}") from None


def accounts_lock_many(
    *, organization_id: int, account_ids: Sequence[int], fields: Sequence[str]
) -> list[Any]:
    """Lock the organization's accounts among `account_ids` in id order (`SELECT … FOR UPDATE`) and
    return `fields` of each as a tuple (a batch writer reads what it needs in the locking query)."""
    return list(
        Account.objects.select_for_update()
        .filter(organization_id=organization_id, pk__in=in_array(account_ids))
        .order_by("pk")
        .values_list(*fields)
    )


def account_by_id(*, account_id: int) -> Account:
    """An account by id, for a service that has checked the organization already."""
    return Account.objects.get(pk=account_id)


def account_status(*, account_id: int) -> str:
    """The account's status as committed now (not as a stale instance holds it)."""
    return Account.objects.filter(pk=account_id).values_list("status", flat=True).get()


def accounts_in_organization(*, organization_id: int, account_ids: Sequence[int]) -> list[Account]:
    """The organization's accounts among `account_ids`, in id order, with their organization."""
    return list(
        Account.objects.filter(organization_id=organization_id, pk__in=account_ids)
        .select_related("organization")
        .order_by("pk")
    )


def account_ids_earning_interest(
    *, organization_id: int, statuses: Iterable[str], among_ids: Sequence[int] | None = None
) -> set[int]:
    """The organization's accounts (among `among_ids` when given) with an interest rate and one of
    `statuses`."""
    qs = Account.objects.filter(organization_id=organization_id, interest_rate__gt=0, status__in=statuses)
    if among_ids is not None:
        qs = qs.filter(pk__in=in_array(among_ids))
    return set(qs.values_list("pk", flat=True))


def account_reference_rows(*, organization_id: int) -> QuerySet[Account, tuple[int, str, str, str]]:
    """(id, reference, invoice number, currency) of every account of the organization."""
    return Account.objects.filter(organization_id=organization_id).values_list(
        "id", "reference", "invoice_number", "currency"
    )


def account_balance_rows(*, organization_id: int | None, fields: Sequence[str]) -> Iterator[dict[str, Any]]:
    """Id, reference, currency and `fields` of every account (of one organization, if given),
    streamed in chunks."""
    accounts = Account.objects.all()
    if organization_id is not None:
        accounts = accounts.filter(organization_id=organization_id)
    return accounts.values("id", "reference", "currency", *fields).iterator(chunk_size=5000)


def organizations_with_reference(*, reference: str, client_code: str | None = None) -> list[int]:
    """The organizations holding an account with this reference (for a CLI that was given no --org)."""
    qs = Account.objects.filter(reference=reference)
    if client_code:
        qs = qs.filter(client__code=client_code)
    return list(qs.values_list("organization_id", flat=True).distinct()[:5])


def account_ids_in_statuses(*, organization_id: int, statuses: Iterable[str]) -> list[int]:
    """The organization's account ids with one of `statuses`, in id order (a nightly run's chunks)."""
    return list(
        Account.objects.filter(organization_id=organization_id, status__in=list(statuses))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def debtors_on_reference(*, organization_id: int, reference: str) -> list[Debtor]:
    """The debtors (not merged away) on the organization's accounts with this reference, any client:
    what the debtor portal checks what a person typed against."""
    links = (
        AccountDebtor.objects.filter(organization_id=organization_id, account__reference=reference.strip())
        .select_related("debtor")
        .order_by("id")[:20]
    )
    return [link.debtor for link in links if link.debtor.merged_into_id is None]


def accounts_of_debtor(*, organization_id: int, debtor_id: int) -> QuerySet[Account]:
    """Every account of this debtor with this organization, with its client, oldest first."""
    return (
        Account.objects.filter(organization_id=organization_id, account_debtors__debtor_id=debtor_id)
        .select_related("client")
        .order_by("id")
        .distinct()
    )


def account_ids_of_clients(*, organization_id: int, client_ids: Iterable[int]) -> list[int]:
    """The ids of the organization's accounts placed by these clients, in id order."""
    return list(
        Account.objects.filter(organization_id=organization_id, client_id__in=list(client_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def accounts_of_client(*, principal: Principal, client_id: int) -> QuerySet[Account]:
    """A client's accounts as the principal may see them (another client's: none), newest placement first."""
    return (
        _scoped(principal).filter(client_id=client_id).select_related("client").order_by("-placed_on", "-id")
    )


def organization_ids_for_reference(*, reference: str, client_code: str | None = None) -> list[int]:
    """The organizations that hold an account with this reference (for a command given no --org)."""
    qs = Account.objects.filter(reference=reference)
    if client_code:
        qs = qs.filter(client__code=client_code)
    return sorted(set(qs.values_list("organization_id", flat=True)[:10]))


def accounts_get_by_references(
    *, principal: Principal, references: Sequence[str]
) -> dict[str, list[Account]]:
    """The accounts the principal may see with these references, by reference (several when clients
    share one): one query for a batch (the API's batch of compliance decisions)."""
    found: dict[str, list[Account]] = {}
    for account in _scoped(principal).filter(reference__in=list(set(references))).select_related("client"):
        found.setdefault(account.reference, []).append(account)
    return found


def accounts_page(*, principal: Principal, starting_after: int | None, limit: int) -> list[Account]:
    """Up to `limit` accounts the principal may see after the id `starting_after`, by id: a cursor page
    (the caller asks one more than it shows to know whether there is a next page)."""
    qs = _scoped(principal)
    if starting_after is not None:
        qs = qs.filter(pk__gt=starting_after)
    return list(qs.select_related("client").order_by("pk")[:limit])


def debtor_accounts_owing(*, debtor_id: int) -> list[tuple[int, str, Decimal]]:
    """(account id, status, balance owed) of every account the debtor is on (retention and erasure)."""
    rows = Account.objects.filter(account_debtors__debtor_id=debtor_id).values_list(
        "pk", "status", "balance_principal", "balance_interest", "balance_fees", "balance_costs"
    )
    return [(pk, status, sum(parts, Decimal(0))) for pk, status, *parts in rows]


def accounts_only_of(*, account_ids: Iterable[int], debtor_ids: Iterable[int]) -> list[int]:
    """Those of these accounts that no debtor outside ``debtor_ids`` is on."""
    ids = list(account_ids)
    shared = (
        AccountDebtor.objects.filter(account_id__in=ids)
        .exclude(debtor_id__in=list(debtor_ids))
        .values_list("account_id", flat=True)
    )
    return sorted(set(ids) - set(shared))


def account_ids_with_itemization(
    *, organization_id: int, statuses: Iterable[str], debt_type: str
) -> list[int]:
    """The organization's account ids in these statuses, of this debt type, that have an itemization date
    (without one a validation notice cannot be written), in id order."""
    return list(
        Account.objects.filter(
            organization_id=organization_id,
            status__in=list(statuses),
            debt_type=debt_type,
            itemization_date__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def debtor_visible(*, principal: Principal, debtor_id: int) -> bool:
    """Whether the principal may name this debtor: any of its organization's, or, for a principal of
    some clients only, a debtor already on one of their accounts."""
    if principal.client_ids is None:
        return debtor_exists(organization_id=principal.organization_id, debtor_id=debtor_id)
    return AccountDebtor.objects.filter(
        organization_id=principal.organization_id,
        debtor_id=debtor_id,
        account__client_id__in=principal.client_ids,
    ).exists()


# ── the REST API's debtors: an organization token sees every debtor, a client token the debtors of its
# client's accounts (and their contact points); anything else is not found ──────────────────────────


def _debtor_ids_visible(principal: Principal) -> QuerySet[AccountDebtor, Any] | None:
    if principal.client_ids is None:
        return None
    return AccountDebtor.objects.filter(
        organization_id=principal.organization_id, account__client_id__in=principal.client_ids
    ).values("debtor_id")


def _with_accounts(principal: Principal) -> Prefetch:
    """Each debtor's links to the accounts the principal may see, with the account (by account id)."""
    links = AccountDebtor.objects.filter(account__in=_scoped(principal)).select_related("account")
    return Prefetch("account_links", queryset=links.order_by("account_id"))


def debtors_page_for(*, principal: Principal, starting_after: int | None, limit: int) -> list[Debtor]:
    """A cursor page of the debtors the principal may see, by id, each with its contact points, consent
    records and the accounts (of the principal's) it is on."""
    qs = debtors_page(
        organization_id=principal.organization_id,
        within=_debtor_ids_visible(principal),
        starting_after=starting_after,
        limit=limit,
    )
    return list(qs.prefetch_related(_with_accounts(principal)))


def debtor_get_for(*, principal: Principal, pk: int) -> Debtor:
    """One debtor the principal may see, as ``debtors_page_for`` gives them; else not found."""
    debtor = debtor_get(
        organization_id=principal.organization_id, pk=pk, within=_debtor_ids_visible(principal)
    )
    prefetch_related_objects([debtor], _with_accounts(principal))
    return debtor


def contact_point_get_for(*, principal: Principal, pk: int) -> ContactPoint:
    """One contact point of a debtor the principal may see; else not found."""
    return contact_point_get(
        organization_id=principal.organization_id, pk=pk, within=_debtor_ids_visible(principal)
    )
