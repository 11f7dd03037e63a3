from django.db import models


class AccountStatus(models.TextChoices):
    NEW = "new", "New"
    ACTIVE = "active", "Active"
    PROMISED = "promised", "Promise to pay"
    ON_PLAN = "on_plan", "On payment plan"
    SETTLED = "settled", "Settled"
    PAID = "paid", "Paid in full"
    DISPUTED = "disputed", "Disputed"
    ON_HOLD = "on_hold", "On hold"
    LEGAL = "legal", "Legal"
    CLOSED = "closed", "Closed"
    RECALLED = "recalled", "Recalled"


class DebtType(models.TextChoices):
    CONSUMER = "consumer", "Consumer"
    COMMERCIAL = "commercial", "Commercial"


class InterestBasis(models.TextChoices):
    ACTUAL_365 = "actual_365", "Actual/365"
    THIRTY_360 = "thirty_360", "30/360"


class AllocationOrder(models.TextChoices):
    FEES_FIRST = "fees_first", "Fees, costs, interest, then principal"
    PRINCIPAL_FIRST = "principal_first", "Principal, interest, fees, then costs"


class AgingBucket(models.TextChoices):
    CURRENT = "current", "Current"
    D1_30 = "1-30", "1–30"
    D31_60 = "31-60", "31–60"
    D61_90 = "61-90", "61–90"
    D91_120 = "91-120", "91–120"
    D121_180 = "121-180", "121–180"
    D181_365 = "181-365", "181–365"
    D365_PLUS = "365+", "365+"


class DebtorRole(models.TextChoices):
    PRIMARY = "primary", "Primary"
    CO_DEBTOR = "co_debtor", "Co-debtor"
