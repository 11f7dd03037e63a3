"""The debtor portal's writes: signed links, verification (identify, send a code, check it, lock), and
what a verified debtor does, each through the same services the workbench and the CLI use.

A verified debtor acts as a system principal labelled ``portal:debtor:<id>``: every audit event they
cause names them, and nothing they do can reach another debtor's accounts (the views look accounts up
through ``selectors.debtor_account``, scoped to the debtor and organization of the portal session).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core import signing
from django.db import transaction

from arrears.accounts.selectors import debtors_on_reference
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.services import AttemptSpec, attempt_record
from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.compliance.choices import HoldKind
from arrears.compliance.services import hold_place
from arrears.contact.channels.base import DeliveryError, Outgoing
from arrears.contact.messaging import provider_for, receipt_email_queue
from arrears.contact.rendering import base_url
from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.debtors.selectors import debtors_in_bulk
from arrears.debtors.services import consent_record, debtor_preferences_set
from arrears.documents.choices import DocumentKind
from arrears.documents.services import document_store
from arrears.payments.ach import ach_authorization_create
from arrears.payments.card import card_checkout_start
from arrears.payments.services import PlanTerms, plan_create, promise_create
from arrears.tenancy.domain import Principal, system_principal

from . import domain
from .choices import VerificationStep
from .errors import PortalError
from .models import OneTimeCode, PortalLimits, VerificationEvent
from .selectors import code_destinations, limits_for, owed

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.compliance.models import Hold
    from arrears.debtors.models import Debtor
    from arrears.payments.models import CheckoutSession, PaymentPlan, Promise
    from arrears.payments.providers import PaymentProvider
    from arrears.tenancy.models import Organization

LINK_SALT = "arrears.portal.link"


def link_max_age() -> int:
    """Seconds a signed link stays good (``PORTAL_LINK_MAX_AGE``, default 30 days)."""
    return int(getattr(settings, "PORTAL_LINK_MAX_AGE", 30 * 24 * 3600))


def _key() -> str:
    return str(settings.SECRET_KEY)


def debtor_principal(*, organization_id: int, debtor_id: int) -> Principal:
    return system_principal(organization_id, f"portal:debtor:{debtor_id}")


# --- signed links ------------------------------------------------------------------------------------------


def portal_link_make(*, organization: Organization, debtor_id: int, account_id: int) -> str:
    """A signed link for a letter or message: it names the debtor, so the first verification step is
    skipped; the one-time code is still asked for."""
    token = signing.dumps(
        {"o": organization.pk, "d": debtor_id, "a": account_id}, salt=LINK_SALT, compress=True
    )
    return f"{base_url()}/portal/{organization.slug}/l/{token}/"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    debtor_id: int
    account_id: int


def portal_link_read(*, token: str, organization_id: int) -> LinkTarget:
    """The debtor a link names; refused when it was altered, is for another organization, or is older than
    ``link_max_age``."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=link_max_age())
    except signing.SignatureExpired:
        raise ArrearsError(PortalError.LINK_EXPIRED, "this link has expired") from None
    except signing.BadSignature:
        raise ArrearsError(PortalError.LINK_INVALID, "this link is not valid") from None
    if not isinstance(data, dict) or data.get("o") != organization_id:
        raise ArrearsError(PortalError.LINK_INVALID, "this link is not valid")
    return LinkTarget(debtor_id=int(data["d"]), account_id=int(data["a"]))


# --- verification ------------------------------------------------------------------------------------------


def _log(
    *,
    organization_id: int,
    step: str,
    at: datetime,
    ip: str | None,
    debtor_id: int | None = None,
    address: str = "",
) -> None:
    VerificationEvent.objects.create(
        organization_id=organization_id, step=step, debtor_id=debtor_id, ip=ip, at=at, address_key=address
    )


def _count(*, step: str, since: datetime, **where: object) -> int:
    return VerificationEvent.objects.filter(step=step, at__gte=since, **where).count()


