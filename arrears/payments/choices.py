from django.db import models

from arrears.accounts.choices import AccountStatus


class PaymentMethod(models.TextChoices):
    CARD = "card", "Card"
    ACH = "ach", "ACH"
    CHECK = "check", "Check"
    CASH = "cash", "Cash"
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    PORTAL = "portal", "Portal"


class PaymentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled (post-dated)"
    POSTED = "posted", "Posted"
    REVERSED = "reversed", "Reversed"
    CANCELLED = "cancelled", "Cancelled"


class ReversalReason(models.TextChoices):
    NSF = "nsf", "Not sufficient funds"
    CHARGEBACK = "chargeback", "Chargeback"
    STOP_PAYMENT = "stop_payment", "Stop payment"
    ERROR = "error", "Posting error"


class SplitRule(models.TextChoices):
    OLDEST_FIRST = "oldest_first", "Oldest account first"
    PROPORTIONAL = "proportional", "In proportion to what each account owes"
    STATED = "stated", "Stated amount per account"


class PromiseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    KEPT = "kept", "Kept"
    BROKEN = "broken", "Broken"
    CANCELLED = "cancelled", "Cancelled"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    BIWEEKLY = "biweekly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    CUSTOM = "custom", "Custom dates"


class PlanStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DELINQUENT = "delinquent", "Delinquent"
    BROKEN = "broken", "Broken"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class InstallmentStatus(models.TextChoices):
    DUE = "due", "Due"
    PAID = "paid", "Paid"
    MISSED = "missed", "Missed"


class SettlementKind(models.TextChoices):
    LUMP_SUM = "lump_sum", "Lump sum"
    INSTALLMENTS = "installments", "Installments"


class SettlementStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", "Awaiting approval"
    APPROVED = "approved", "Approved"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Expired"
    REJECTED = "rejected", "Rejected"


class FeeKind(models.TextChoices):
    FLAT = "flat", "Flat amount"
    PERCENT = "percent", "Percentage"


class BankLineState(models.TextChoices):
    """What reconciliation did with one line of a bank statement."""

    POSTED = "posted", "Matched and posted"
    REVIEW = "review", "Waiting for review"
    RESOLVED = "resolved", "Posted after review"
    DISMISSED = "dismissed", "Dismissed after review"
    IGNORED = "ignored", "Not money in (debit, pending or information only)"


class MatchKind(models.TextChoices):
    INSTALLMENT = "installment", "Plan installment"
    PROMISE = "promise", "Promise to pay"
    ACCOUNT = "account", "Account (no expected payment)"


class AchAccountType(models.TextChoices):
    CHECKING = "checking", "Checking"
    SAVINGS = "savings", "Savings"


class AchEntryStatus(models.TextChoices):
    SENT = "sent", "Sent"
    RETURNED = "returned", "Returned"


class RemitMode(models.TextChoices):
    NET = "net", "Net (fee withheld)"
    GROSS = "gross", "Gross (fee invoiced)"


class CheckoutStatus(models.TextChoices):
    OPEN = "open", "Open"
    PAID = "paid", "Paid"
    EXPIRED = "expired", "Expired"


# Statuses in which interest accrues: not once the account is paid, settled, closed or recalled.
ACCRUING = frozenset(
    {
        AccountStatus.NEW,
        AccountStatus.ACTIVE,
        AccountStatus.PROMISED,
        AccountStatus.ON_PLAN,
        AccountStatus.LEGAL,
        AccountStatus.DISPUTED,
        AccountStatus.ON_HOLD,
    }
)
OPEN_PLAN = (PlanStatus.ACTIVE, PlanStatus.DELINQUENT)
OPEN_SETTLEMENT = (SettlementStatus.PENDING_APPROVAL, SettlementStatus.APPROVED)
