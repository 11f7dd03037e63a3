"""Batch posting (ledger_post_many, audit_record_many) writes exactly what one-by-one posting writes."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrears.audit.models import AuditEvent
from arrears.audit.selectors import audit_chain_verify
from arrears.core.money import Money
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.payments.models import Payment
from arrears.payments.services import PaymentRequest, payment_post, payments_post

D = Decimal
AT = datetime(2026, 12, 1, 15, tzinfo=UTC)


def test_a_batch_equals_the_same_payments_posted_one_by_one(org, system, make_account):
    # given two pairs of identical accounts
    batch_accounts = [make_account(principal=D("100.00"), fees=D("10.00")) for _ in range(2)]
    single_accounts = [make_account(principal=D("100.00"), fees=D("10.00")) for _ in range(2)]
    amounts = ["15.00", "50.00", "80.00", "5.00"]

    # when
    requests = [
        PaymentRequest(batch_accounts[i % 2], Money.of(a, "USD"), "ach", AT, f"b-{i}")
        for i, a in enumerate(amounts)
    ]
    batch = payments_post(requests=requests, actor=system)
    for i, a in enumerate(amounts):
        payment_post(
            account=single_accounts[i % 2],
            amount=Money.of(a, "USD"),
            method="ach",
            received_at=AT,
            actor=system,
            idempotency_key=f"s-{i}",
        )

    # then
    assert len({p.pk for p in batch}) == 4
    for b, s in zip(batch_accounts, single_accounts, strict=True):
        b.refresh_from_db()
        s.refresh_from_db()
        fields = ("balance_principal", "balance_fees", "balance_credit", "status", "last_payment_amount")
        assert [getattr(b, f) for f in fields] == [getattr(s, f) for f in fields]
    assert batch_accounts[0].balance_credit == D("0") and batch_accounts[1].balance_credit == D("0")
    assert batch_accounts[0].balance_principal == D("15.00")
    assert list(ledger_cache_mismatches(organization_id=org.pk)) == []
    assert AuditEvent.objects.filter(event="payment.posted").count() == 8
    assert audit_chain_verify(organization_id=org.pk).ok


def test_a_batch_with_a_repeated_key_posts_it_once(org, system, make_account):
    # given
    account = make_account(principal=D("100.00"))
    request = PaymentRequest(account, Money.of("10.00", "USD"), "cash", AT, "dup")

    # when
    payments = payments_post(requests=[request, request], actor=system)

    # then
    assert payments[0].pk == payments[1].pk
    assert Payment.objects.count() == 1
    account.refresh_from_db()
    assert account.balance_principal == D("90.00")


def test_a_large_batch_goes_through_copy_and_keeps_every_invariant(org, system, make_account):
    # given: enough rows for the COPY path on PostgreSQL (core.bulk.COPY_MIN_ROWS)
    accounts = [make_account(principal=D("100.00"), fees=D("5.00")) for _ in range(3)]
    requests = [
        PaymentRequest(accounts[i % 3], Money.of("10.50", "USD"), "portal", AT, f"big-{i}") for i in range(30)
    ]

    # when
    payments = payments_post(requests=requests, actor=system)

    # then: 10 × 10.50 per account pays 5.00 of fees and 100.00 of principal: nothing is owed
    assert len({p.pk for p in payments}) == 30 and all(p.pk for p in payments)
    for account in accounts:
        account.refresh_from_db()
        assert (account.balance_fees, account.balance_principal, account.balance_credit) == (0, 0, D("0"))
        assert account.status == "paid"
    assert list(ledger_cache_mismatches(organization_id=org.pk)) == []
    assert audit_chain_verify(organization_id=org.pk).ok
    assert Payment.objects.filter(pk__in=[p.pk for p in payments]).count() == 30


def test_a_unique_violation_in_a_bulk_insert_is_djangos_integrity_error(system, make_account):
    # given: a payment, and 25 rows (the COPY path on PostgreSQL) of which one reuses its key
    from django.db import IntegrityError, transaction

    from arrears.core.bulk import insert_rows
    from arrears.payments.services import _PAYMENT_COLUMNS

    account = make_account(principal=D("100.00"))
    first = payment_post(
        account=account,
        amount=Money.of("1.00", "USD"),
        method="ach",
        received_at=AT,
        actor=system,
        idempotency_key="taken",
    )
    row = {c: getattr(first, c) for c in _PAYMENT_COLUMNS}
    rows = [{**row, "idempotency_key": f"k-{i}"} for i in range(24)] + [row]

    # when / then: payments_post retries on exactly this exception
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(Payment, rows)
    assert Payment.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the statement count is constant only on PostgreSQL (COPY and UPDATE … FROM VALUES)",
)
def test_a_batch_costs_the_same_statements_whatever_its_size(org, system, make_account):
    # given
    accounts = [make_account(principal=D("1000.00")) for _ in range(4)]

    def statements(n, tag):
        requests = [
            PaymentRequest(accounts[i % 4], Money.of("1.00", "USD"), "ach", AT, f"{tag}-{i}")
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as ctx:
            payments_post(requests=requests, actor=system)
        return len(ctx.captured_queries)

    # when
    small, large = statements(40, "a"), statements(400, "b")

    # then: no statement per payment, so the benchmark's throughput does not hang on round trips
    assert small == large
    assert large <= 16
