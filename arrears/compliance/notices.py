"""The validation notice (12 CFR 1006.34, Model Form B-1): its content from the account, and its PDF."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

from arrears.core.errors import ArrearsError
from arrears.core.money import quantize
from arrears.debtors.selectors import debtor_mailing_address
from arrears.ledger.selectors import ledger_balances, ledger_entries
from arrears.tenancy.selectors import organization_get

from .calendar import ValidationPeriod, validation_period
from .domain import Itemization, LedgerLine, itemize
from .errors import ComplianceError
from .selectors import primary_debtor

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import ContactPoint, Debtor
    from arrears.tenancy.models import Organization

CFPB_WEBSITE = "www.cfpb.gov/debt-collection"


@dataclass(frozen=True, slots=True)
class NoticeContent:
    account: Account
    debtor: Debtor
    organization: Organization
    provided_on: date
    period: ValidationPeriod
    itemization: Itemization
    creditor: str
    original_creditor: str
    mailing_address: ContactPoint | None

    @property
    def paid_or_credited(self) -> Decimal:
        return self.itemization.payments + self.itemization.credits


def account_itemization(*, account: Account) -> Itemization:
    if account.itemization_date is None:
        raise ArrearsError(
            ComplianceError.NO_ITEMIZATION_DATE, f"account {account.reference} has no itemization date"
        )
    lines = [
        LedgerLine(
            kind=e.kind,
            bucket=e.bucket,
            amount=e.amount,
            effective_on=e.effective_on,
            reverses_kind=e.reverses.kind if e.reverses is not None else None,
        )
        for e in ledger_entries(account=account)
    ]
    raw = itemize(lines, itemization_date=account.itemization_date, currency=account.currency)
    item = Itemization(
        itemization_date=raw.itemization_date,
        currency=raw.currency,
        **{
            name: quantize(getattr(raw, name), account.currency)
            for name in ("amount_on_itemization_date", "interest", "fees", "payments", "credits", "current")
        },
    )
    owed = sum((v for k, v in ledger_balances(account=account).items() if k != "credit"), Decimal(0))
    if not item.balances or item.current != quantize(owed, account.currency):
        raise ArrearsError(
            ComplianceError.ITEMIZATION_UNBALANCED,
            f"itemization of {account.reference} does not add up to the ledger balance",
        )
    return item


def validation_notice_content(*, account: Account, provided_on: date) -> NoticeContent:
    debtor = primary_debtor(account)
    address = debtor_mailing_address(debtor=debtor)
    return NoticeContent(
        account=account,
        debtor=debtor,
        organization=organization_get(organization_id=account.organization_id),
        provided_on=provided_on,
        period=validation_period(provided_on),
        itemization=account_itemization(account=account),
        creditor=account.current_creditor or account.client.name,
        original_creditor=account.original_creditor or account.current_creditor or account.client.name,
        mailing_address=address,
    )


def validation_notice_html(content: NoticeContent) -> str:
    return render_to_string("compliance/validation_notice.html", {"n": content, "cfpb": CFPB_WEBSITE})


def validation_notice_pdf(content: NoticeContent) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=validation_notice_html(content)).write_pdf()
    return pdf


def validation_notice_enclosure_html(content: NoticeContent) -> str:
    """The notice as an HTML fragment, for a letter that carries it as its enclosure; styled by
    ``compliance/_validation_notice_style.html``."""
    return render_to_string("compliance/_validation_notice_body.html", {"n": content, "cfpb": CFPB_WEBSITE})


def provided_on_for(*, organization_id: int, at: datetime) -> date:
    """The date a notice sent at ``at`` is provided on: the organization's local date, the date printed
    on it (12 CFR 1006.34(b)(5): for a notice sent electronically, the day it is sent)."""
    from zoneinfo import ZoneInfo

    organization = organization_get(organization_id=organization_id)
    return at.astimezone(ZoneInfo(organization.timezone or "UTC")).date()
