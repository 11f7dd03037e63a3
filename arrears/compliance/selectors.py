"""Reads for compliance: the facts a decision is made from, holds, decisions and the contact-now panel."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from arrears.accounts.models import Account, AccountDebtor
from arrears.contact.choices import HISTORY_OUTCOME, Direction, Outcome
from arrears.contact.models import ContactAttempt
from arrears.core.errors import ArrearsError, NotFound
from arrears.debtors.models import ConsentRecord, ContactPoint, Debtor
from arrears.tenancy.choices import CollectionMode
from arrears.tenancy.domain import Principal
from arrears.tenancy.models import Organization

from .choices import HOLD_FLAGS, HoldKind, LimitationKind
from .domain import accrual_date, evaluate, limitation_expires_on
from .errors import ComplianceError
from .facts import Action, Address, Attempt, Consumer, Debt, Decision, Email, Facts, Phone, Window
from .models import Decision as StoredDecision
from .models import Hold, ValidationNotice
from .scenario import InvalidScenario, normalize_number, windows_from_json
from .statutes import limitation_for

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


def _account_holds(*, organization_id: int, account: Account) -> QuerySet[Hold]:
    """Holds on the account itself and debtor-wide holds on any of its debtors."""
    debtor_ids = AccountDebtor.objects.filter(account=account).values("debtor_id")
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
    try:
        return Hold.objects.select_related("account", "debtor").get(
            organization_id=principal.organization_id, pk=pk
        )
    except Hold.DoesNotExist:
        raise NotFound(ComplianceError.HOLD_NOT_FOUND, f"no hold {pk}") from None


def decisions_for_account(*, principal: Principal, account: Account) -> QuerySet[StoredDecision]:
    return StoredDecision.objects.filter(organization_id=principal.organization_id, account=account).order_by(
        "-at", "-id"
    )


def primary_debtor(account: Account) -> Debtor:
    link = (
        AccountDebtor.objects.filter(account=account).select_related("debtor").order_by("role", "id").first()
    )
    if link is None:
        raise ArrearsError(ComplianceError.NO_DEBTOR, f"account {account.reference} has no debtor")
    return link.debtor


def collector_type(organization: Organization) -> str:
    return "first_party" if organization.collection_mode == CollectionMode.FIRST_PARTY else "third_party"


def limitation_expiry(*, account: Account, debtor_state: str = "", kind: str = LimitationKind.OPEN_ACCOUNT):
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


@dataclass(frozen=True, slots=True)
class FactsBase:
    """Everything about a debtor and an account except the action, so one read serves every channel."""

    facts: Facts
    debtor: Debtor
    points: tuple[ContactPoint, ...]
    point_opt_outs: dict[int, frozenset[str]]

    def for_action(
        self, *, channel: str, target: str | ContactPoint | None, purpose: str
    ) -> tuple[Facts, ContactPoint | None]:
        point = target if isinstance(target, ContactPoint) else match_point(self.points, target)
        text = point.value if point is not None else (target if isinstance(target, str) else None)
        facts = replace(self.facts, action=Action(channel=channel, target=text or None, purpose=purpose))
        if point is not None and (extra := self.point_opt_outs.get(point.pk)):
            relevant = {c for c in extra if c == channel or (channel == "voicemail" and c == "call")}
            if relevant:
                consumer = replace(facts.consumer, opt_outs=facts.consumer.opt_outs | frozenset(relevant))
                facts = replace(facts, consumer=consumer)
        return facts, point


def match_point(points: Iterable[ContactPoint], target: str | None) -> ContactPoint | None:
    if not target:
        return None
    wanted = {target.strip().lower(), normalize_number(target)}
    for point in points:
        if point.value.lower() in wanted or point.line1.strip().lower() == target.strip().lower():
            return point
    return None


def _newest_consents(debtor: Debtor, at: datetime) -> dict[tuple[int | None, str, str], bool]:
    """The current state of each (contact point, channel, kind) as of ``at``: the newest record wins."""
    state: dict[tuple[int | None, str, str], bool] = {}
    for rec in ConsentRecord.objects.filter(debtor=debtor, recorded_at__lte=at).order_by("recorded_at", "id"):
        state[(rec.contact_point_id, rec.channel, rec.kind)] = rec.granted
    return state


def _windows(debtor: Debtor) -> tuple[Window, ...]:
    try:
        return windows_from_json(debtor.inconvenient_times or [], "inconvenient_times")
    except InvalidScenario as exc:
        raise ArrearsError(
            ComplianceError.INVALID_FACTS, f"debtor {debtor.pk} has invalid inconvenient times: {exc}"
        ) from exc


def facts_base(*, account: Account, at: datetime, debtor: Debtor | None = None) -> FactsBase:
    debtor = debtor or primary_debtor(account)
    organization = Organization.objects.only("collection_mode").get(pk=account.organization_id)
    points = tuple(
        ContactPoint.objects.filter(debtor=debtor)
        .exclude(status__in=["wrong_party", "invalid"])
        .order_by("-is_primary", "id")
    )
    consents = _newest_consents(debtor, at)

    def granted(point_id: int | None, channel: str, kind: str) -> bool:
        return consents.get((point_id, channel, kind), False)

    used_emails = set(
        ContactAttempt.objects.filter(debtor=debtor, channel="email", direction=Direction.INBOUND, at__lte=at)
        .exclude(contact_point__isnull=True)
        .values_list("contact_point_id", flat=True)
    )
    phones = tuple(
        Phone(
            number=p.value, kind=PHONE_KIND.get(p.label, "other"), sms_consent=granted(p.pk, "sms", "consent")
        )  # TCPA consent is per number
        for p in points
        if p.kind == "phone"
    )
    emails = tuple(
        Email(
            address=p.value,
            kind=EMAIL_KIND.get(p.label, "other"),
            consented=granted(p.pk, "email", "consent"),
            used=p.pk in used_emails,
        )
        for p in points
        if p.kind == "email"
    )
    addresses = tuple(
        Address(
            country=p.country or "US",
            state=p.state,
            postal_code=p.postal_code,
            kind=ADDRESS_KIND.get(p.label, "other"),
            line=p.line1,
        )
        for p in points
        if p.kind == "address"
    )
    opt_outs = frozenset(
        ch for (pid, ch, kind), on in consents.items() if pid is None and kind == "opt_out" and on
    )
    point_opt_outs: dict[int, set[str]] = {}
    for (pid, ch, kind), on in consents.items():
        if pid is not None and kind == "opt_out" and on:
            point_opt_outs.setdefault(pid, set()).add(ch)

    holds = list(
        _account_holds(organization_id=account.organization_id, account=account)
        .filter(lifted_at__isnull=True)
        .filter(Q(account=account) | Q(debtor=debtor))
    )
    consumer_flags = {HOLD_FLAGS[h.kind] for h in holds if h.account_id is None and h.kind in HOLD_FLAGS}
    debt_flags = {HOLD_FLAGS[h.kind] for h in holds if h.account_id is not None and h.kind in HOLD_FLAGS}
    if debtor.do_not_contact:
        consumer_flags.add(DNC_FLAGS.get(debtor.do_not_contact_reason, "cease_communication"))
    disputes = [h for h in holds if h.kind == HoldKind.DISPUTE]
    dispute = min(disputes, key=lambda h: h.effective_on) if disputes else None

    notice = ValidationNotice.objects.filter(account=account).order_by("-provided_on", "-id").first()
    first_comm = (
        ContactAttempt.objects.filter(
            accounts=account, direction=Direction.OUTBOUND, outcome__in=COMMUNICATED
        )
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    debtor_state = next((a.state for a in addresses if a.state), "")
    debt = Debt(
        id=str(account.pk),
        type=account.debt_type,
        jurisdiction=(
            f"{account.jurisdiction_country}-{account.jurisdiction_state}"
            if account.jurisdiction_state
            else ""
        ),
        flags=frozenset(debt_flags),
        first_communication_at=first_comm,
        validation_notice_sent_on=notice.provided_on if notice else None,
        validation_period_ends_on=notice.ends_on if notice else None,
        disputed_on=dispute.effective_on if dispute else None,
        dispute_written=bool(dispute.details.get("written", True)) if dispute else True,
        limitation_expires_on=limitation_expiry(account=account, debtor_state=debtor_state),
    )
    consumer = Consumer(
        timezone=debtor.timezone or None,
        addresses=addresses,
        phones=phones,
        emails=emails,
        inconvenient_times=_windows(debtor),
        flags=frozenset(consumer_flags),
        opt_outs=opt_outs,
    )
    facts = Facts(
        action=Action(channel="letter"),
        debt=debt,
        collector_type=collector_type(organization),
        consumer=consumer,
        history=tuple(_history(debtor=debtor, at=at)),
    )
    return FactsBase(
        facts=facts,
        debtor=debtor,
        points=points,
        point_opt_outs={k: frozenset(v) for k, v in point_opt_outs.items()},
    )


def _history(*, debtor: Debtor, at: datetime) -> list[Attempt]:
    attempts = (
        ContactAttempt.objects.filter(debtor=debtor, at__gte=at - timedelta(days=HISTORY_DAYS))
        .exclude(outcome=Outcome.BLOCKED)
        .select_related("contact_point")
        .prefetch_related("accounts")
        .order_by("at", "id")
    )
    return [
        Attempt(
            at=a.at,
            channel=a.channel,
            direction=a.direction,
            outcome=HISTORY_OUTCOME.get(a.outcome, a.outcome),
            debt_ids=tuple(str(acc.pk) for acc in a.accounts.all()),
            target=a.target or (a.contact_point.value if a.contact_point else None),
        )
        for a in attempts
    ]


def decision_facts(
    *,
    account: Account,
    channel: str,
    target: str | ContactPoint | None,
    purpose: str,
    at: datetime,
    debtor: Debtor | None = None,
) -> tuple[Facts, Debtor, ContactPoint | None]:
    """The facts for one proposed action, read from the database. The debtor is the target's owner."""
    if debtor is None and isinstance(target, ContactPoint):
        debtor = target.debtor
    if debtor is None and isinstance(target, str) and target:
        linked = Debtor.objects.filter(account_links__account=account)
        owner = (
            ContactPoint.objects.filter(debtor__in=linked)
            .filter(Q(value__iexact=target.strip()) | Q(value=normalize_number(target)))
            .first()
        )
        debtor = owner.debtor if owner else None
    base = facts_base(account=account, at=at, debtor=debtor)
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
        raise NotFound("accounts.not_found", f"no account {account.pk}")
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