def locked_until(*, debtor_id: int, now: datetime) -> datetime | None:
    last = (
        VerificationEvent.objects.filter(
            debtor_id=debtor_id, step=VerificationStep.LOCKED, at__gt=now - domain.LOCK_FOR
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    return last + domain.LOCK_FOR if last else None


def _check_not_locked(debtor_id: int, now: datetime) -> None:
    if locked_until(debtor_id=debtor_id, now=now) is not None:
        raise ArrearsError(PortalError.LOCKED, "verification is locked for a while after wrong codes")


@transaction.atomic
def verification_identify(
    *,
    organization_id: int,
    reference: str,
    last_name: str,
    date_of_birth: date | None,
    postal_code: str,
    ip: str | None,
    now: datetime,
) -> int | None:
    """The debtor these details name, or None. The answer is the same whichever detail was wrong and
    whether or not the reference exists; a debtor tried too often also gets None."""
    since = now - domain.WINDOW
    if (
        ip
        and _count(step=VerificationStep.IDENTIFY_FAILED, since=since, ip=ip) >= domain.LIMIT_IDENTIFY_PER_IP
    ):
        raise ArrearsError(PortalError.THROTTLED, "too many attempts from this connection")
    debtors = debtors_on_reference(organization_id=organization_id, reference=reference)
    addresses = code_destinations_postal([d.pk for d in debtors])
    found: int | None = None
    for d in debtors:
        candidate = domain.Candidate(d.pk, d.last_name, d.date_of_birth, addresses.get(d.pk, ()))
        if domain.matches(
            candidate, last_name=last_name, date_of_birth=date_of_birth, postal_code=postal_code
        ):
            found = d.pk
            break
    tried = found if found is not None else (debtors[0].pk if debtors else None)
    if tried is not None and (
        _count(step=VerificationStep.IDENTIFY_FAILED, since=since, debtor_id=tried)
        >= domain.LIMIT_IDENTIFY_FAILED_PER_DEBTOR
    ):
        found = None  # this debtor is being guessed at: even the right details wait for the window
    step = VerificationStep.IDENTIFIED if found is not None else VerificationStep.IDENTIFY_FAILED
    _log(organization_id=organization_id, step=step, at=now, ip=ip, debtor_id=tried)
    return found


def code_destinations_postal(debtor_ids: list[int]) -> dict[int, tuple[str, ...]]:
    from arrears.debtors.selectors import contact_points_to_message

    found: dict[int, list[str]] = {}
    for point in contact_points_to_message(
        debtor_ids=debtor_ids, kind="address", exclude_statuses=(), for_rendering=False
    ).only("id", "debtor_id", "postal_code"):
        found.setdefault(point.debtor_id, []).append(point.postal_code)
    return {k: tuple(v) for k, v in found.items()}


def verification_link_opened(*, organization_id: int, debtor_id: int, ip: str | None, now: datetime) -> None:
    _log(
        organization_id=organization_id, step=VerificationStep.LINK_OPENED, at=now, ip=ip, debtor_id=debtor_id
    )


def code_send(
    *, organization_id: int, debtor_id: int, contact_point_id: int, ip: str | None, now: datetime
) -> OneTimeCode:
    """Send a fresh one-time code to one of the debtor's own contact points.

    The message says only that it is a verification code: no creditor, no debt, nothing a third party
    who reads the phone learns from (1006.6(d)); it answers a request the consumer has just made. It is
    logged on the debtor's timeline as a delivered (or undeliverable) attempt."""
    _check_not_locked(debtor_id, now)
    since = now - domain.WINDOW
    destination = next(
        (
            d
            for d in code_destinations(debtor_id=debtor_id, organization_id=organization_id)
            if d.contact_point_id == contact_point_id
        ),
        None,
    )
    if destination is None:
        raise ArrearsError(PortalError.NO_DESTINATION, "choose one of the addresses shown")
    address = domain.address_key(destination.value, key=_key())
    if (
        _count(step=VerificationStep.CODE_SENT, since=since, debtor_id=debtor_id)
        >= domain.LIMIT_CODES_PER_DEBTOR
        or _count(step=VerificationStep.CODE_SENT, since=since, address_key=address)
        >= domain.LIMIT_CODES_PER_ADDRESS
        or (
            ip and _count(step=VerificationStep.CODE_SENT, since=since, ip=ip) >= domain.LIMIT_IDENTIFY_PER_IP
        )
    ):
        raise ArrearsError(PortalError.THROTTLED, "too many codes were sent; try again later")
    code = f"{secrets.randbelow(10**domain.CODE_DIGITS):0{domain.CODE_DIGITS}d}"
    salt = uuid.uuid4().hex
    with transaction.atomic():
        row = OneTimeCode.objects.create(
            organization_id=organization_id,
            debtor_id=debtor_id,
            contact_point_id=contact_point_id,
            channel=destination.channel,
            code_hash=f"{salt}${domain.code_hash(code, key=_key(), salt=salt)}",
            created_at=now,
            expires_at=now + domain.CODE_TTL,
        )
        _log(
            organization_id=organization_id,
            step=VerificationStep.CODE_SENT,
            at=now,
            ip=ip,
            debtor_id=debtor_id,
            address=address,
        )
    minutes = int(domain.CODE_TTL.total_seconds() // 60)
    body = f"Your verification code is {code}. It expires in {minutes} minutes. Never share it."
    outcome = Outcome.DELIVERED
    try:
        provider_for(destination.channel).send(
            Outgoing(
                key=f"portal-code-{row.pk}-{salt[:8]}",
                to=destination.value,
                body=body,
                subject="Your verification code",
            )
        )
    except DeliveryError:
        outcome = Outcome.UNDELIVERABLE
    with transaction.atomic():
        attempt_record(
            attempt=AttemptSpec(
                organization_id=organization_id,
                debtor_id=debtor_id,
                contact_point_id=contact_point_id,
                channel=destination.channel,
                direction=Direction.OUTBOUND,
                outcome=outcome,
                target=destination.value,
                at=now,
                notes="portal verification code (asked for by the consumer; no debt information)",
            )
        )
        audit_record(
            actor=debtor_principal(organization_id=organization_id, debtor_id=debtor_id),
            event=Event.PORTAL_CODE_SENT,
            subject_type="debtor",
            subject_id=debtor_id,
            data={"channel": destination.channel, "contact_point": contact_point_id, "outcome": outcome},
        )
    if outcome != Outcome.DELIVERED:
        raise ArrearsError(PortalError.NO_DESTINATION, "the code could not be sent there; choose another")
    return row


def code_check(*, organization_id: int, debtor_id: int, code: str, ip: str | None, now: datetime) -> None:
    """Accept the newest code sent to the debtor, once. Wrong codes count; the third in a row locks
    verification for ``domain.LOCK_FOR``. A wrong code is recorded (committed) before it is refused."""
    result = _code_check(organization_id=organization_id, debtor_id=debtor_id, code=code, ip=ip, now=now)
    if result == "expired":
        raise ArrearsError(PortalError.CODE_EXPIRED, "the code has expired; ask for a new one")
    if result == "locked":
        raise ArrearsError(PortalError.LOCKED, "three wrong codes: verification is locked for a while")
    if result == "wrong":
        raise ArrearsError(PortalError.CODE_INVALID, "that code is not right")


@transaction.atomic
def _code_check(*, organization_id: int, debtor_id: int, code: str, ip: str | None, now: datetime) -> str:
    _check_not_locked(debtor_id, now)
    row = (
        OneTimeCode.objects.select_for_update()
        .filter(organization_id=organization_id, debtor_id=debtor_id, used_at__isnull=True)
        .order_by("-created_at", "-id")
        .first()
    )
    if row is None or row.expires_at <= now:
        return "expired"
    actor = debtor_principal(organization_id=organization_id, debtor_id=debtor_id)
    salt, _, digest = row.code_hash.partition("$")
    typed = "".join(c for c in code if c.isdigit())
    if secrets.compare_digest(domain.code_hash(typed, key=_key(), salt=salt), digest):
        row.used_at = now
        row.save(update_fields=["used_at"])
        _log(
            organization_id=organization_id,
            step=VerificationStep.VERIFIED,
            at=now,
            ip=ip,
            debtor_id=debtor_id,
        )
        audit_record(
            actor=actor,
            event=Event.PORTAL_VERIFIED,
            subject_type="debtor",
            subject_id=debtor_id,
            data={"channel": row.channel},
        )
        return "ok"
    row.failures += 1
    row.save(update_fields=["failures"])
    _log(
        organization_id=organization_id, step=VerificationStep.CODE_FAILED, at=now, ip=ip, debtor_id=debtor_id
    )
    last_reset = (
        VerificationEvent.objects.filter(
            debtor_id=debtor_id, step__in=[VerificationStep.VERIFIED, VerificationStep.LOCKED]
        )
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    since = max(now - domain.WINDOW, last_reset) if last_reset else now - domain.WINDOW
    if (
        _count(step=VerificationStep.CODE_FAILED, since=since, debtor_id=debtor_id)
        < domain.WRONG_CODES_TO_LOCK
    ):
        return "wrong"
    _log(organization_id=organization_id, step=VerificationStep.LOCKED, at=now, ip=ip, debtor_id=debtor_id)
    OneTimeCode.objects.filter(debtor_id=debtor_id, used_at__isnull=True).update(expires_at=now)
    audit_record(
        actor=actor,
        event=Event.PORTAL_LOCKED,
        subject_type="debtor",
        subject_id=debtor_id,
        data={"until": now + domain.LOCK_FOR},
    )
    return "locked"


# --- what a verified debtor does ---------------------------------------------------------------------------


def _receipt(*, debtor: Debtor, account: Account, subject: str, body: str) -> None:
    """An email receipt through the outbox, decided by the gate when it goes out (held until allowed)."""
    receipt_email_queue(debtor=debtor, account=account, subject=subject, body=body)


def _debtor(debtor_id: int) -> Debtor:
    return debtors_in_bulk(ids=[debtor_id])[debtor_id]


@transaction.atomic
def portal_promise_make(
    *, account: Account, debtor_id: int, amount: Money, due_on: date, today: date
) -> Promise:
    limits = limits_for(organization_id=account.organization_id)
    problem = domain.promise_problem(
        limits=limits, owed=owed(account), amount=amount.amount, due_on=due_on, today=today
    )
    if problem:
        raise ArrearsError(PortalError.PROMISE_OUTSIDE_LIMITS, problem)
    actor = debtor_principal(organization_id=account.organization_id, debtor_id=debtor_id)
    promise = promise_create(
        account=account, amount=amount, due_on=due_on, actor=actor, channel="portal", today=today
    )
    _receipt(
        debtor=_debtor(debtor_id),
        account=account,
        subject=f"Your promise on account {account.reference}",
        body=(
            f"You promised to pay {amount.amount} {amount.currency} on account {account.reference} "
            f"by {due_on:%Y-%m-%d}."
        ),
    )
    return promise


@transaction.atomic
def portal_plan_make(
    *,
    account: Account,
    debtor_id: int,
    installments: int,
    frequency: str,
    first_due: date,
    today: date,
    bank_debit: BankDebit | None = None,
) -> PaymentPlan:
    """A plan for the whole balance, within the organization's limits; the plan service writes its
    confirmation (23 NYCRR 1.5) as for any plan."""
    limits = limits_for(organization_id=account.organization_id)
    problem = domain.plan_problem(
        limits=limits, owed=owed(account), installments=installments, first_due=first_due, today=today
    )
    if problem:
        raise ArrearsError(PortalError.PLAN_OUTSIDE_LIMITS, problem)
    actor = debtor_principal(organization_id=account.organization_id, debtor_id=debtor_id)
    plan = plan_create(
        account=account,
        terms=PlanTerms(frequency=frequency, first_due=first_due, installments=installments),
        actor=actor,
        today=today,
    )
    body = plan.confirmation_text
    if bank_debit is not None:
        authorization = ach_authorization_create(
            plan=plan,
            holder_name=bank_debit.holder_name,
            routing_number=bank_debit.routing_number,
            account_number=bank_debit.account_number,
            account_type=bank_debit.account_type,
            authorized_at=bank_debit.authorized_at,
            actor=actor,
        )
        body += (
            f"\n\nYou authorized us to debit each installment on its due date from your "
            f"{authorization.account_type} account ending {authorization.account_last4}."
        )
    _receipt(
        debtor=_debtor(debtor_id),
        account=account,
        subject=f"Your payment plan on account {account.reference}",
        body=body,
    )
    return plan


@dataclass(frozen=True, slots=True)
class BankDebit:
    holder_name: str
    routing_number: str
    account_number: str
    account_type: str
    authorized_at: datetime


@transaction.atomic
def portal_dispute_file(
    *,
    account: Account,
    debtor_id: int,
    reason: str,
    upload: IO[bytes] | None = None,
    upload_name: str = "",
    verification: bool = True,
) -> Hold:
    """A written dispute from the consumer: the dispute hold is placed at once, so the gate stops
    collection until verification is sent (1006.38(d)(2)); the upload is kept with the account."""
    actor = debtor_principal(organization_id=account.organization_id, debtor_id=debtor_id)
    hold = hold_place(
        kind=HoldKind.DISPUTE,
        actor=actor,
        account=account,
        reason=f"disputed in the portal: {reason}"[:500],
        details={"written": True, "source": "portal", "verification_requested": verification},
    )
    document_id = None
    if upload is not None:
        document_id = document_store(
            actor=actor,
            kind=DocumentKind.DISPUTE_LETTER,
            stream=upload,
            original_name=upload_name or "dispute",
            account=account,
            description="uploaded by the consumer with a dispute in the portal",
        ).pk
    audit_record(
        actor=actor,
        event=Event.PORTAL_DISPUTE_FILED,
        subject_type="account",
        subject_id=account.pk,
        account_id=account.pk,
        data={"hold": hold.pk, "document": document_id, "verification_requested": verification},
    )
    _receipt(
        debtor=_debtor(debtor_id),
        account=account,
        subject=f"We received your dispute of account {account.reference}",
        body=(
            f"We received your dispute of account {account.reference}. We have stopped collecting this debt "
            "until we send you verification of it."
        ),
    )
    return hold


@transaction.atomic
def portal_settlement_accept(*, account: Account, debtor_id: int, settlement_id: int, today: date) -> Decimal:
    """The debtor accepts a settlement offer a strategy or a collector made (approved, not expired): it is
    recorded, and the amount is what they pay by card; the settlement completes when it is paid
    (``payments.services.settlements_evaluate``). Returns the amount to pay."""
    from arrears.payments.selectors import settlements_open_for_accounts

    offer = settlements_open_for_accounts(account_ids=[account.pk], on=today).filter(pk=settlement_id).first()
    if offer is None:
        raise ArrearsError(PortalError.NOTHING_TO_PAY, "this offer is no longer open")
    audit_record(
        actor=debtor_principal(organization_id=account.organization_id, debtor_id=debtor_id),
        event=Event.PORTAL_SETTLEMENT_ACCEPTED,
        subject_type="settlement",
        subject_id=offer.pk,
        account_id=account.pk,
        data={"amount": str(offer.amount), "currency": offer.currency, "expires_on": offer.expires_on},
    )
    return Decimal(offer.amount)


@transaction.atomic
def portal_opt_out(
    *, debtor_id: int, organization_id: int, channel: str, contact_point_id: int | None
) -> None:
    """Opt out of a medium (1006.14(h)) or of one address or number (1006.6(e)): the gate reads the
    consent record at its next decision."""
    from arrears.debtors.selectors import contact_points_in_bulk

    debtor = _debtor(debtor_id)
    point = None
    if contact_point_id is not None:
        point = contact_points_in_bulk(ids=[contact_point_id]).get(contact_point_id)
        if point is None or point.debtor_id != debtor_id:
            raise ArrearsError(PortalError.NO_DESTINATION, "not one of your addresses")
    consent_record(
        debtor=debtor,
        channel=channel,
        kind="opt_out",
        granted=True,
        actor=debtor_principal(organization_id=organization_id, debtor_id=debtor_id),
        contact_point=point,
        source="portal",
    )


ESIGN_DISCLOSURE_VERSION = "2026-12"


@transaction.atomic
def portal_esign_set(*, debtor_id: int, organization_id: int, contact_point_id: int, agree: bool) -> None:
    """Consent to electronic delivery at one email address (E-SIGN, 15 U.S.C. 7001(c); 12 CFR
    1006.42(b)), or its withdrawal: a consent record on that address, which the gate reads at its next
    decision (an address the consumer consented to may be used even when it is a work address)."""
    from arrears.debtors.selectors import contact_points_in_bulk

    point = contact_points_in_bulk(ids=[contact_point_id]).get(contact_point_id)
    if point is None or point.debtor_id != debtor_id or point.kind != "email":
        raise ArrearsError(PortalError.NO_DESTINATION, "not one of your email addresses")
    consent_record(
        debtor=_debtor(debtor_id),
        channel="email",
        kind="consent",
        granted=agree,
        actor=debtor_principal(organization_id=organization_id, debtor_id=debtor_id),
        contact_point=point,
        source="portal:esign",
        note=f"E-SIGN consent to electronic delivery, disclosure {ESIGN_DISCLOSURE_VERSION}"
        if agree
        else "E-SIGN consent withdrawn",
    )


def portal_preferences_set(
    *, debtor_id: int, organization_id: int, language: str, inconvenient_times: list[dict[str, object]]
) -> None:
    debtor_preferences_set(
        debtor=_debtor(debtor_id),
        actor=debtor_principal(organization_id=organization_id, debtor_id=debtor_id),
        language=language,
        inconvenient_times=inconvenient_times,
    )


def portal_checkout_start(
    *,
    account: Account,
    debtor_id: int,
    amount: Decimal,
    provider: PaymentProvider,
    idempotency_key: str,
    success_url: str,
    cancel_url: str,
) -> CheckoutSession:
    """A hosted card checkout for one account through the payments provider; the payment posts when the
    provider's signed webhook says it is paid (``payments.card``)."""
    if amount <= 0 or amount > owed(account):
        raise ArrearsError(PortalError.NOTHING_TO_PAY, "an amount above nothing and up to the balance")
    return card_checkout_start(
        account=account,
        amount=Money(amount, account.currency),
        provider=provider,
        actor=debtor_principal(organization_id=account.organization_id, debtor_id=debtor_id),
        idempotency_key=idempotency_key,
        success_url=success_url,
        cancel_url=cancel_url,
    )


@transaction.atomic
def portal_limits_set(
    *,
    organization_id: int,
    actor: Principal,
    max_installments: int,
    min_installment: Decimal,
    max_first_due_days: int,
    max_promise_days: int,
) -> PortalLimits:
    row, _ = PortalLimits.objects.update_or_create(
        organization_id=organization_id,
        defaults={
            "max_installments": max_installments,
            "min_installment": min_installment,
            "max_first_due_days": max_first_due_days,
            "max_promise_days": max_promise_days,
        },
    )
    audit_record(
        actor=actor,
        event=Event.PORTAL_LIMITS_SET,
        subject_type="organization",
        subject_id=organization_id,
        data={
            "max_installments": max_installments,
            "min_installment": min_installment,
            "max_first_due_days": max_first_due_days,
            "max_promise_days": max_promise_days,
        },
    )
    return row
