"""Regulation F duties that fall on debt collectors only (third party), not on creditors."""

from __future__ import annotations

from datetime import datetime

from ..facts import Effect, Facts, Purpose
from .base import Pack, RequirementRule, Rule, local_date, zones_of
from .reg_f import consumer_debt

VALIDATION_DAYS = 5


def debt_collector(facts: Facts) -> bool:
    return facts.third_party and consumer_debt(facts)


def validation_notice_overdue(facts: Facts, now: datetime) -> str | None:
    """1006.34(a): the validation notice is due within 5 days of the initial communication.

    Counted in calendar days of the consumer's local dates (stricter than the rule's business days, so
    it never lets an overdue notice pass). Until it is sent, only the notice itself may go out.
    """
    debt = facts.debt
    first = debt.first_communication_at
    if first is None or debt.validation_notice_sent_on is not None:
        return None
    if facts.action.purpose == Purpose.VALIDATION_NOTICE:
        return None
    for zone_name in zones_of(facts):
        elapsed = (local_date(now, zone_name) - local_date(first, zone_name)).days
        if elapsed > VALIDATION_DAYS:
            return (
                f"The first communication was on {local_date(first, zone_name):%Y-%m-%d}, {elapsed} "
                "days ago, "
                "and no validation notice has been sent; only the validation notice may be "
                "sent."
            )
    return None


def mini_miranda(facts: Facts, now: datetime) -> str | None:
    return (
        "Disclose that the communication is from a debt collector; in the initial communication, also "
        "that "
        "the debt collector is attempting to collect a debt and any information obtained will be used "
        "for "
        "that purpose."
    )


def validation_information(facts: Facts, now: datetime) -> str | None:
    if facts.action.purpose != Purpose.VALIDATION_NOTICE:
        return None
    return (
        "Provide the validation information of Model Form B-1: the itemization from the itemization "
        "date, "
        "the validation period end date, the dispute prompts and the CFPB website."
    )


PACK = Pack(
    name="US Regulation F: debt collector duties",
    applies=debt_collector,
    rules=(Rule("VALIDATION_NOTICE_OVERDUE", Effect.BLOCK, "12 CFR 1006.34(a)", validation_notice_overdue),),
    requirements=(
        RequirementRule("MINI_MIRANDA", "12 CFR 1006.18(e)", mini_miranda),
        RequirementRule("VALIDATION_INFORMATION", "12 CFR 1006.34(c)", validation_information),
    ),
)
