"""Reading the facts of proposed contacts: one builder for one contact and for a batch of thousands.

``facts_bases`` gathers, for every request (an account, and the debtor or contact point the contact
goes to), everything the rules may look at, in a fixed number of set-based queries whatever the batch
size: ``compliance.selectors.facts_base`` (what ``compliance.services.decide`` reads) is this builder
with a batch of one, so a decision in a batch and a decision on its own are made from the same facts.

Rows are read as tuples, not model instances: a batch of 2,000 accounts reads some 6,000 contact points,
and building a model instance for each costs more than the query. ``FactsBase.points`` builds them on
first use (the "Contact now?" panel); a batch that names its targets never asks.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeIs

from arrears.accounts.selectors import debtor_links_for_decisions
from arrears.attempts.choices import HISTORY_OUTCOME, Outcome
from arrears.attempts.selectors import (
    attempts_first_outbound,
    attempts_history,
    attempts_inbound_email_points,
)
from arrears.core.errors import ArrearsError
from arrears.core.sql import in_ids, select
from arrears.debtors.domain import zones_from_text
from arrears.debtors.selectors import (
    consents_for_decisions,
    contact_point_values,
    contact_point_values_of_debtors,
    contact_points_for_decisions,
    contact_points_in_bulk,
    debtor_from_row,
    debtors_for_decisions,
)
from arrears.tenancy.choices import CollectionMode
from arrears.tenancy.selectors import organization_collection_modes

from .choices import HOLD_FLAGS, HoldKind, LimitationKind
from .domain import accrual_date, limitation_expires_on
from .errors import ComplianceError
from .facts import Action, Address, Attempt, Consumer, Debt, Email, Facts, Phone, Window
from .models import ContactPolicy, Hold, ValidationNotice
from .policy import DEFAULT_POLICY, Policy
from .scenario import InvalidScenario, normalize_number, windows_from_json
from .statutes import limitation_for

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import ContactPoint, Debtor
    from arrears.tenancy.models import Organization

# History older than this cannot affect any rule (the longest window is Massachusetts' 30 days).
HISTORY_DAYS = 40
# Outcomes that convey information about the debt: the first one starts the 5 days for the validation
# notice. A voicemail is left as a limited-content message (1006.2(j)), which is not a communication.
COMMUNICATED = frozenset({Outcome.CONVERSATION, Outcome.RIGHT_PARTY_CONTACT, Outcome.DELIVERED})
# Do-not-contact reasons on the debtor record and the flag each raises.
DNC_FLAGS = {"deceased": "deceased"}
PHONE_KIND = {"mobile": "mobile", "home": "home", "work": "work", "personal": "personal"}
EMAIL_KIND = {"work": "work", "personal": "personal", "home": "personal", "mobile": "personal"}
ADDRESS_KIND = {"home": "home", "work": "work"}
UNUSABLE_POINTS = ("wrong_party", "invalid")
# The account columns a decision reads. A batch caller that only decides may read its accounts with
# ``.only(*ACCOUNT_FIELDS)``: building a full instance of each costs more than deciding for it.
ACCOUNT_FIELDS = (
    "id", "organization_id", "reference", "debt_type", "jurisdiction_country", "jurisdiction_state",
    "delinquent_since", "last_payment_on", "charged_off_on", "due_on",
)  # fmt: skip


class FactsRequest(Protocol):
    """What the builder needs to know of a proposed contact (``compliance.services.GateRequest`` is one)."""

    @property
    def account(self) -> Account: ...
    @property
    def target(self) -> ContactPoint | str | None: ...
    @property
    def debtor(self) -> Debtor | None: ...


@dataclass(frozen=True, slots=True)
class Request:
    account: Account
    target: ContactPoint | str | None = None
    debtor: Debtor | None = None


def collector_type(organization: Organization) -> str:
    return _collector_type(organization.collection_mode)


def _collector_type(collection_mode: str) -> str:
    return "first_party" if collection_mode == CollectionMode.FIRST_PARTY else "third_party"


# The gate's own reads are written by hand (``arrears.core.sql``), as the other apps' selectors it calls
# are: Django takes several times longer to build and compile each queryset than the database takes to
# run it. ``tests/test_decision_reads.py`` holds each to the queryset it replaces, on both databases.
_POLICIES = ContactPolicy._meta.db_table
_HOLDS = Hold._meta.db_table
_NOTICES = ValidationNotice._meta.db_table


def policies_for(organization_ids: Iterable[int]) -> dict[int, Policy]:
    """Each organization's contact policy (``compliance.policy``); the law's limits where it set none."""
    organization_ids = set(organization_ids)
    where, params = in_ids("organization_id", organization_ids)
    found = {
        row[0]: Policy(*row[1:])
        for row in select(
            "SELECT organization_id, call_limit, earliest, latest, weekend_calls, holiday_calls "  # noqa: S608 (fixed names; values bound)
            f"FROM {_POLICIES} WHERE {where}",
            params,
        )
    }
    return {pk: found.get(pk, DEFAULT_POLICY) for pk in organization_ids}


def limitation_expiry(
    *, account: Account, debtor_state: str = "", kind: str = LimitationKind.OPEN_ACCOUNT
) -> date | None:
    """When suit on the account becomes time-barred, from the statute table (None when unknown).

    The account's jurisdiction decides; without one, the debtor's state. The kind of debt defaults to
    open account / credit card, the usual consumer collection debt.
    """
    state = account.jurisdiction_state or debtor_state
    if (account.jurisdiction_country or "US") != "US" or not state:
        return None
    limitation = limitation_for(state=state, kind=kind)
    accrued = accrual_date(
        delinquent_since=account.delinquent_since,
        last_payment_on=account.last_payment_on,
        charged_off_on=account.charged_off_on,
        due_on=account.due_on,
    )
    if limitation is None or accrued is None:
        return None
    return limitation_expires_on(accrued_on=accrued, limitation=limitation)


def debtor_windows(debtor: Debtor | _DebtorRow) -> tuple[Window, ...]:
    try:
        return windows_from_json(debtor.inconvenient_times or [], "inconvenient_times")
    except InvalidScenario as exc:
        raise ArrearsError(
            ComplianceError.INVALID_FACTS, f"debtor {debtor.pk} has invalid inconvenient times: {exc}"
        ) from exc


# The contact point columns a decision reads; a full instance is read only when one is asked for.
_POINT_FIELDS = (
    "id", "debtor_id", "kind", "label", "value", "line1", "country", "state", "postal_code", "time_zones"
)  # fmt: skip
_ID, _DEBTOR, _KIND, _LABEL, _VALUE, _LINE1, _COUNTRY, _STATE, _POSTAL, _ZONES = range(len(_POINT_FIELDS))


class _DebtorRow(NamedTuple):
    """The debtor columns a decision reads: a model instance is built only when one is asked for."""

    id: int
    organization_id: int
    timezone: str
    inconvenient_times: Any
    do_not_contact: bool
    do_not_contact_reason: str

    @property
    def pk(self) -> int:
        return self.id


_DEBTOR_FIELDS = _DebtorRow._fields


@dataclass(frozen=True, slots=True)
class FactsBase:
    """Everything about a debtor and an account except the action, so one read serves every channel."""

    debt: Debt
    collector_type: str
    consumer: Consumer
    history: tuple[Attempt, ...]
    debtor_id: int
    point_rows: tuple[tuple[Any, ...], ...]
    point_opt_outs: dict[int, frozenset[str]]
    debtor_row: Debtor | _DebtorRow = field(repr=False)
    policy: Policy = DEFAULT_POLICY
    _built: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def facts(self) -> Facts:
        """The facts with a letter to the debtor as the action (``for_action`` names another)."""
        return Facts(
            Action(channel="letter"), self.debt, self.collector_type, self.consumer, self.history, self.policy
        )

    @property
    def debtor(self) -> Debtor:
        """The debtor as a model instance (its other columns deferred when it was read for a batch)."""
        if not isinstance(self.debtor_row, _DebtorRow):
            return self.debtor_row
        if "debtor" not in self._built:
            self._built["debtor"] = debtor_from_row(fields=_DEBTOR_FIELDS, row=self.debtor_row)
        debtor: Debtor = self._built["debtor"]
        return debtor

    @property
    def points(self) -> tuple[ContactPoint, ...]:
        """The debtor's usable contact points, primary first, as model instances (read once)."""
        if "points" not in self._built:
            found = contact_points_in_bulk(ids=[row[_ID] for row in self.point_rows])
            self._built["points"] = tuple(found[row[_ID]] for row in self.point_rows if row[_ID] in found)
        points: tuple[ContactPoint, ...] = self._built["points"]
        return points

    def for_action(
        self, *, channel: str, target: str | ContactPoint | None, purpose: str
    ) -> tuple[Facts, ContactPoint | None]:
        if _is_point(target):
            point: ContactPoint | None = target
        else:
            row = _match_row(self.point_rows, target)
            point = next((p for p in self.points if p.pk == row[_ID]), None) if row is not None else None
        text = point.value if point is not None else (target if isinstance(target, str) else None)
        consumer = self.consumer
        if point is not None and (extra := self.point_opt_outs.get(point.pk)):
            relevant = {c for c in extra if c == channel or (channel == "voicemail" and c == "call")}
            if relevant:
                consumer = Consumer(
                    timezone=consumer.timezone,
                    addresses=consumer.addresses,
                    phones=consumer.phones,
                    emails=consumer.emails,
                    inconvenient_times=consumer.inconvenient_times,
                    flags=consumer.flags,
                    opt_outs=consumer.opt_outs | frozenset(relevant),
                )
        action = Action(channel, text or None, purpose)
        return Facts(action, self.debt, self.collector_type, consumer, self.history, self.policy), point


