"""Twelve collectors dial the same debtor at once: exactly 7 calls get through (PostgreSQL)."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections

from arrears.attempts.models import ContactAttempt
from arrears.compliance.selectors import primary_debtor
from arrears.contact.services import contact_attempt_record
from arrears.debtors.models import ContactPoint

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite serialises every writer, so there is no concurrency to test",
)
COLLECTORS = 12


@pytest.mark.django_db(transaction=True)
def test_concurrent_calls_never_exceed_the_weekly_limit(make_account, system):
    account = make_account()
    debtor = primary_debtor(account)
    phone = ContactPoint.objects.get(debtor=debtor, kind="phone")
    start = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # 10:30 in New York
    barrier = threading.Barrier(COLLECTORS)
    failures: list[BaseException] = []

    def dial(n: int) -> None:
        try:
            barrier.wait()
            contact_attempt_record(
                debtor=debtor,
                channel="call",
                direction="outbound",
                outcome="no_answer",
                accounts=[account],
                contact_point=phone,
                actor=system,
                at=start + timedelta(minutes=n),
            )
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dial, args=(n,)) for n in range(COLLECTORS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert failures == []
    outcomes = list(ContactAttempt.objects.filter(debtor=debtor).values_list("outcome", flat=True))
    assert len(outcomes) == COLLECTORS
    assert outcomes.count("no_answer") == 7
    assert outcomes.count("blocked") == COLLECTORS - 7
