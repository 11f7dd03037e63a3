"""The promise rate counts the accounts reached in the period on which a collector took a promise: a
promise made in the portal, one on an account nobody reached, or a second promise on the same account
does not raise it, so it stays within 0–100% (it read 140% on the demo's data before)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from arrears.accounts.selectors import primary_debtor_ids
from arrears.attempts.services import AttemptSpec, attempts_record_many
from arrears.core.money import Money
from arrears.payments.services.promises import promise_create
from arrears.reports.selectors import kpis_compute

AS_OF = date(2026, 11, 30)


@pytest.mark.django_db(transaction=True)
def test_the_promise_rate_counts_accounts_reached_and_promised_in_conversation(org, system, make_account):
    reached = [make_account(reference=f"R-{i}") for i in range(4)]
    unreached = make_account(reference="U-1")
    debtors = primary_debtor_ids([a.pk for a in reached])
    at = datetime(2026, 11, 20, 15, tzinfo=UTC)
    attempts_record_many(
        attempts=[
            AttemptSpec(
                organization_id=org.pk,
                debtor_id=debtors[a.pk],
                channel="call",
                direction="outbound",
                outcome="right_party_contact",
                at=at,
                account_ids=[a.pk],
            )
            for a in reached
        ]
        + [  # a no-answer is a dial, not a contact
            AttemptSpec(
                organization_id=org.pk,
                debtor_id=debtors[reached[0].pk],
                channel="call",
                direction="outbound",
                outcome="no_answer",
                at=at,
                account_ids=[reached[0].pk],
            )
        ]
    )

    def promise(account, channel):
        promise_create(
            account=account,
            amount=Money(Decimal("50.00"), "USD"),
            due_on=AS_OF + timedelta(days=10),
            actor=system,
            channel=channel,
            today=date(2026, 11, 20),
        )

    promise(reached[0], "call")
    promise(reached[0], "workbench")  # the same account again: counted once
    promise(reached[1], "workbench")
    promise(reached[2], "portal")  # the debtor's own, not taken in conversation
    promise(unreached, "call")  # no right-party contact in the period

    result = kpis_compute(organization_id=org.pk, as_of=AS_OF)

    assert result["figures"]["promises_made"] == 5
    assert result["kpis"]["rpc_rate"] == pytest.approx(0.8)  # 4 contacts in 5 dials
    assert result["kpis"]["promise_rate"] == pytest.approx(0.5)  # 2 accounts of 4 contacts