def _is_point(target: ContactPoint | str | None) -> TypeIs[ContactPoint]:
    """A request's target is a contact point, a text (a number, an address) or nothing."""
    return target is not None and not isinstance(target, str)


def _match_row(rows: Iterable[tuple[Any, ...]], target: str | None) -> tuple[Any, ...] | None:
    if not target:
        return None
    wanted = {target.strip().lower(), normalize_number(target)}
    line = target.strip().lower()
    for row in rows:
        if row[_VALUE].lower() in wanted or row[_LINE1].strip().lower() == line:
            return row
    return None


def match_point(points: Iterable[ContactPoint], target: str | None) -> ContactPoint | None:
    if not target:
        return None
    wanted = {target.strip().lower(), normalize_number(target)}
    for point in points:
        if point.value.lower() in wanted or point.line1.strip().lower() == target.strip().lower():
            return point
    return None


def _owners(requests: Sequence[FactsRequest], links: dict[int, list[int]]) -> dict[int, int]:
    """For requests naming only a target by its text: the account's debtor who owns that contact point
    (by position in ``requests``), the first by point id. One query, for the accounts that need it."""
    wanted = {
        i: r for i, r in enumerate(requests) if r.debtor is None and isinstance(r.target, str) and r.target
    }
    if not wanted:
        return {}
    by_debtor: dict[int, list[tuple[int, int, str]]] = defaultdict(list)
    for point_id, debtor_id, value in contact_point_values_of_debtors(
        debtor_ids={d for r in wanted.values() for d in links[r.account.pk]}
    ):
        by_debtor[debtor_id].append((point_id, debtor_id, value))
    found = {}
    for i, r in wanted.items():
        target = str(r.target)
        text, number = target.strip().lower(), normalize_number(target)
        points = sorted(p for d in dict.fromkeys(links[r.account.pk]) for p in by_debtor[d])
        owner = next(
            (d for _, d, v in points if v.lower() == text or v == number),
            None,
        )
        if owner is not None:
            found[i] = owner
    return found


