"""Bodies of the account-placing, promise, plan, settlement, hold and dispute resources (docs/api.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from .schemas import Amount, ClientCode, Currency, Reference

# Dates an integrator may send: a calendar that schedules run on without overflowing.
# (The examples are far enough ahead to stay valid: the live schemathesis test sends them.)
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2199, 12, 31), examples=["2035-01-15"])]
AHEAD = "2035-01-15"
Reason = Annotated[str, Field(min_length=1, max_length=500, pattern=r"\S", examples=["agreed on a call"])]
Text = Annotated[str, Field(max_length=200)]
Frequency = Literal["weekly", "biweekly", "monthly", "custom"]
PromiseStatus = Literal["pending", "kept", "broken", "cancelled"]
PlanStatus = Literal["active", "delinquent", "broken", "completed", "cancelled"]
SettlementStatus = Literal["pending_approval", "approved", "completed", "expired", "rejected"]
HoldKind = Literal[
    "cease_communication",
    "dispute",
    "bankruptcy",
    "deceased",
    "attorney_represented",
    "employer_prohibits_contact",
    "litigation",
    "scra",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- accounts: place, status, recall ----------------------------------------------------------------


class AddressIn(_In):
    """A postal address; its parts fit, joined, in one line of 320 characters."""

    line1: Annotated[str, Field(min_length=1, max_length=120)]
    line2: Annotated[str, Field(max_length=60)] = ""
    city: Annotated[str, Field(max_length=60)] = ""
    state: Annotated[str, Field(max_length=3, examples=["NY"])] = ""
    postal_code: Annotated[str, Field(max_length=12)] = ""
    country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$", examples=["US"])] = "US"


class DebtorIn(_In):
    """A new debtor's details (a person's name, or a company's)."""

    kind: Literal["person", "company"] = "person"
    first_name: Annotated[str, Field(max_length=100)] = ""
    middle_name: Annotated[str, Field(max_length=100)] = ""
    last_name: Annotated[str, Field(max_length=100)] = ""
    company_name: Text = ""
    date_of_birth: Day | None = None
    national_id: Annotated[
        str, Field(max_length=20, description="stored encrypted; only the last 4 shown")
    ] = ""
    phones: list[Annotated[str, Field(min_length=1, max_length=40, examples=["+12125550142"])]] = Field(
        default_factory=list, max_length=10
    )
    emails: list[Annotated[str, Field(min_length=3, max_length=150, examples=["jane@example.com"])]] = Field(
        default_factory=list, max_length=10
    )
    address: AddressIn | None = None


