"""Money in: every write of payments, promises, plans, settlements, interest and exchange rates.

Each service runs in a transaction, locks the accounts it moves money on (in id order, so that
concurrent writers never deadlock), writes the ledger through `ledger.services`, audits, and
schedules follow-up work with `transaction.on_commit`. Callers import the services from here; the
modules are by topic: posting (payments, reversals, splits, deposits, notices), promises, plans,
settlements, interest (accrual and fees), fx (exchange rates), holds (the compliance facts that
change how money moves) and reconcile.
"""

from ._common import local_date, organization_today
from .fx import exchange_rate_set
from .holds import MoneyFacts, account_money_facts
from .interest import accrual_start, interest_accrue, interest_accrue_many
from .plans import PlanSpec, PlanTerms, plan_cancel, plan_create, plans_create_many, plans_evaluate
from .posting import (
    PaymentRequest,
    payment_notices_record,
    payment_post,
    payment_post_split,
    payment_reverse,
    payments_deposit_due,
    payments_post,
)
from .promises import (
    PromiseSpec,
    promise_cancel,
    promise_create,
    promises_create_many,
    promises_evaluate,
    promises_evaluate_many,
)
from .reconcile import account_reconcile
from .settlements import settlement_approve, settlement_offer, settlements_evaluate, settlements_reject

__all__ = [
    "MoneyFacts",
    "PaymentRequest",
    "PromiseSpec",
    "PlanSpec",
    "PlanTerms",
    "account_money_facts",
    "account_reconcile",
    "accrual_start",
    "exchange_rate_set",
    "interest_accrue",
    "interest_accrue_many",
    "local_date",
    "organization_today",
    "payment_notices_record",
    "payment_post",
    "payment_post_split",
    "payment_reverse",
    "payments_deposit_due",
    "payments_post",
    "plan_cancel",
    "plan_create",
    "plans_create_many",
    "plans_evaluate",
    "promise_cancel",
    "promise_create",
    "promises_create_many",
    "promises_evaluate",
    "promises_evaluate_many",
    "settlement_approve",
    "settlement_offer",
    "settlements_evaluate",
    "settlements_reject",
]