def facts_bases(*, requests: Sequence[FactsRequest], at: datetime) -> list[FactsBase]:
    """One ``FactsBase`` per request, read in a fixed number of queries.

    The debtor is the request's, else the target contact point's owner (a text target is looked up
    among the account's debtors), else the account's primary debtor.
    """
    if not requests:
        return []
    account_ids = {r.account.pk for r in requests}
    links: dict[int, list[int]] = defaultdict(list)
    for account_id, debtor_id in debtor_links_for_decisions(account_ids=account_ids):
        links[account_id].append(debtor_id)
    owners = _owners(requests, links)
    chosen: list[int] = []
    given: dict[int, Debtor] = {}
    for i, r in enumerate(requests):
        if r.debtor is not None:
            given[r.debtor.pk] = r.debtor
            chosen.append(r.debtor.pk)
        elif _is_point(r.target):
            chosen.append(r.target.debtor_id)
        elif i in owners:
            chosen.append(owners[i])
        elif links[r.account.pk]:
            chosen.append(links[r.account.pk][0])
        else:
            raise ArrearsError(ComplianceError.NO_DEBTOR, f"account {r.account.reference} has no debtor")
    debtor_ids = set(chosen)
    debtors: dict[int, Debtor | _DebtorRow] = dict(given)
    missing = debtor_ids - given.keys()
    if missing:
        # The inconvenient times as text, parsed only when there are some: most debtors have none, and
        # Django would decode every row's JSON in Python.
        for pk, organization_id, timezone, times, dnc, dnc_reason in debtors_for_decisions(
            debtor_ids=missing
        ):
            parsed = json.loads(times) if times and times != "[]" else []
            debtors[pk] = _DebtorRow(pk, organization_id, timezone, parsed, dnc, dnc_reason)
    modes = {
        pk: _collector_type(mode)
        for pk, mode in organization_collection_modes(
            organization_ids={r.account.organization_id for r in requests}
        ).items()
    }
    policies = policies_for(modes)

    points: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for row in contact_points_for_decisions(
        debtor_ids=debtor_ids, fields=_POINT_FIELDS, exclude_statuses=UNUSABLE_POINTS
    ):
        points[row[_DEBTOR]].append(row)
    consents: dict[int, dict[tuple[int | None, str, str], bool]] = defaultdict(dict)
    for debtor_id, point_id, channel, kind, granted in consents_for_decisions(debtor_ids=debtor_ids, at=at):
        consents[debtor_id][(point_id, channel, kind)] = granted  # the newest record wins
    used = attempts_inbound_email_points(debtor_ids=debtor_ids, at=at)
    holds = _holds(account_ids, debtor_ids)
    notices = _notices(account_ids)
    first_comm = attempts_first_outbound(account_ids=account_ids, outcomes=COMMUNICATED)
    history = _histories(debtor_ids=debtor_ids, at=at, points=points)

    consumers: dict[tuple[int, int, bool], tuple[Consumer, dict[int, frozenset[str]]]] = {}
    windows: dict[str, tuple[Window, ...]] = {}
    results = []
    for r, debtor_id in zip(requests, chosen, strict=True):
        account = r.account
        # A debtor-wide hold counts for the account's own debtors, within the account's organization.
        linked = debtor_id in links[account.pk]
        debtor_holds = [
            h for h in holds.by_debtor[debtor_id] if linked and h.organization_id == account.organization_id
        ]
        key = (debtor_id, account.organization_id, linked)
        if key not in consumers:
            consumers[key] = _consumer(
                debtors[debtor_id], points[debtor_id], consents[debtor_id], used, debtor_holds, windows
            )
        consumer, point_opt_outs = consumers[key]
        results.append(
            FactsBase(
                _debt(account, holds.by_account[account.pk], debtor_holds, consumer, notices, first_comm),
                modes[account.organization_id],
                consumer,
                history.get(debtor_id, ()),
                debtor_id,
                tuple(points[debtor_id]),
                point_opt_outs,
                debtors[debtor_id],
                policies[account.organization_id],
            )
        )
    return results


