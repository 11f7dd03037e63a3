"""What every bank format is read into: statements of transactions, money as Decimal plus ISO currency.

A format parser fills these frozen dataclasses and nothing else, so the matching and posting code never
sees XML, fixed-width records or SGML. Amounts are magnitudes with a separate ``direction``; the signed
view is ``signed_amount``. Dates the bank gives as calendar days are ``date``; instants are aware UTC.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .nacha import AchFile


class Direction(StrEnum):
    CREDIT = "credit"  # money into the reported account
    DEBIT = "debit"  # money out of it


class TransactionStatus(StrEnum):
    BOOKED = "booked"
    PENDING = "pending"  # pending, future-dated or intraday: not final on the account yet
    INFO = "info"  # reported for information only (camt ``INFO``): never post


class IdSource(StrEnum):
    BANK = "bank"  # the bank's own reference (FITID, AcctSvcrRef, BAI2 bank reference, ACH trace)
    DERIVED = "derived"  # SHA-256 of the transaction's content, because the file gives no id


@dataclass(frozen=True, slots=True)
class Balance:
    kind: (
        str  # the format's code: camt OPBD/CLBD/OPAV/CLAV..., BAI2 010/015/040/045..., OFX LEDGERBAL/AVAILBAL
    )
    amount: Decimal  # signed: negative means overdrawn (debit balance)
    currency: str
    date: date | None


@dataclass(frozen=True, slots=True)
class BankTransaction:
    transaction_id: str  # stable across re-imports of the same file; unique within its statement
    id_source: IdSource
    account_id: str  # the reported (our) account, repeated here so a transaction stands alone
    booking_date: date | None
    value_date: date | None
    amount: Decimal  # magnitude, never negative
    currency: str
    direction: Direction
    status: TransactionStatus = TransactionStatus.BOOKED
    end_to_end_id: str | None = None
    bank_reference: str | None = None  # the bank's reference (AcctSvcrRef, BAI2 bank ref, FITID)
    customer_reference: str | None = (
        None  # the payer's or our reference (InstrId, BAI2 customer ref, check no)
    )
    remittance_structured: tuple[str, ...] = ()  # creditor references (SCOR/RF, ISR/QR), document numbers
    remittance_unstructured: tuple[str, ...] = ()  # free text lines as given
    counterparty_name: str | None = None
    counterparty_account: str | None = None
    bank_code: str | None = None  # camt PMNT/RCDT/ESCT, BAI2 type code, OFX TRNTYPE, ACH transaction code
    proprietary_code: str | None = None  # camt BkTxCd/Prtry/Cd, when the bank adds one
    reversal: bool = False
    raw: str = ""  # the source text of the record (or a compact rendering), for the review queue

    @property
    def signed_amount(self) -> Decimal:
        return self.amount if self.direction is Direction.CREDIT else -self.amount

    @property
    def idempotency_key(self) -> str:
        """One key for the whole system: the account and the bank's id, hashed to a fixed width."""
        digest = hashlib.sha256(f"{self.account_id}\x1f{self.transaction_id}".encode())
        return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class BankStatement:
    format: str  # camt053 | camt054 | bai2 | ofx
    account_id: str  # IBAN when the bank gives one, else its own account number
    currency: str
    transactions: tuple[BankTransaction, ...] = ()
    iban: str | None = None
    bank_id: str | None = None  # BIC, routing number or OFX BANKID of the reporting bank
    statement_id: str | None = None
    message_id: str | None = None
    sequence_number: str | None = None
    created_at: datetime | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    opening_balance: Balance | None = None
    closing_balance: Balance | None = None
    balances: tuple[Balance, ...] = ()
    page_number: int | None = None
    last_page: bool | None = None
    owner_name: str | None = None
    warnings: tuple[str, ...] = field(default=())

    @property
    def total_credits(self) -> Decimal:
        return sum((t.amount for t in self.transactions if t.direction is Direction.CREDIT), Decimal(0))

    @property
    def total_debits(self) -> Decimal:
        return sum((t.amount for t in self.transactions if t.direction is Direction.DEBIT), Decimal(0))


_SPACE = re.compile(r"\s+")


def derive_transaction_id(
    *,
    account_id: str,
    booking_date: date | None,
    amount: Decimal,
    direction: Direction,
    currency: str,
    refs: tuple[str | None, ...] = (),
) -> str:
    """A content hash for files that give a transaction no id of its own.

    The amount is normalised (``10.5`` and ``10.50`` agree) and whitespace collapsed, so a re-export of the
    same statement by another tool still gives the same id.
    """
    parts = [
        account_id.strip(),
        booking_date.isoformat() if booking_date else "",
        currency,
        direction.value,
        format(amount.normalize(), "f") if amount else "0",
        *(_SPACE.sub(" ", r).strip() if r else "" for r in refs),
    ]
    return "sha256:" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


class IdRegistry:
    """Makes ids unique within one statement: the second ``X`` becomes ``X#2``, and so on.

    Banks do repeat their own references (a PostFinance camt.053 sample reuses one AcctSvcrRef on two
    entries), and two identical card payments on one day hash alike. The suffix keeps both, and because it
    follows file order, importing the same file again yields the same ids.
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def claim(self, candidate: str) -> str:
        count = self._seen.get(candidate, 0) + 1
        self._seen[candidate] = count
        return candidate if count == 1 else f"{candidate}#{count}"


def first_balance(balances: Sequence[Balance], kinds: Sequence[str]) -> Balance | None:
    """The first balance of the first kind present, in order of preference (e.g. OPBD, then OPAV)."""
    for kind in kinds:
        for balance in balances:
            if balance.kind == kind:
                return balance
    return None


def to_utc(value: datetime) -> datetime:
    """Aware UTC; a naive value is taken as UTC (camt and OFX allow a missing offset, meaning bank time
    the file does not state, and UTC is the documented assumption)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class BankFile:
    """What ``parse_statement`` returns: the statements in the file, or for NACHA the ACH file itself
    (an ACH file is entries and returns, not an account statement)."""

    format: str
    statements: tuple[BankStatement, ...] = ()
    ach: AchFile | None = None

    @property
    def transactions(self) -> tuple[BankTransaction, ...]:
        return tuple(t for s in self.statements for t in s.transactions)

    @property
    def warnings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w for s in self.statements for w in s.warnings))
