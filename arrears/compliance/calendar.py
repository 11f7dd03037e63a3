"""Compliance dates on the business-day calendar: the validation period. Pure: no ORM, no clock, no I/O.

Both the rule packs (a dispute within the validation period) and the notices read these, so they live
apart from the engine (``compliance.domain``), which imports the packs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from arrears.core.clock import add_business_days

# --- validation period (12 CFR 1006.34(b)(5)) ------------------------------------------------------------

RECEIPT_BUSINESS_DAYS = 5  # 1006.34(b)(5): assumed received 5 days (no weekends or federal holidays) after
VALIDATION_PERIOD_DAYS = 30


@dataclass(frozen=True, slots=True)
class ValidationPeriod:
    provided_on: date
    assumed_receipt_on: date
    ends_on: date

    def as_dict(self) -> dict[str, str]:
        return {
            "provided_on": self.provided_on.isoformat(),
            "assumed_receipt_on": self.assumed_receipt_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
        }


def validation_period(provided_on: date) -> ValidationPeriod:
    """Provided on + 5 business days (no Saturdays, Sundays or US federal holidays) + 30 calendar days."""
    receipt = add_business_days(provided_on, RECEIPT_BUSINESS_DAYS, country="US")
    return ValidationPeriod(provided_on, receipt, receipt + timedelta(days=VALIDATION_PERIOD_DAYS))
