from django.db import models


class EntryKind(models.TextChoices):
    CHARGE = "charge", "Charge"
    INTEREST = "interest", "Interest"
    FEE = "fee", "Fee"
    COST = "cost", "Cost"
    PAYMENT = "payment", "Payment"
    ADJUSTMENT = "adjustment", "Adjustment"
    REVERSAL = "reversal", "Reversal"
    WRITE_OFF = "write_off", "Write-off"


class Bucket(models.TextChoices):
    PRINCIPAL = "principal", "Principal"
    INTEREST = "interest", "Interest"
    FEES = "fees", "Fees"
    COSTS = "costs", "Costs"
    # Money received beyond what is owed: a liability to the debtor, never a negative bucket.
    CREDIT = "credit", "Credit balance"