@dataclass(frozen=True, slots=True)
class _Hold:
    organization_id: int
    kind: str
    effective_on: date
    written: bool


@dataclass(slots=True)
class _Holds:
    by_account: dict[int, list[_Hold]]
    by_debtor: dict[int, list[_Hold]]


def _holds(account_ids: set[int], debtor_ids: set[int]) -> _Holds:
    """Active holds on the accounts, and debtor-wide ones (no account) on the debtors."""
    found = _Holds(defaultdict(list), defaultdict(list))
    on_accounts, params = in_ids("account_id", account_ids)
    on_debtors, more = in_ids("debtor_id", debtor_ids)
    for account_id, debtor_id, organization_id, kind, effective_on, details in select(
        "SELECT account_id, debtor_id, organization_id, kind, effective_on, details "  # noqa: S608 (fixed names; values bound)
        f"FROM {_HOLDS} WHERE lifted_at IS NULL AND ({on_accounts} OR ({on_debtors} AND account_id IS NULL)) "
        "ORDER BY id",
        [*params, *more],
    ):
        details = json.loads(details) if details else None  # the JSON text, on both databases
        hold = _Hold(organization_id, kind, effective_on, bool((details or {}).get("written", True)))
        if account_id is not None:
            found.by_account[account_id].append(hold)
        else:
            found.by_debtor[debtor_id].append(hold)
    return found


def _notices(account_ids: set[int]) -> dict[int, tuple[date, date]]:
    """(provided on, validation period ends on) of each account's newest validation notice."""
    notices: dict[int, tuple[date, date]] = {}
    where, params = in_ids("account_id", account_ids)
    for account_id, provided_on, ends_on in select(
        f"SELECT account_id, provided_on, ends_on FROM {_NOTICES} WHERE {where} "  # noqa: S608 (fixed names; values bound)
        "ORDER BY account_id, provided_on DESC, id DESC",
        params,
    ):
        notices.setdefault(account_id, (provided_on, ends_on))
    return notices


