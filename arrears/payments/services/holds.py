"""Holds that change how money moves: the compliance facts that payments, splits and interest read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol

from arrears.accounts.choices import AccountStatus
from arrears.compliance.choices import HoldKind
from arrears.compliance.selectors import hold_kinds_in_effect
from arrears.tenancy.domain import Principal

if TYPE_CHECKING:
    from arrears.accounts.models import Account


class _Held(Protocol):
    """What the facts read of an account: a model instance, or a row a batch read."""

    @property
    def pk(self) -> int: ...
    @property
    def status(self) -> str: ...


@dataclass(frozen=True, slots=True)
class MoneyFacts:
    """What the compliance state of an account means for money in."""

    disputed: bool = False
    scra_active: bool = False
    interest_suspended: bool = False


def account_money_facts(
    *, accounts: Sequence[Account | _Held], on: date, actor: Principal
) -> dict[int, MoneyFacts]:
    """Read the compliance state that changes how money moves, from the active holds.

    - a dispute (hold, or the account's `disputed` status): a split payment skips the account
      (12 CFR 1006.30(c));
    - SCRA active duty: interest capped at 6% (50 U.S.C. 3937);
    - bankruptcy: interest stops (the automatic stay, 11 U.S.C. 362(a), and no unmatured interest on
      the claim, 11 U.S.C. 502(b)(2)).
    Holds count from their effective date on; services also take these facts as parameters. Two
    queries whatever the number of accounts.
    """
    kinds = hold_kinds_in_effect(
        organization_id=actor.organization_id, account_ids=[a.pk for a in accounts], on=on
    )
    facts = {}
    for account in accounts:
        held = kinds.get(account.pk, set())
        facts[account.pk] = MoneyFacts(
            disputed=account.status == AccountStatus.DISPUTED or HoldKind.DISPUTE in held,
            scra_active=HoldKind.SCRA in held,
            interest_suspended=HoldKind.BANKRUPTCY in held,
        )
    return facts
