"""The compliance gate for many messages at once: the same facts ``compliance.selectors.facts_base``
reads for one account, gathered for a whole batch in a fixed number of queries, then decided by the
pure engine (``compliance.domain.evaluate``) and stored with one insert.

``decide_many`` is what batch writers (a nightly run, a letter batch, the benchmark) call instead of
``compliance.services.decide`` in a loop: the decisions and their audit events are the same.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Min, Q

from arrears.accounts.models import Account, AccountDebtor
from arrears.audit.services import AuditSpec, audit_record_many
from arrears.compliance.choices import HOLD_FLAGS, HoldKind
from arrears.compliance.domain import evaluate
from arrears.compliance.facts import Action, Address, Attempt, Consumer, Debt, Email, Facts, Phone, Window
from arrears.compliance.models import Decision, Hold, ValidationNotice
from arrears.compliance.scenario import decision_to_json, facts_to_json
from arrears.compliance.selectors import (
    ADDRESS_KIND,
    COMMUNICATED,
    DNC_FLAGS,
    EMAIL_KIND,
    HISTORY_DAYS,
    PHONE_KIND,
    FactsBase,
    _windows,
    collector_type,
    limitation_expiry,
)
from arrears.core.bulk import insert_rows
from arrears.core.clock import utcnow
from arrears.debtors.models import ConsentRecord, ContactPoint, Debtor
from arrears.tenancy.domain import Principal
from arrears.tenancy.models import Organization

from .choices import Direction, Outcome
from .models import ContactAttempt


@dataclass(frozen=True, slots=True)
class GateRequest:
    account: Account
    channel: str
    target: ContactPoint | str | None = None
    purpose: str = "collection"
    debtor: Debtor | None = None


def _primary_debtors(account_ids: list[int]) -> dict[int, int]:
    primary: dict[int, int] = {}
    links = AccountDebtor.objects.filter(account_id__in=account_ids).order_by("account_id", "role", "id")
    for account_id, debtor_id in links.values_list("account_id", "debtor_id"):
        primary.setdefault(account_id, debtor_id)
    return primary


def _windows_cached(debtor: Debtor, cache: dict[str, tuple[Window, ...]]) -> tuple[Window, ...]:
    if not debtor.inconvenient_times:
        return ()
    key = repr(debtor.inconvenient_times)
    if key not in cache:
        cache[key] = _windows(debtor)
    return cache[key]


def facts_bases(*, requests: Sequence[GateRequest], at: datetime) -> list[FactsBase]:
    """One ``FactsBase`` per request, equal to what ``facts_base`` reads one at a time."""
    account_ids = sorted({r.account.pk for r in requests})
    primary = _primary_debtors([r.account.pk for r in requests if r.debtor is None])
    debtor_ids = {r.debtor.pk if r.debtor else primary[r.account.pk] for r in requests}
    debtors = {d.pk: d for d in Debtor.objects.filter(pk__in=debtor_ids)}
    org_ids = {r.account.organization_id for r in requests}
    modes = {
        o.pk: collector_type(o) for o in Organization.objects.filter(pk__in=org_ids).only("collection_mode")
    }

    points: dict[int, list[ContactPoint]] = defaultdict(list)
    for p in (
        ContactPoint.objects.filter(debtor_id__in=debtor_ids)
        .exclude(status__in=["wrong_party", "invalid"])
        .order_by("-is_primary", "id")
    ):
        points[p.debtor_id].append(p)
    consents: dict[int, dict[tuple[int | None, str, str], bool]] = defaultdict(dict)
    for debtor_id, point_id, channel, kind, granted in (
        ConsentRecord.objects.filter(debtor_id__in=debtor_ids, recorded_at__lte=at)
        .order_by("recorded_at", "id")
        .values_list("debtor_id", "contact_point_id", "channel", "kind", "granted")
    ):
        consents[debtor_id][(point_id, channel, kind)] = granted
    used: set[int] = set(
        ContactAttempt.objects.filter(
            debtor_id__in=debtor_ids, channel="email", direction=Direction.INBOUND, at__lte=at
        )
        .exclude(contact_point__isnull=True)
        .values_list("contact_point_id", flat=True)
    )
    holds_by_account: dict[int, list[Hold]] = defaultdict(list)
    holds_by_debtor: dict[int, list[Hold]] = defaultdict(list)
    for h in Hold.objects.filter(lifted_at__isnull=True).filter(
        Q(account_id__in=account_ids) | Q(account__isnull=True, debtor_id__in=debtor_ids)
    ):
        if h.account_id is not None:
            holds_by_account[h.account_id].append(h)
        else:
            holds_by_debtor[h.debtor_id].append(h)  # type: ignore[index]
    notices: dict[int, ValidationNotice] = {}
    for n in ValidationNotice.objects.filter(account_id__in=account_ids).order_by(
        "account_id", "-provided_on", "-id"
    ):
        notices.setdefault(n.account_id, n)
    through = ContactAttempt.accounts.through
    first_comm: dict[int, datetime] = {
        row["account_id"]: row["first"]
        for row in through.objects.filter(
            account_id__in=account_ids,
            contactattempt__direction=Direction.OUTBOUND,
            contactattempt__outcome__in=COMMUNICATED,
        )
        .values("account_id")
        .annotate(first=Min("contactattempt__at"))
    }
    history = _histories(debtor_ids=debtor_ids, at=at)

    window_cache: dict[str, tuple[Window, ...]] = {}
    consumer_cache: dict[int, tuple[Consumer, dict[int, frozenset[str]]]] = {}
    results = []
    for r in requests:
        debtor = r.debtor or debtors[primary[r.account.pk]]
        if debtor.pk not in consumer_cache:
            consumer_cache[debtor.pk] = _consumer(
                debtor, points[debtor.pk], consents[debtor.pk], used, holds_by_debtor[debtor.pk], window_cache
            )
        consumer, point_opt_outs = consumer_cache[debtor.pk]
        account = r.account
        account_holds = holds_by_account[account.pk]
        debt_flags = frozenset(HOLD_FLAGS[h.kind] for h in account_holds if h.kind in HOLD_FLAGS)
        disputes = [h for h in [*account_holds, *holds_by_debtor[debtor.pk]] if h.kind == HoldKind.DISPUTE]
        dispute = min(disputes, key=lambda h: h.effective_on) if disputes else None
        notice = notices.get(account.pk)
        debtor_state = next((a.state for a in consumer.addresses if a.state), "")
        debt = Debt(
            id=str(account.pk),
            type=account.debt_type,
            jurisdiction=(
                f"{account.jurisdiction_country}-{account.jurisdiction_state}"
                if account.jurisdiction_state
                else ""
            ),
            flags=debt_flags,
            first_communication_at=first_comm.get(account.pk),
            validation_notice_sent_on=notice.provided_on if notice else None,
            validation_period_ends_on=notice.ends_on if notice else None,
            disputed_on=dispute.effective_on if dispute else None,
            dispute_written=bool(dispute.details.get("written", True)) if dispute else True,
            limitation_expires_on=limitation_expiry(account=account, debtor_state=debtor_state),
        )
        facts = Facts(
            action=Action(channel="letter"),
            debt=debt,
            collector_type=modes[account.organization_id],
            consumer=consumer,
            history=history.get(debtor.pk, ()),
        )
        results.append(
            FactsBase(
                facts=facts, debtor=debtor, points=tuple(points[debtor.pk]), point_opt_outs=point_opt_outs
            )
        )
    return results


def _consumer(
    debtor: Debtor,
    points: list[ContactPoint],
    consents: dict[tuple[int | None, str, str], bool],
    used: set[int],
    holds: list[Hold],
    window_cache: dict[str, tuple[Window, ...]],
) -> tuple[Consumer, dict[int, frozenset[str]]]:
    def granted(point_id: int | None, channel: str, kind: str) -> bool:
        return consents.get((point_id, channel, kind), False)

    phones = tuple(
        Phone(
            number=p.value, kind=PHONE_KIND.get(p.label, "other"), sms_consent=granted(p.pk, "sms", "consent")
        )
        for p in points
        if p.kind == "phone"
    )
    emails = tuple(
        Email(
            address=p.value,
            kind=EMAIL_KIND.get(p.label, "other"),
            consented=granted(p.pk, "email", "consent"),
            used=p.pk in used,
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
    flags = {HOLD_FLAGS[h.kind] for h in holds if h.kind in HOLD_FLAGS}
    if debtor.do_not_contact:
        flags.add(DNC_FLAGS.get(debtor.do_not_contact_reason, "cease_communication"))
    consumer = Consumer(
        timezone=debtor.timezone or None,
        addresses=addresses,
        phones=phones,
        emails=emails,
        inconvenient_times=_windows_cached(debtor, window_cache),
        flags=frozenset(flags),
        opt_outs=opt_outs,
    )
    return consumer, {k: frozenset(v) for k, v in point_opt_outs.items()}


def _histories(*, debtor_ids: set[int], at: datetime) -> dict[int, tuple[Attempt, ...]]:
    rows = list(
        ContactAttempt.objects.filter(debtor_id__in=debtor_ids, at__gte=at - timedelta(days=HISTORY_DAYS))
        .exclude(outcome=Outcome.BLOCKED)
        .order_by("at", "id")
        .values_list(
            "pk", "debtor_id", "at", "channel", "direction", "outcome", "target", "contact_point__value"
        )
    )
    debt_ids: dict[int, list[str]] = defaultdict(list)
    through = ContactAttempt.accounts.through
    for attempt_id, account_id in through.objects.filter(
        contactattempt_id__in=[r[0] for r in rows]
    ).values_list("contactattempt_id", "account_id"):
        debt_ids[attempt_id].append(str(account_id))
    found: dict[int, list[Attempt]] = defaultdict(list)
    for pk, debtor_id, when, channel, direction, outcome, target, point_value in rows:
        found[debtor_id].append(
            Attempt(
                at=when,
                channel=channel,
                direction=direction,
                outcome=outcome,
                debt_ids=tuple(debt_ids.get(pk, ())),
                target=target or point_value,
            )
        )
    return {k: tuple(v) for k, v in found.items()}


@dataclass(frozen=True, slots=True)
class GateResult:
    decision_id: int
    allowed: bool
    reasons: list[dict[str, Any]]
    requirements: list[dict[str, Any]]
    next_allowed_at: datetime | None
    debtor_id: int
    contact_point: ContactPoint | None
    target: str


@transaction.atomic
def decide_many(*, requests: Sequence[GateRequest], at: datetime, actor: Principal) -> list[GateResult]:
    """Decide every request as ``compliance.services.decide`` would, and store the decisions and their
    audit events with one insert each. Overrides are not offered in a batch."""
    if not requests:
        return []
    decided_at = utcnow()
    bases = facts_bases(requests=requests, at=at)
    label = actor.label or (f"user:{actor.user_id}" if actor.user_id else "system")
    rows, results = [], []
    for r, base in zip(requests, bases, strict=True):
        facts, point = base.for_action(channel=r.channel, target=r.target, purpose=r.purpose)
        outcome = evaluate(facts, now=at)
        result = decision_to_json(outcome)
        rows.append(
            {
                "organization_id": r.account.organization_id,
                "account_id": r.account.pk,
                "debtor_id": base.debtor.pk,
                "channel": r.channel,
                "target": facts.action.target or "",
                "purpose": r.purpose,
                "at": at,
                "decided_at": decided_at,
                "allowed": result["allowed"],
                "reasons": result["reasons"],
                "requirements": result["requirements"],
                "next_allowed_at": outcome.next_allowed_at,
                "facts": facts_to_json(facts, now=at),
                "actor_user_id": actor.user_id,
                "actor_label": label,
                "overridden": False,
                "override_reason": "",
            }
        )
        results.append((result, outcome.next_allowed_at, base.debtor.pk, point, facts.action.target or ""))
    ids = insert_rows(Decision, rows)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event="compliance.decided",
                subject_type="account",
                subject_id=row["account_id"],
                account_id=row["account_id"],
                data={
                    "decision": pk,
                    "channel": row["channel"],
                    "purpose": row["purpose"],
                    "allowed": row["allowed"],
                    "codes": [x["code"] for x in row["reasons"]],
                },
            )
            for pk, row in zip(ids, rows, strict=True)
        ],
    )
    return [
        GateResult(pk, res["allowed"], res["reasons"], res["requirements"], nxt, debtor_id, point, target)
        for pk, (res, nxt, debtor_id, point, target) in zip(ids, results, strict=True)
    ]
