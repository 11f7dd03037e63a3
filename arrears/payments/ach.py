"""ACH debits: plan installments the debtor authorised, sent as a NACHA PPD file; returns reverse them.

The debit is posted as a payment when its file is written (effective that day, key `ach:<file>:<trace>`);
a return (R01 insufficient funds, R03 no account…) reverses that payment through `payment_reverse`,
and a return that means the authorisation cannot be used again (account closed, revoked…) ends it.
Bank account numbers are encrypted at rest (`arrears.core.crypto`); only the last four are shown.
"""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core import crypto
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.core.rotation import RotationBatch, rotate_column_batch, stale_count
from arrears.payments.bankfiles import BankFileError, nacha
from arrears.tenancy.domain import Principal

from .choices import (
    AchAccountType,
    AchEntryStatus,
    InstallmentStatus,
    PaymentMethod,
    PlanStatus,
    ReversalReason,
)
from .errors import AchError
from .models import AchAuthorization, AchEntry, AchFile, AchOriginator, Installment, PaymentPlan
from .services import PaymentRequest, payment_reverse, payments_post

if TYPE_CHECKING:
    from arrears.tenancy.models import Organization

ACCOUNT_NUMBER = re.compile(r"[0-9A-Za-z-]{1,17}")
# Return codes after which the authorisation must not be debited again (NACHA Operating Rules, Appendix 4).
ENDS_AUTHORIZATION = frozenset({"R02", "R03", "R04", "R05", "R07", "R10", "R14", "R15", "R16", "R20", "R29"})
# The payment's reversal reason; the R code itself stays on the entry and in the audit event.
REASONS = {
    "R01": ReversalReason.NSF,
    "R09": ReversalReason.NSF,
    "R08": ReversalReason.STOP_PAYMENT,
    "R05": ReversalReason.CHARGEBACK,
    "R07": ReversalReason.CHARGEBACK,
    "R10": ReversalReason.CHARGEBACK,
    "R29": ReversalReason.CHARGEBACK,
}


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _noon(on: date, organization: Organization) -> datetime:
    return datetime.combine(on, time(12), tzinfo=zoneinfo.ZoneInfo(organization.timezone))


@transaction.atomic
def ach_originator_set(
    *,
    organization_id: int,
    odfi_routing: str,
    company_name: str,
    company_id: str,
    destination_name: str,
    origin_name: str,
    actor: Principal,
    entry_description: str = "INSTALLMNT",
) -> AchOriginator:
    if not nacha.routing_number_valid(odfi_routing):
        raise ArrearsError(AchError.ROUTING_INVALID, f"not a valid routing number: {odfi_routing!r}")
    originator, _ = AchOriginator.objects.update_or_create(
        organization_id=organization_id,
        defaults={
            "odfi_routing": odfi_routing,
            "company_name": _ascii(company_name)[:16],
            "company_id": company_id[:10],
            "destination_name": _ascii(destination_name)[:23],
            "origin_name": _ascii(origin_name)[:23],
            "entry_description": _ascii(entry_description)[:10],
        },
    )
    audit_record(
        actor=actor,
        event=Event.ACH_ORIGINATOR_SET,
        subject_type="ach_originator",
        subject_id=originator.pk,
        data={"odfi_routing": odfi_routing, "company_id": company_id},
    )
    return originator


@transaction.atomic
def ach_authorization_create(
    *,
    plan: PaymentPlan,
    holder_name: str,
    routing_number: str,
    account_number: str,
    account_type: str,
    authorized_at: datetime,
    actor: Principal,
) -> AchAuthorization:
    """Record the debtor's authorisation (12 CFR 1005.10(b): written, signed or similarly authenticated)."""
    if not nacha.routing_number_valid(routing_number):
        raise ArrearsError(AchError.ROUTING_INVALID, f"not a valid routing number: {routing_number!r}")
    if not ACCOUNT_NUMBER.fullmatch(account_number):
        raise ArrearsError(AchError.ACCOUNT_NUMBER_INVALID, "1-17 letters, digits or hyphens")
    if account_type not in AchAccountType.values:
        raise ArrearsError(AchError.ACCOUNT_NUMBER_INVALID, f"account type is one of {AchAccountType.values}")
    authorization = AchAuthorization.objects.create(
        organization_id=plan.organization_id,
        account_id=plan.account_id,
        plan=plan,
        holder_name=holder_name,
        routing_number=routing_number,
        account_number_encrypted=crypto.encrypt(account_number),
        account_last4=account_number[-4:],
        account_type=account_type,
        authorized_at=authorized_at,
    )
    audit_record(
        actor=actor,
        event=Event.ACH_AUTHORIZED,
        subject_type="ach_authorization",
        subject_id=authorization.pk,
        account_id=plan.account_id,
        data={"plan": plan.pk, "routing_number": routing_number, "last4": authorization.account_last4},
    )
    return authorization


