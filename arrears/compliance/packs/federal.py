"""Federal law beyond Regulation F that stops or shapes contact, for any creditor and any debt type."""

from __future__ import annotations

from datetime import datetime

from ..facts import Effect, Facts, Flag
from .base import Pack, Rule, always


def bankruptcy(facts: Facts, now: datetime) -> str | None:
    """The automatic stay forbids any act to collect a pre-petition debt."""
    if Flag.BANKRUPTCY in facts.flags:
        return "A bankruptcy notice was received: the automatic stay forbids any act to collect this debt."
    return None


def deceased(facts: Facts, now: datetime) -> str | None:
    if Flag.DECEASED in facts.flags:
        return (
            "The consumer is deceased. Contact about the estate goes only to the person with "
            "authority to pay from it, through the estate process, not through this action."
        )
    return None


def litigation(facts: Facts, now: datetime) -> str | None:
    if Flag.LITIGATION in facts.flags:
        return "This debt is in litigation: contact a represented consumer only through counsel of record."
    return None


def scra(facts: Facts, now: datetime) -> str | None:
    if Flag.SCRA in facts.flags:
        return (
            "The consumer is a servicemember protected by the SCRA: interest above 6% and default "
            "judgments are restricted."
        )
    return None


PACK = Pack(
    name="US federal holds",
    applies=always,
    rules=(
        Rule("BANKRUPTCY", Effect.BLOCK, "11 U.S.C. 362(a)(6)", bankruptcy),
        # 1006.6(a)(4) lets a collector talk to the executor or administrator of a deceased consumer's estate.
        Rule("DECEASED", Effect.BLOCK, "12 CFR 1006.6(a)(4)", deceased),
        Rule("LITIGATION_PENDING", Effect.WARN, "12 CFR 1006.6(b)(2)", litigation),
        Rule("SCRA_PROTECTED", Effect.WARN, "50 U.S.C. 3937; 50 U.S.C. 3931", scra),
    ),
)
