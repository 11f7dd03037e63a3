"""Synthetic account histories whose payment behaviour follows a known rule, with noise.

Used by the tests (a ground truth the model must find) and by `arrears demo` (something real for the
demo's model to learn). Everything is written through the owning apps' batch services: debtors and
phones (`debtors`), accounts with their opening balances (`ledger.accounts_open_many`), calls
(`attempts.attempts_record_many`), payments (`payments.payments_post`, so the ledger stays the truth)
and promises (`payments.promises_create_many`, then `promises_evaluate_many` marks them kept or broken).

The rule (docs/scoring.md, "Synthetic history"). Each account has a hidden willingness ``w ~ N(0, 1)``.
The history runs week by week over ``days`` before ``today``:

- a call is placed with probability 0.5 a week; a wrong phone (12% of debtors) always gives
  ``wrong_number``; otherwise the debtor answers (right-party contact) with probability
  ``sigmoid(-0.6 + 0.9 w)``, else no answer (70%) or voicemail;
- after a right-party contact, a promise with probability ``0.6 · sigmoid(w)``, for 10–50% of the
  balance, due in 7–14 days, kept with probability ``sigmoid(0.4 + 1.6 w)`` (paid on its due date);
- and, whatever the calls, a payment in the week with probability
  ``sigmoid(-3.1 + 1.3 w - 0.5 ln(balance / 1500) - 0.6 · years delinquent + client + debt type
  + 0.9 · [right-party contact this week] + ε)``, ``ε ~ N(0, 0.5)``; client: +0.3 for the first client
  given, -0.3 for the others; commercial debt -0.2. It pays 10–60% of the balance (all of it when
  the balance is under 150).

So the observable history (payments, contacts, promises kept and broken, aging, balance) carries the
hidden willingness, as it does in real portfolios, and a model can be checked against the rule.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.accounts.choices import AccountStatus, DebtType
from arrears.accounts.selectors import accounts_in_organization
from arrears.accounts.services import NewAccount
from arrears.attempts.choices import Direction, Outcome
from arrears.attempts.services import AttemptSpec, attempts_record_many
from arrears.compliance.services import validation_notice_record
from arrears.core.money import Money
from arrears.debtors.choices import Channel, ContactKind, ContactLabel
from arrears.debtors.services import (
    ContactPointSpec,
    DebtorSpec,
    contact_points_add_many,
    debtors_create_many,
)
from arrears.ledger.services import accounts_open_many
from arrears.payments.choices import PaymentMethod
from arrears.payments.services.posting import PaymentRequest, payments_post
from arrears.payments.services.promises import PromiseSpec, promises_create_many, promises_evaluate_many
from arrears.tenancy.domain import Principal

if TYPE_CHECKING:
    from arrears.tenancy.models import Client

STATES = ("NY", "FL", "TX", "IL", "CO", "AZ", "CA", "WA", "MA", "GA")
AREA = {"NY": "212", "FL": "305", "TX": "214", "IL": "312", "CO": "303", "AZ": "602", "CA": "213",
        "WA": "206", "MA": "617", "GA": "404"}  # fmt: skip


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class _Sim:
    """One account's simulated life: what is written, and the truth behind it."""

    reference: str
    client_index: int
    willingness: float
    balance: Decimal
    delinquent_since: date
    placed_on: date
    debt_type: str
    state: str
    wrong_phone: bool
    calls: list[tuple[datetime, str]] = field(default_factory=list)
    payments: list[tuple[datetime, Decimal]] = field(default_factory=list)
    promises: list[tuple[date, date, Decimal]] = field(default_factory=list)  # made, due, amount


@dataclass(frozen=True)
class History:
    """What was generated: account ids in order, and each account's hidden willingness."""

    account_ids: list[int]
    willingness: dict[int, float]
    payments: int
    calls: int
    promises: int


def _money(x: float) -> Decimal:
    return Decimal(str(round(x, 2)))


