"""8 workers post 5,000 payments, 20% of them retries of another's key, at the same time (PostgreSQL)."""

import random
import threading
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection, connections

from arrears.core.money import Money
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.payments.models import Payment
from arrears.payments.services import payment_post

WORKERS = 8
PAYMENTS = 5_000
DUPLICATE_SHARE = 0.2
ACCOUNTS = 40

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so there is no concurrency to test",
)


@pytest.mark.django_db(transaction=True)
def test_concurrent_posting_loses_nothing_and_doubles_nothing(org, system, make_account):
    # given: 4,000 distinct payments, plus 1,000 retries of them, shuffled over 8 workers
    rng = random.Random(5)
    accounts = [make_account(principal=Decimal("1000000.00")) for _ in range(ACCOUNTS)]
    unique = int(PAYMENTS * (1 - DUPLICATE_SHARE))
    requests = [
        (f"key-{i}", rng.choice(accounts), Decimal(rng.randint(1, 50_000)) / 100) for i in range(unique)
    ]
    requests += [rng.choice(requests[:unique]) for _ in range(PAYMENTS - unique)]
    rng.shuffle(requests)
    received_at = datetime(2026, 12, 1, 15, tzinfo=UTC)
    results: list[list[tuple[str, int]]] = [[] for _ in range(WORKERS)]
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for key, account, amount in requests[n::WORKERS]:
                payment = payment_post(
                    account=account,
                    amount=Money(amount, "USD"),
                    method="ach",
                    received_at=received_at,
                    actor=system,
                    idempotency_key=key,
                )
                results[n].append((key, payment.pk))
        except BaseException as exc:  # noqa: BLE001 - reported below, with the worker's traceback
            failures.append(exc)
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=work, args=(n,)) for n in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    # then: every request got an answer, each key maps to exactly one payment
    assert failures == []
    answers = [r for worker in results for r in worker]
    assert len(answers) == PAYMENTS
    by_key: dict[str, set[int]] = {}
    for key, pk in answers:
        by_key.setdefault(key, set()).add(pk)
    assert all(len(pks) == 1 for pks in by_key.values()), "a retry returned a different payment"
    assert Payment.objects.count() == unique == len(by_key)

    # nothing lost, nothing doubled: each account's principal fell by exactly its distinct payments
    expected = Counter()
    for _key, account, amount in {r[0]: r for r in requests}.values():
        expected[account.pk] += amount
    for account in accounts:
        account.refresh_from_db()
        assert account.balance_principal == Decimal("1000000.00") - expected[account.pk]

    # and the cached balances equal the ledger
    assert list(ledger_cache_mismatches(organization_id=org.pk)) == []
