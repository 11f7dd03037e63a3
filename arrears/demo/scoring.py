"""The demo's scoring: a synthetic history the model can learn from, a trained model, scored accounts.

A share of the demo portfolio (one account in eight) gets a year of history from
``scoring.synthetic`` (its rule is documented there), so the demo's queue ranks by a real model and
its model report has something to show. The rest of the portfolio is scored by the same model."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from arrears.scoring.services import model_train
from arrears.scoring.synthetic import history_generate
from arrears.tenancy.domain import Principal
from arrears.tenancy.services import client_create

if TYPE_CHECKING:
    from arrears.tenancy.models import Client

SHARE = 8  # one synthetic account per this many demo accounts
# The synthetic accounts belong to a client of their own, so they are never mistaken for the hand-made
# portfolio: their calls are simulated history, logged without a gate decision (none was ever made).
SYNTHETIC_CLIENT = "synthetic-history"
NOTICES = 2  # synthetic accounts with a validation notice on file (each is a rendered PDF: the slow part)


def seed_scoring(*, clients: Sequence[Client], accounts: int, today: date, actor: Principal) -> None:
    n = accounts // SHARE
    archive = None
    if n:
        archive = client_create(
            organization=clients[0].organization,
            code=SYNTHETIC_CLIENT,
            name="Archive Portfolio (synthetic history)",
            actor=actor,
        )
        history_generate(
            clients=[archive], n_accounts=n, days=364, today=today, actor=actor, notices=min(NOTICES, n)
        )
    # The model learns from the synthetic archive, whose payments follow a known rule; the hand-made
    # portfolio's payments are drawn at random, so there is nothing in them to learn. It scores both.
    model_train(
        organization_id=actor.organization_id,
        today=today,
        actor=actor,
        client_ids=[archive.pk] if archive is not None else None,
    )