def _due(organization_id: int, on: date) -> list[tuple[Installment, AchAuthorization]]:
    installments = list(
        Installment.objects.select_for_update(of=("self",))
        .filter(
            organization_id=organization_id,
            due_on=on,
            status__in=(InstallmentStatus.DUE, InstallmentStatus.MISSED),
            plan__status__in=(PlanStatus.ACTIVE, PlanStatus.DELINQUENT),
            plan__currency="USD",
            ach_entry__isnull=True,
        )
        .select_related("plan__account")
        .order_by("plan__account__reference", "plan_id", "seq")
    )
    authorizations: dict[int, AchAuthorization] = {}
    for a in AchAuthorization.objects.filter(
        organization_id=organization_id,
        plan_id__in={i.plan_id for i in installments},
        revoked_at__isnull=True,
    ).order_by("authorized_at"):
        authorizations[a.plan_id] = a  # the latest authorisation of a plan wins
    return [(i, authorizations[i.plan_id]) for i in installments if i.plan_id in authorizations]


@transaction.atomic
def ach_export(*, organization: Organization, on: date, actor: Principal) -> AchFile | None:
    """The ACH file of the debits due `on`. Safe to run twice: what was already sent is not sent again;
    when nothing new is due the last file for that day is returned unchanged (None if there is none)."""
    try:
        originator = AchOriginator.objects.get(organization=organization)
    except AchOriginator.DoesNotExist:
        raise ArrearsError(AchError.NO_ORIGINATOR, "set the ODFI first: `arrears ach originator`") from None
    due = _due(organization.pk, on)
    if not due:
        return AchFile.objects.filter(organization=organization, effective_date=on).order_by("-pk").first()
    created_at = utcnow().astimezone(zoneinfo.ZoneInfo(organization.timezone))
    entries = [
        nacha.DebitEntry(
            routing_number=a.routing_number,
            account_number=crypto.decrypt(a.account_number_encrypted),
            amount_cents=int(i.amount * 100),
            individual_id=_ascii(i.plan.account.reference)[:15],
            individual_name=_ascii(a.holder_name),
            effective_date=on,
            savings=a.account_type == AchAccountType.SAVINGS,
        )
        for i, a in due
    ]
    data = nacha.write_ppd_debits(
        entries,
        originator=nacha.Originator(
            odfi_routing=originator.odfi_routing,
            company_name=originator.company_name,
            company_id=originator.company_id,
            destination_name=originator.destination_name,
            origin_name=originator.origin_name,
            entry_description=originator.entry_description,
        ),
        created_at=created_at,
    )
    written = nacha.read(data, strict=True)  # our own file passes the reader that reads the bank's
    ach_file = AchFile.objects.create(
        organization=organization,
        effective_date=on,
        created_at=created_at,
        content_encrypted=crypto.encrypt(data.decode("ascii")),
        entry_count=len(written.entries),
        total_cents=written.total_debit_cents,
        entry_hash=written.entry_hash,
    )
    payments = payments_post(
        requests=[
            PaymentRequest(
                i.plan.account,
                Money(i.amount, i.plan.currency),
                PaymentMethod.ACH,
                _noon(on, organization),
                f"ach:{ach_file.pk}:{e.trace_number}",
                reference=e.trace_number,
            )
            for (i, _), e in zip(due, written.entries, strict=True)
        ],
        actor=actor,
    )
    AchEntry.objects.bulk_create(
        AchEntry(
            organization=organization,
            ach_file=ach_file,
            authorization=a,
            installment=i,
            trace_number=e.trace_number,
            amount_cents=e.amount_cents,
            payment=p,
        )
        for (i, a), e, p in zip(due, written.entries, payments, strict=True)
    )
    audit_record(
        actor=actor,
        event=Event.ACH_FILE_CREATED,
        subject_type="ach_file",
        subject_id=ach_file.pk,
        data={"effective_date": on, "entries": ach_file.entry_count, "total_cents": ach_file.total_cents},
    )
    return ach_file


