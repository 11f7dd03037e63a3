"""Reads of the contact-attempt log: the rows the compliance rules count, and a debtor's timeline."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import NamedTuple

from django.db.models import QuerySet

from arrears.core.bulk import in_array
from arrears.core.errors import NotFound
from arrears.core.sql import in_ids, in_texts, instant, instant_param, select

from .choices import Direction, Outcome
from .errors import AttemptsError
from .models import CallRequest, ContactAttempt


class HistoryRow(NamedTuple):
    """One logged attempt as the compliance rules read it."""

    id: int
    debtor_id: int
    at: datetime
    channel: str
    direction: str
    outcome: str
    target: str
    contact_point_id: int | None
    account_ids: tuple[int, ...]


# The compliance gate's reads are written by hand (``arrears.core.sql``): building and compiling a
# queryset costs Django several times what the database takes to run it, and the gate reads these for
# every decision. ``compliance/tests/test_decision_reads.py`` holds each to the queryset it replaces.
_ATTEMPTS = ContactAttempt._meta.db_table
_CONCERNED = ContactAttempt.accounts.through._meta.db_table


def attempts_history(*, debtor_ids: Collection[int], since: datetime) -> list[HistoryRow]:
    """The debtors' attempts from ``since`` on, oldest first, without the ones the gate blocked (nothing
    was sent), each with the accounts it concerned (in id order). One query whatever the number of
    debtors: an attempt comes once per account it concerned, and the rows are folded here."""
    where, params = in_ids("a.debtor_id", debtor_ids)
    rows = select(
        "SELECT a.id, a.debtor_id, a.at, a.channel, a.direction, a.outcome, a.target, a.contact_point_id, "  # noqa: S608 (fixed names; values bound)
        f"c.account_id FROM {_ATTEMPTS} a LEFT JOIN {_CONCERNED} c ON c.contactattempt_id = a.id "
        f"WHERE {where} AND a.at >= %s AND NOT (a.outcome = %s) ORDER BY a.at, a.id, c.account_id",
        [*params, instant_param(since), str(Outcome.BLOCKED)],
    )
    found: list[HistoryRow] = []
    accounts: list[int] = []
    for i, row in enumerate(rows):
        if row[8] is not None:
            accounts.append(row[8])
        if i + 1 == len(rows) or rows[i + 1][0] != row[0]:
            pk, debtor_id, at, channel, direction, outcome, target, point_id, _ = row
            found.append(
                HistoryRow(
                    pk, debtor_id, instant(at), channel, direction, outcome, target, point_id, tuple(accounts)
                )
            )
            accounts = []
    return found


def attempts_inbound_email_points(*, debtor_ids: Collection[int], at: datetime) -> set[int]:
    """The contact points (email addresses) the debtors have written to us from, up to ``at``."""
    where, params = in_ids("debtor_id", debtor_ids)
    rows = select(
        f"SELECT contact_point_id FROM {_ATTEMPTS} WHERE {where} AND channel = %s AND direction = %s "  # noqa: S608 (fixed names; values bound)
        "AND at <= %s AND contact_point_id IS NOT NULL",
        [*params, "email", str(Direction.INBOUND), instant_param(at)],
    )
    return {point_id for (point_id,) in rows}


def attempts_first_outbound(
    *, account_ids: Collection[int], outcomes: Collection[str]
) -> dict[int, datetime]:
    """For each account, when the first outbound attempt concerning it with one of ``outcomes`` was made."""
    where, params = in_ids("c.account_id", account_ids)
    wanted, more = in_texts("a.outcome", outcomes)
    rows = select(
        f"SELECT c.account_id, MIN(a.at) FROM {_CONCERNED} c "  # noqa: S608 (fixed names; values bound)
        f"JOIN {_ATTEMPTS} a ON a.id = c.contactattempt_id "
        f"WHERE {where} AND a.direction = %s AND {wanted} GROUP BY c.account_id",
        [*params, str(Direction.OUTBOUND), *more],
    )
    return {account_id: instant(first) for account_id, first in rows}  # type: ignore[misc]


def attempts_for_account(*, organization_id: int, account_id: int) -> QuerySet[ContactAttempt]:
    """The attempts that concerned one account of the organization, for its timeline."""
    return ContactAttempt.objects.filter(organization_id=organization_id, accounts__id=account_id)


def attempts_last_by_account(
    *, account_ids: Collection[int]
) -> dict[int, tuple[datetime | None, datetime | None]]:
    """For each account, its last contact (any attempt the gate did not block) and its last right-party
    contact, in one query (strategies' segments read them)."""
    from django.db.models import Max, Q

    return {
        row["account_id"]: (row["last"], row["rpc"])
        for row in ContactAttempt.accounts.through.objects.filter(account_id__in=in_array(list(account_ids)))
        .exclude(contactattempt__outcome=Outcome.BLOCKED)
        .values("account_id")
        .annotate(
            last=Max("contactattempt__at"),
            rpc=Max(
                "contactattempt__at",
                filter=Q(contactattempt__outcome__in=[Outcome.RIGHT_PARTY_CONTACT, Outcome.CONVERSATION]),
            ),
        )
    }


def attempts_counts_by_account(
    *, account_ids: Collection[int], since: datetime
) -> dict[int, tuple[int, int]]:
    """(outbound contacts made, right-party contacts) per account since `since`, blocked ones aside."""
    from django.db.models import Count, Q

    return {
        row["account_id"]: (row["n"], row["rpc"])
        for row in ContactAttempt.accounts.through.objects.filter(
            account_id__in=in_array(list(account_ids)), contactattempt__at__gte=since
        )
        .exclude(contactattempt__outcome=Outcome.BLOCKED)
        .values("account_id")
        .annotate(
            n=Count("contactattempt", filter=Q(contactattempt__direction=Direction.OUTBOUND)),
            rpc=Count(
                "contactattempt",
                filter=Q(contactattempt__outcome__in=[Outcome.RIGHT_PARTY_CONTACT, Outcome.CONVERSATION]),
            ),
        )
    }


def call_requests_open(
    *,
    organization_id: int,
    account_ids: Collection[int] | None = None,
    due_before: datetime | None = None,
) -> QuerySet[CallRequest]:
    """Open call requests of the organization (optionally of these accounts, due before a time), soonest
    first."""
    rows = CallRequest.objects.filter(organization_id=organization_id, closed_at__isnull=True)
    if account_ids is not None:
        rows = rows.filter(account_id__in=in_array(list(account_ids)))
    if due_before is not None:
        rows = rows.filter(due_at__lt=due_before)
    return rows.order_by("due_at", "id")


def _attempts_scoped(*, organization_id: int, client_ids: Collection[int] | None) -> QuerySet[ContactAttempt]:
    qs = ContactAttempt.objects.filter(organization_id=organization_id)
    if client_ids is not None:  # a client sees the attempts about its accounts only
        seen = ContactAttempt.accounts.through.objects.filter(account__client_id__in=list(client_ids))
        qs = qs.filter(pk__in=seen.values("contactattempt_id"))
    return qs


def attempts_page(
    *,
    organization_id: int,
    client_ids: Collection[int] | None,
    account_id: int | None,
    starting_after: int | None,
    limit: int,
) -> list[ContactAttempt]:
    """A cursor page of the organization's attempts (those about one account, when given; about the
    clients' accounts, when given), by id, with their decisions and accounts."""
    qs = _attempts_scoped(organization_id=organization_id, client_ids=client_ids)
    if account_id is not None:
        qs = qs.filter(pk__in=ContactAttempt.accounts.through.objects.filter(account_id=account_id).values(
            "contactattempt_id"
        ))  # fmt: skip
    if starting_after is not None:
        qs = qs.filter(pk__gt=starting_after)
    return list(qs.select_related("decision").prefetch_related("accounts").order_by("pk")[:limit])


def attempt_get(*, organization_id: int, client_ids: Collection[int] | None, pk: int) -> ContactAttempt:
    """One attempt of the organization (about the clients' accounts, when given); else not found."""
    qs = _attempts_scoped(organization_id=organization_id, client_ids=client_ids)
    found = qs.select_related("decision").prefetch_related("accounts").filter(pk=pk).first()
    if found is None:
        raise NotFound(AttemptsError.NOT_FOUND, f"no contact attempt {pk}")
    return found
