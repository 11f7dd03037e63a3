"""Request and response bodies: the schema is the contract (docs/api.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Amount = Annotated[str, Field(pattern=r"^\d{1,15}(\.\d{1,4})?$", examples=["125.00"])]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", examples=["USD"])]
Reference = Annotated[str, Field(min_length=1, max_length=100, examples=["INV-1001"])]
ClientCode = Annotated[
    str | None,
    Field(
        default=None, max_length=40, description="the client's code, when several clients use the reference"
    ),
]
Method = Literal["card", "ach", "check", "cash", "bank_transfer", "portal"]
Channel = Literal["call", "sms", "email", "letter"]


class Problem(BaseModel):
    """RFC 9457 problem details, with the stable `code` the CLI shows too."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None

    model_config = ConfigDict(extra="allow")


class Balance(BaseModel):
    principal: str
    interest: str
    fees: str
    costs: str
    credit: str
    total: str


class AccountOut(BaseModel):
    id: int
    object: Literal["account"] = "account"
    reference: str
    client: str
    status: str
    currency: str
    debt_type: str
    balance: Balance
    opened_on: date | None
    due_on: date | None
    delinquent_since: date | None
    placed_on: date | None
    last_payment_on: date | None
    original_creditor: str
    created_at: datetime
    updated_at: datetime


class AccountList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AccountOut]
    has_more: bool


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: Reference
    amount: Amount
    currency: Currency
    method: Method
    client: ClientCode = None
    received_at: AwareDatetime | None = Field(
        default=None, description="when the money was received (default: now)"
    )
    reference: str = Field(default="", max_length=100, description="your own reference for the payment")


class Original(BaseModel):
    amount: str | None
    currency: str
    rate: str
    rate_on: str | None


class Notice(BaseModel):
    from_: str | None = Field(alias="from")
    by: str | None

    model_config = ConfigDict(populate_by_name=True)


class PaymentOut(BaseModel):
    id: int
    object: Literal["payment"] = "payment"
    account: str
    account_id: int
    amount: str
    currency: str
    method: str
    status: str
    received_at: str | None
    received_on: str | None
    deposit_on: str | None
    reference: str
    allocation: dict[str, str | None] = Field(
        description="how the payment was applied, per bucket (credit = overpaid)"
    )
    original: Original | None
    notice: Notice | None
    reversed_at: str | None
    reversal_reason: str


class ReversalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Literal["nsf", "chargeback", "stop_payment", "error"]
    fee: Amount | None = Field(default=None, description="a returned-payment fee, in the account's currency")


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account: Reference
    channel: Channel
    target: str | None = Field(default=None, max_length=254, description="a phone number or an email address")
    client: ClientCode = None


class Reason(BaseModel):
    code: str
    effect: str
    citation: str
    message: str


class DecisionOut(BaseModel):
    id: int
    object: Literal["compliance_decision"] = "compliance_decision"
    account: str
    channel: str
    target: str
    allowed: bool
    reasons: list[Reason]
    next_allowed_at: datetime | None


class DecisionBatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requests: list[DecisionIn] = Field(min_length=1, max_length=1000)


class DecisionBatchOut(BaseModel):
    object: Literal["list"] = "list"
    data: list[DecisionOut]
    has_more: Literal[False] = False
