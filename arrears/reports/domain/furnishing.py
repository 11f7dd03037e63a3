"""What a collection account reports to the credit bureaus, and whether it may be reported yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from . import metro2

# Reg F 12 CFR 1006.30(a)(1)(ii): 14 consecutive days is a reasonable time to wait for a notice that a
# message was undeliverable.
PASSIVE_WAIT_DAYS = 14


def passive_collection_allows(
    *, as_of: date, spoke_on: date | None, messages: Sequence[tuple[date, bool]]
) -> bool:
    """Reg F 12 CFR 1006.30(a)(1): a debt collector may not furnish information about a debt before it
    (i) speaks to the consumer about the debt, in person or by telephone, or (ii) places a letter in the
    mail or sends an electronic message about the debt, and waits a reasonable time (14 consecutive days)
    to receive a notice of undeliverability.

    `messages` are (day sent, returned undeliverable). A message sent on day S has waited its 14 days on
    S + 14 (days S+1 … S+14), so it allows furnishing from S + 15: the 15th day after it, not the 14th.
    An undeliverable message never counts (Arrears cannot tell when the notice came, so it assumes within
    the period).
    """
    if spoke_on is not None and spoke_on <= as_of:
        return True
    return any(not returned and (as_of - sent).days > PASSIVE_WAIT_DAYS for sent, returned in messages)


@dataclass(frozen=True, slots=True)
class Furnishable:
    """What Metro 2 needs of one collection account, read from the apps below `reports`."""

    reference: str
    status: str  # accounts.AccountStatus
    placed_on: date | None
    amount_placed: Decimal
    balance: Decimal
    delinquent_since: date | None
    charged_off_on: date | None
    last_payment_on: date | None
    last_payment_amount: Decimal | None
    paid_off_on: date | None
    original_creditor: str
    debt_buyer: bool
    dispute: str | None  # None, "open" or "resolved"
    was_furnished: bool
    fraud: bool
    first_name: str
    middle_name: str
    last_name: str
    ssn: str
    date_of_birth: date | None
    phone: str
    address: dict[str, str] | None


PAID_STATUSES = frozenset({"paid", "settled"})
WITHDRAWN_STATUSES = frozenset({"recalled", "closed"})


def account_status_code(f: Furnishable) -> str | None:
    """93 in collection; 62 paid (or settled) collection; DA deletes an account recalled or closed
    unpaid that was furnished before; DF deletes it for confirmed fraud. None: nothing to report."""
    if f.fraud:
        return metro2.STATUS_DELETE_FRAUD if f.was_furnished else None
    if f.status in PAID_STATUSES:
        return metro2.STATUS_PAID_COLLECTION
    if f.status in WITHDRAWN_STATUSES:
        return metro2.STATUS_DELETE if f.was_furnished else None
    return metro2.STATUS_COLLECTION


def base_values(
    f: Furnishable, *, status: str, as_of: date, identification_number: str, time_stamp: str
) -> dict[str, str]:
    """The base segment's fields for one collection account (CRRG, collection agency / debt buyer)."""
    ccc = {"open": metro2.CCC_DISPUTED, "resolved": metro2.CCC_DISPUTE_RESOLVED}.get(f.dispute or "", "")
    if status in (metro2.STATUS_DELETE, metro2.STATUS_DELETE_FRAUD):
        ccc = ""
    balance = Decimal(0) if status == metro2.STATUS_PAID_COLLECTION else f.balance
    address = f.address or {}
    return {
        "processing_indicator": "1",
        "time_stamp": time_stamp,
        "correction_indicator": "0",
        "identification_number": identification_number,
        "consumer_account_number": f.reference,
        "portfolio_type": "O",
        "account_type": metro2.ACCOUNT_TYPE_DEBT_BUYER
        if f.debt_buyer
        else metro2.ACCOUNT_TYPE_COLLECTION_AGENCY,
        "date_opened": metro2.mmddyyyy(f.placed_on),
        "credit_limit": "0",
        "highest_credit": metro2.amount(f.amount_placed),
        "terms_duration": "001",
        "terms_frequency": "P",
        "scheduled_monthly_payment": "0",
        "actual_payment_amount": metro2.amount(f.last_payment_amount) if f.last_payment_on else "0",
        "account_status": status,
        "payment_rating": " ",
        "payment_history_profile": "B" * 24,
        "special_comment": "",
        "compliance_condition_code": ccc,
        "current_balance": metro2.amount(balance),
        "amount_past_due": metro2.amount(balance),
        "original_charge_off_amount": "0",
        "date_of_account_information": metro2.mmddyyyy(as_of),
        # The original creditor's date of first delinquency, never the placement date (FCRA 623(a)(5)).
        "date_of_first_delinquency": metro2.mmddyyyy(f.delinquent_since),
        "date_closed": metro2.mmddyyyy(f.paid_off_on if status == metro2.STATUS_PAID_COLLECTION else None),
        "date_of_last_payment": metro2.mmddyyyy(f.last_payment_on),
        "interest_type_indicator": " ",
        "surname": f.last_name,
        "first_name": f.first_name,
        "middle_name": f.middle_name,
        "social_security_number": f.ssn,
        "date_of_birth": metro2.mmddyyyy(f.date_of_birth),
        "telephone_number": f.phone,
        "ecoa_code": "1",
        "consumer_information_indicator": "",
        "country_code": "US",
        "address_line_1": address.get("line1", ""),
        "address_line_2": address.get("line2", ""),
        "city": address.get("city", ""),
        "state": address.get("state", ""),
        "postal_code": address.get("postal_code", ""),
        "address_indicator": " ",
        "residence_code": " ",
    }


def record(f: Furnishable, **kwargs: str | date) -> str:
    """The base segment with its K1 (original creditor) segment, RDW set to the full length."""
    base = metro2.base_segment(base_values(f, **kwargs))  # type: ignore[arg-type]
    return metro2.with_rdw(base + metro2.k1_segment(f.original_creditor or "UNKNOWN"))
