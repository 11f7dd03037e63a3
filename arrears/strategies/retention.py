"""Retention and erasure across the apps: `arrears retention request|report|apply`.

A debtor's erasure request (GDPR art. 17, CCPA) waits until `retention_domain.erasure_decision` allows
it: Reg F's three years after the last collection activity are over, and no legal hold or open claim
stands. Applying it replaces the debtor's personal data with tombstones in each app that holds some
(debtors, documents), through that app's own service; ledger entries and audit events are never
touched, so `arrears ledger check` and `arrears audit verify` stay green.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction

from arrears.accounts.selectors import accounts_only_of, debtor_accounts_owing
from arrears.audit.events import Event
from arrears.audit.selectors import audit_last_at
from arrears.audit.services import audit_record
from arrears.compliance.selectors import holds_standing
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, NotFound
from arrears.debtors.selectors import debtor_exists
from arrears.debtors.services import debtors_erase
from arrears.documents.services import documents_erase
from arrears.tenancy.domain import Principal

from .errors import RetentionError
from .models import ErasureRequest
from .retention_domain import AccountFacts, ErasureDecision, erasure_decision

LAWS = ("gdpr", "ccpa")


@transaction.atomic
def erasure_request_record(*, debtor_id: int, law: str, actor: Principal) -> ErasureRequest:
    """Record a debtor's request to erase their personal data; an open request is returned as it is."""
    if law not in LAWS:
        raise ArrearsError(RetentionError.LAW_UNKNOWN, f"law must be one of {', '.join(LAWS)}")
    if not debtor_exists(organization_id=actor.organization_id, debtor_id=debtor_id):
        raise NotFound(RetentionError.DEBTOR_NOT_FOUND, f"no debtor {debtor_id} in this organization")
    open_request = ErasureRequest.objects.filter(
        organization_id=actor.organization_id, debtor_id=debtor_id, erased_at__isnull=True
    ).first()
    if open_request is not None:
        return open_request
    request = ErasureRequest.objects.create(
        organization_id=actor.organization_id,
        debtor_id=debtor_id,
        law=law,
        received_at=utcnow(),
        received_by_label=actor.label or f"user:{actor.user_id}",
    )
    audit_record(
        actor=actor,
        event=Event.ERASURE_REQUESTED,
        subject_type="debtor",
        subject_id=debtor_id,
        data={"request": request.pk, "law": law},
    )
    return request


@dataclass(frozen=True, slots=True)
class ErasureItem:
    request_id: int
    organization_id: int
    debtor_id: int
    law: str
    received_at: datetime
    last_activity: datetime | None
    account_ids: tuple[int, ...]
    decision: ErasureDecision

    def as_dict(self) -> dict[str, object]:
        until = self.decision.retain_until
        return {
            "request": self.request_id,
            "debtor": self.debtor_id,
            "law": self.law,
            "received_at": self.received_at.isoformat(),
            "last_activity": self.last_activity.isoformat() if self.last_activity else None,
            "retain_until": until.isoformat() if until else None,
            "accounts": list(self.account_ids),
            "erasable": self.decision.erasable,
            "reasons": list(self.decision.reasons),
        }


def retention_report(*, organization_id: int, today: date) -> list[ErasureItem]:
    """Every open erasure request of the organization, with whether it can be honoured today and why not."""
    items = []
    requests = ErasureRequest.objects.filter(organization_id=organization_id, erased_at__isnull=True)
    for r in requests.order_by("received_at", "pk"):
        accounts = [
            AccountFacts(pk, status, owed)
            for pk, status, owed in debtor_accounts_owing(debtor_id=r.debtor_id)
        ]
        account_ids = tuple(a.account_id for a in accounts)
        last = audit_last_at(organization_id=organization_id, account_ids=account_ids)
        decision = erasure_decision(
            last_activity=last.date() if last else None,
            today=today,
            holds=holds_standing(
                organization_id=organization_id, account_ids=account_ids, debtor_id=r.debtor_id
            ),
            accounts=accounts,
        )
        items.append(
            ErasureItem(r.pk, organization_id, r.debtor_id, r.law, r.received_at, last, account_ids, decision)
        )
    return items


@transaction.atomic
def retention_apply(*, actor: Principal, today: date) -> list[ErasureItem]:
    """Honour every erasable request of the actor's organization; returns those erased. Safe to run twice:
    an erased request is closed and not reported again."""
    erasable = [
        i for i in retention_report(organization_id=actor.organization_id, today=today) if i.decision.erasable
    ]
    if not erasable:
        return []
    debtor_ids = [i.debtor_id for i in erasable]
    debtors_erase(
        debtor_ids=debtor_ids, actor=actor, request_ids={i.debtor_id: i.request_id for i in erasable}
    )
    # An account's files go with its debtors, unless a debtor who did not ask is on it too.
    account_ids = accounts_only_of(
        account_ids=[pk for i in erasable for pk in i.account_ids], debtor_ids=debtor_ids
    )
    documents_erase(account_ids=account_ids, debtor_ids=debtor_ids, actor=actor)
    ErasureRequest.objects.filter(pk__in=[i.request_id for i in erasable]).update(erased_at=utcnow())
    return erasable