def _debt(
    account: Account,
    account_holds: list[_Hold],
    debtor_holds: list[_Hold],
    consumer: Consumer,
    notices: dict[int, tuple[date, date]],
    first_comm: dict[int, datetime],
) -> Debt:
    org = account.organization_id
    mine = [h for h in account_holds if h.organization_id == org]
    disputes = [h for h in (*mine, *debtor_holds) if h.kind == HoldKind.DISPUTE]
    dispute = min(disputes, key=lambda h: h.effective_on) if disputes else None
    notice = notices.get(account.pk)
    debtor_state = next((a.state for a in consumer.addresses if a.state), "")
    return Debt(
        id=str(account.pk),
        type=account.debt_type,
        jurisdiction=(
            f"{account.jurisdiction_country}-{account.jurisdiction_state}"
            if account.jurisdiction_state
            else ""
        ),
        flags=frozenset(HOLD_FLAGS[h.kind] for h in mine if h.kind in HOLD_FLAGS),
        first_communication_at=first_comm.get(account.pk),
        validation_notice_sent_on=notice[0] if notice else None,
        validation_period_ends_on=notice[1] if notice else None,
        disputed_on=dispute.effective_on if dispute else None,
        dispute_written=dispute.written if dispute else True,
        limitation_expires_on=limitation_expiry(account=account, debtor_state=debtor_state),
    )


def _consumer(
    debtor: Debtor | _DebtorRow,
    points: list[tuple[Any, ...]],
    consents: dict[tuple[int | None, str, str], bool],
    used: set[int],
    holds: list[_Hold],
    windows: dict[str, tuple[Window, ...]],
) -> tuple[Consumer, dict[int, frozenset[str]]]:
    phones, emails, addresses = [], [], []
    for p in points:
        kind = p[_KIND]
        if kind == "phone":  # TCPA consent is per number
            consent = consents.get((p[_ID], "sms", "consent"), False)
            zones = zones_from_text(p[_ZONES]) if p[_ZONES] is not None else None
            phones.append(Phone(p[_VALUE], PHONE_KIND.get(p[_LABEL], "other"), consent, zones))
        elif kind == "email":
            consent = consents.get((p[_ID], "email", "consent"), False)
            emails.append(Email(p[_VALUE], EMAIL_KIND.get(p[_LABEL], "other"), consent, p[_ID] in used))
        elif kind == "address":
            addresses.append(
                Address(
                    p[_COUNTRY] or "US",
                    p[_STATE],
                    p[_POSTAL],
                    ADDRESS_KIND.get(p[_LABEL], "other"),
                    p[_LINE1],
                )
            )
    opt_outs = set()
    point_opt_outs: dict[int, set[str]] = {}
    for (pid, ch, kind), on in consents.items():
        if kind == "opt_out" and on:
            if pid is None:
                opt_outs.add(ch)
            else:
                point_opt_outs.setdefault(pid, set()).add(ch)
    flags = {HOLD_FLAGS[h.kind] for h in holds if h.kind in HOLD_FLAGS}
    if debtor.do_not_contact:
        flags.add(DNC_FLAGS.get(debtor.do_not_contact_reason, "cease_communication"))
    inconvenient: tuple[Window, ...] = ()
    if debtor.inconvenient_times:
        key = repr(debtor.inconvenient_times)
        if key not in windows:
            windows[key] = debtor_windows(debtor)
        inconvenient = windows[key]
    consumer = Consumer(
        timezone=debtor.timezone or None,
        addresses=tuple(addresses),
        phones=tuple(phones),
        emails=tuple(emails),
        inconvenient_times=inconvenient,
        flags=frozenset(flags),
        opt_outs=frozenset(opt_outs),
    )
    return consumer, {k: frozenset(v) for k, v in point_opt_outs.items()}


def _histories(
    *, debtor_ids: set[int], at: datetime, points: dict[int, list[tuple[Any, ...]]]
) -> dict[int, tuple[Attempt, ...]]:
    rows = attempts_history(debtor_ids=debtor_ids, since=at - timedelta(days=HISTORY_DAYS))
    if not rows:
        return {}
    # An attempt without a target text names its contact point: usually one of the debtor's usable points,
    # already read; any other (since marked invalid, say) is read here.
    values = {row[_ID]: row[_VALUE] for debtor_id in debtor_ids for row in points.get(debtor_id, ())}
    unknown = {
        r.contact_point_id
        for r in rows
        if not r.target and r.contact_point_id is not None and r.contact_point_id not in values
    }
    if unknown:
        values.update(contact_point_values(ids=unknown))
    found: dict[int, list[Attempt]] = defaultdict(list)
    for r in rows:
        point_id = r.contact_point_id
        found[r.debtor_id].append(
            Attempt(
                at=r.at,
                channel=r.channel,
                direction=r.direction,
                outcome=HISTORY_OUTCOME.get(r.outcome, r.outcome),
                debt_ids=tuple(str(a) for a in r.account_ids),
                target=r.target or (values.get(point_id) if point_id is not None else None),
            )
        )
    return {k: tuple(v) for k, v in found.items()}