def _simulate(rng: random.Random, n: int, n_clients: int, days: int, today: date, prefix: str) -> list[_Sim]:
    start = today - timedelta(days=days)
    sims = []
    for i in range(n):
        w = rng.gauss(0, 1)
        ci = i % n_clients
        s = _Sim(
            reference=f"{prefix}{i:06d}",
            client_index=ci,
            willingness=w,
            balance=_money(min(50_000.0, max(50.0, rng.lognormvariate(math.log(1500), 0.9)))),
            delinquent_since=start - timedelta(days=rng.randint(30, 720)),
            placed_on=start - timedelta(days=rng.randint(0, 20)),
            debt_type=DebtType.COMMERCIAL if rng.random() < 0.15 else DebtType.CONSUMER,
            state=rng.choice(STATES),
            wrong_phone=rng.random() < 0.12,
        )
        client_effect = 0.3 if ci == 0 else -0.3
        type_effect = -0.2 if s.debt_type == DebtType.COMMERCIAL else 0.0
        balance = float(s.balance)
        due: list[tuple[date, float, bool]] = []  # promises: due date, amount, will keep
        for week in range(days // 7):
            if balance <= 0:
                break
            day0 = start + timedelta(days=7 * week)
            rpc = False
            if rng.random() < 0.5:
                at = datetime.combine(
                    day0 + timedelta(days=rng.randint(0, 4)), time(15, rng.randint(0, 59)), UTC
                )
                if s.wrong_phone:
                    outcome = Outcome.WRONG_NUMBER
                elif rng.random() < sigmoid(-0.6 + 0.9 * w):
                    outcome, rpc = Outcome.RIGHT_PARTY_CONTACT, True
                else:
                    outcome = Outcome.NO_ANSWER if rng.random() < 0.7 else Outcome.VOICEMAIL
                s.calls.append((at, outcome))
                if (
                    rpc
                    and not due
                    and rng.random() < 0.6 * sigmoid(w)
                    and at.date() + timedelta(days=14) < today
                ):
                    amount = min(balance, round(balance * rng.uniform(0.1, 0.5), 2))
                    due_on = at.date() + timedelta(days=rng.randint(7, 14))
                    s.promises.append((at.date(), due_on, _money(amount)))
                    due.append((due_on, amount, rng.random() < sigmoid(0.4 + 1.6 * w)))
            for due_on, amount, keep in list(due):
                if due_on < day0 + timedelta(days=7):
                    due.remove((due_on, amount, keep))
                    if keep and balance > 0:
                        paid = min(balance, amount)
                        s.payments.append((datetime.combine(due_on, time(17), UTC), _money(paid)))
                        balance = round(balance - paid, 2)
            years = (day0 - s.delinquent_since).days / 365.0
            logit = (
                -3.1 + 1.3 * w - 0.5 * math.log(max(balance, 1.0) / 1500) - 0.6 * years
                + client_effect + type_effect + (0.9 if rpc else 0.0) + rng.gauss(0, 0.5)
            )  # fmt: skip
            if balance > 0 and rng.random() < sigmoid(logit):
                paid = balance if balance < 150 else round(balance * rng.uniform(0.1, 0.6), 2)
                on = day0 + timedelta(days=rng.randint(0, 6))
                if on < today:
                    s.payments.append((datetime.combine(on, time(18), UTC), _money(paid)))
                    balance = round(balance - paid, 2)
        sims.append(s)
    return sims


def history_generate(
    *,
    clients: Sequence[Client],
    n_accounts: int,
    days: int,
    today: date,
    actor: Principal,
    seed: int = 7,
    prefix: str = "SYN-",
    notices: int = 0,
) -> History:
    """Open ``n_accounts`` accounts spread over ``clients`` and write ``days`` of history before
    ``today`` following the rule in this module's docstring. Deterministic for a seed.

    ``notices``: how many accounts (the first ones) get their validation notice recorded on their
    placement day, as an agency sends it before calling. The others have none, so the compliance
    gate lets only the notice go to those the calls reached. A notice is a rendered PDF (some 40 ms)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation, not a secret
    organization_id = clients[0].organization_id
    sims = _simulate(rng, n_accounts, len(clients), days, today, prefix)
    with transaction.atomic():
        debtor_ids = debtors_create_many(
            organization_id=organization_id,
            actor=actor,
            debtors=[
                DebtorSpec(name_key=f"synthetic {s.reference}", first_name="Synthetic", last_name=s.reference)
                for s in sims
            ],
        )
        contact_points_add_many(
            organization_id=organization_id,
            actor=actor,
            points=[
                ContactPointSpec(
                    debtor_id=d,
                    kind=ContactKind.PHONE,
                    value=f"+1{AREA[s.state]}55501{i % 100:02d}",
                    label=ContactLabel.MOBILE,
                    is_primary=True,
                )
                for i, (d, s) in enumerate(zip(debtor_ids, sims, strict=True))
            ],
        )
        ids: list[int] = [0] * len(sims)
        for ci, client in enumerate(clients):
            mine = [i for i, s in enumerate(sims) if s.client_index == ci]
            opened = accounts_open_many(
                client=client,
                accounts=[
                    NewAccount(
                        reference=sims[i].reference,
                        currency="USD",
                        debtor_ids=[debtor_ids[i]],
                        principal=sims[i].balance,
                        itemization_date=sims[i].delinquent_since,
                        fields={
                            "status": AccountStatus.ACTIVE,
                            "debt_type": sims[i].debt_type,
                            "jurisdiction_state": sims[i].state,
                            "delinquent_since": sims[i].delinquent_since,
                            "placed_on": sims[i].placed_on,
                        },
                    )
                    for i in mine
                ],
                actor=actor,
            )
            for i, pk in zip(mine, opened, strict=True):
                ids[i] = pk
        by_id = {pk: (s, d) for pk, s, d in zip(ids, sims, debtor_ids, strict=True)}
        attempts_record_many(
            attempts=[
                AttemptSpec(
                    organization_id=organization_id,
                    debtor_id=d,
                    channel=Channel.CALL,
                    direction=Direction.OUTBOUND,
                    outcome=outcome,
                    at=at,
                    account_ids=[pk],
                    target=f"+1{AREA[s.state]}5550100",
                )
                for pk, (s, d) in by_id.items()
                for at, outcome in s.calls
            ]
        )
        accounts = {
            a.pk: a for a in accounts_in_organization(organization_id=organization_id, account_ids=ids)
        }
        promises = [
            PromiseSpec(pk, Money(amount, "USD"), due_on, made_on=made_on)
            for pk, (s, _) in by_id.items()
            for made_on, due_on, amount in s.promises
        ]
        promises_create_many(promises=promises, actor=actor)
        n_promises = len(promises)
        requests = [
            PaymentRequest(pk, Money(amount, "USD"), PaymentMethod.ACH, at, f"synthetic-{pk}-{i}")
            for pk, (s, _) in by_id.items()
            for i, (at, amount) in enumerate(s.payments)
        ]
        for chunk in range(0, len(requests), 2000):
            payments_post(requests=requests[chunk : chunk + 2000], actor=actor)
        promises_evaluate_many(
            account_ids=[pk for pk, (s, _) in by_id.items() if s.promises], today=today, actor=actor
        )
        for pk in ids[:notices]:
            validation_notice_record(account=accounts[pk], provided_on=by_id[pk][0].placed_on, actor=actor)
    return History(
        account_ids=ids,
        willingness={pk: s.willingness for pk, (s, _) in by_id.items()},
        payments=len(requests),
        calls=sum(len(s.calls) for s in sims),
        promises=n_promises,
    )