@dataclass
class ReturnsSummary:
    returns: int = 0
    reversed: int = 0
    already: int = 0
    unmatched: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)


def ach_returns_process(*, organization: Organization, data: bytes, actor: Principal) -> ReturnsSummary:
    """Reverse the payment of every returned entry (once), by its original trace number and amount."""
    try:
        ach = nacha.read(data)
    except BankFileError as exc:
        raise ArrearsError(AchError.UNREADABLE, str(exc)) from exc
    summary = ReturnsSummary()
    for entry in ach.returns:
        addenda = entry.return_addenda
        assert addenda is not None  # noqa: S101 - `returns` holds entries with a 99 addenda
        summary.returns += 1
        code = addenda.return_code or ""
        summary.codes[code] = summary.codes.get(code, 0) + 1
        outcome = _return_one(organization, addenda.original_trace or "", entry.amount_cents, code, actor)
        if outcome == "reversed":
            summary.reversed += 1
        elif outcome == "already":
            summary.already += 1
        else:
            summary.unmatched.append(addenda.original_trace or "")
    return summary


@transaction.atomic
def _return_one(
    organization: Organization, trace: str, amount_cents: int, code: str, actor: Principal
) -> str:
    # Trace numbers restart in every file, so the amount tells two files' entries apart; newest first.
    entry = (
        AchEntry.objects.select_for_update()
        .filter(organization=organization, trace_number=trace, amount_cents=amount_cents)
        .order_by("-ach_file__effective_date", "-pk")
        .first()
    )
    if entry is None:
        return "unmatched"
    if entry.status == AchEntryStatus.RETURNED:
        return "already"
    if entry.payment is not None:
        payment_reverse(
            payment=entry.payment,
            reason=REASONS.get(code, "ach_return"),
            actor=actor,
        )
    entry.status, entry.return_code, entry.returned_at = AchEntryStatus.RETURNED, code, utcnow()
    entry.save(update_fields=["status", "return_code", "returned_at"])
    authorization = entry.authorization
    if code in ENDS_AUTHORIZATION and authorization.revoked_at is None:
        authorization.revoked_at = entry.returned_at
        authorization.save(update_fields=["revoked_at", "updated_at"])
    audit_record(
        actor=actor,
        event=Event.ACH_RETURNED,
        subject_type="ach_entry",
        subject_id=entry.pk,
        account_id=authorization.account_id,
        data={
            "trace": trace,
            "code": code,
            "payment": entry.payment_id,
            "authorization_ended": code in ENDS_AUTHORIZATION,
        },
    )
    return "reversed"


# The encrypted columns of ACH (`arrears rotate-keys`): bank account numbers and the files that hold them.
ENCRYPTED_COLUMNS: dict[str, tuple[type[AchAuthorization] | type[AchFile], str]] = {
    "ach_authorizations": (AchAuthorization, "account_number_encrypted"),
    "ach_files": (AchFile, "content_encrypted"),
}


def ach_secrets_rotate(*, column: str, after_id: int, batch: int) -> RotationBatch:
    """Re-encrypt one of ``ENCRYPTED_COLUMNS`` in the ``batch`` rows after ``after_id`` under the newest
    field key; values already under it are left alone, so a rotation resumes."""
    model, field = ENCRYPTED_COLUMNS[column]
    return rotate_column_batch(model, field, after_id=after_id, batch=batch)


def ach_secrets_stale(*, column: str) -> int:
    model, field = ENCRYPTED_COLUMNS[column]
    return stale_count(model, field)