class AccountIn(_In):
    """An account to place: `debtor_id` (an existing debtor) or `debtor` (a new one's details)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reference": "INV-2001",
                    "currency": "USD",
                    "principal": "1200.00",
                    "fees": "35.00",
                    "debtor": {
                        "first_name": "Ann",
                        "last_name": "Lee",
                        "phones": ["(212) 555-0142"],
                        "emails": ["ann.lee@example.com"],
                        "address": {
                            "line1": "1 Main St",
                            "city": "Albany",
                            "state": "NY",
                            "postal_code": "12207",
                        },
                    },
                }
            ]
        },
    )

    reference: Reference
    currency: Currency
    client: ClientCode = None
    principal: Amount = "0"
    interest: Amount = "0"
    fees: Amount = "0"
    debtor_id: Annotated[int, Field(ge=1, le=2**63 - 1)] | None = None
    debtor: DebtorIn | None = None
    original_creditor: Text = ""
    invoice_number: Annotated[str, Field(max_length=100)] = ""
    debt_type: Literal["consumer", "commercial"] = "consumer"
    interest_rate: Annotated[str, Field(pattern=r"^\d{1,2}(\.\d{1,4})?$", description="annual %")] = "0"
    itemization_date: Day | None = None
    opened_on: Day | None = None
    due_on: Day | None = None
    delinquent_since: Day | None = None
    charged_off_on: Day | None = None
    last_payment_on: Day | None = None
    jurisdiction_state: Annotated[str, Field(pattern=r"^[A-Za-z]{0,3}$", examples=["NY"])] = ""
    jurisdiction_country: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")] | None = None
    notes: Annotated[str, Field(max_length=5000)] = ""


class StatusIn(_In):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"status": "active", "reason": "collection resumes"}]}
    )

    status: Literal["active", "on_hold", "legal", "closed"] = Field(
        description="set by hand; the others follow what happened (a promise, a plan, a dispute, a payment)"
    )
    reason: Reason


class RecallIn(_In):
    reason: Reason


# --- promises -----------------------------------------------------------------------------------------


class PromiseIn(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"account": "INV-1001", "amount": "125.00", "currency": "USD", "due_on": AHEAD}]
        },
    )

    account: Reference
    client: ClientCode = None
    amount: Amount
    currency: Currency
    due_on: Day
    grace_days: Annotated[int, Field(ge=0, le=60)] = 0
    note: Annotated[str, Field(max_length=2000)] = ""


class PromiseOut(BaseModel):
    id: int
    object: Literal["promise"] = "promise"
    account: str
    account_id: int
    amount: str | None
    currency: str
    made_on: str | None
    due_on: str | None
    grace_days: int
    channel: str
    note: str
    status: str


class PromiseList(BaseModel):
    object: Literal["list"] = "list"
    data: list[PromiseOut]
    has_more: bool


class CancelIn(_In):
    reason: Annotated[str, Field(max_length=500)] = ""


# --- plans --------------------------------------------------------------------------------------------


class ScheduleIn(_In):
    """How the installments fall: a frequency with a first date and a count or an amount, or custom
    dates (frequency `custom`)."""

    frequency: Frequency
    first_due: Day | None = None
    installments: Annotated[int, Field(ge=1, le=360)] | None = None
    installment_amount: Amount | None = None
    dates: list[Day] | None = Field(default=None, min_length=1, max_length=360)


class PlanIn(ScheduleIn):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "account": "INV-1001",
                    "currency": "USD",
                    "frequency": "monthly",
                    "first_due": AHEAD,
                    "installments": 6,
                }
            ]
        },
    )

    account: Reference
    client: ClientCode = None
    currency: Currency | None = Field(default=None, description="the total's currency: the account's")
    total: Amount | None = Field(default=None, description="default: everything owed")
    grace_days: Annotated[int, Field(ge=0, le=60)] = 5


class Installment(BaseModel):
    seq: int
    due_on: str | None
    amount: str | None
    status: str


class Confirmation(BaseModel):
    due_on: str | None
    text: str


class PlanOut(BaseModel):
    id: int
    object: Literal["plan"] = "plan"
    account: str
    account_id: int
    total: str | None
    currency: str
    frequency: str
    status: str
    made_on: str | None
    grace_days: int
    delinquent_after: int
    broken_after: int
    installments: list[Installment]
    confirmation: Confirmation


class PlanList(BaseModel):
    object: Literal["list"] = "list"
    data: list[PlanOut]
    has_more: bool


class PlanCancelIn(_In):
    reason: Reason


# --- settlements ----------------------------------------------------------------------------------------


class SettlementIn(_In):
    """A reduced payoff. Within the collector's discount limit it is approved at once; above it, it waits
    for a manager's approval (`pending_approval`), as in the workbench."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"account": "INV-1001", "amount": "90000.00", "currency": "USD", "expires_on": AHEAD}
            ]
        },
    )

    account: Reference
    client: ClientCode = None
    amount: Amount
    currency: Currency
    expires_on: Day
    kind: Literal["lump_sum", "installments"] = "lump_sum"
    plan: ScheduleIn | None = Field(default=None, description="the schedule, for kind `installments` only")


class SettlementOut(BaseModel):
    id: int
    object: Literal["settlement"] = "settlement"
    account: str
    account_id: int
    kind: str
    amount: str | None
    currency: str
    balance_at_offer: str | None
    discount_pct: str
    made_on: str | None
    expires_on: str | None
    status: str
    required_role: str
    offered_by: str
    approved_by: str
    approved_at: str | None
    plan_id: int | None
    completed_at: str | None
    write_off_reason: str


class SettlementList(BaseModel):
    object: Literal["list"] = "list"
    data: list[SettlementOut]
    has_more: bool


# --- holds and disputes ------------------------------------------------------------------------------


class HoldIn(_In):
    kind: HoldKind
    reason: Reason
    effective_on: Day | None = Field(default=None, description="the legally relevant date (default: today)")


class DisputeIn(_In):
    reason: Reason
    written: bool = Field(default=False, description="disputed in writing (Reg F 1006.38(d)(2))")
    effective_on: Day | None = None


class LiftIn(_In):
    reason: Reason


class HoldOut(BaseModel):
    id: int
    object: Literal["hold"] = "hold"
    kind: str
    account: str | None
    account_id: int | None
    debtor_id: int | None
    effective_on: date
    placed_at: str
    placed_by: str
    reason: str
    details: dict[str, Any]
    active: bool
    lifted_at: str | None
    lifted_by: str
    lift_reason: str


class HoldList(BaseModel):
    object: Literal["list"] = "list"
    data: list[HoldOut]
    has_more: bool
