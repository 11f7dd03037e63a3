"""Batch posting (ledger_post_many, audit_record_many) writes exactly what one-by-one posting writes."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from arrears.audit.models import AuditEvent
from arrears.audit.selectors import audit_chain_verify
from arrears.core.errors import NotFound
from arrears.core.money import Money
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.payments.models import Payment
from arrears.payments.services import PaymentRequest, payment_post, payments_post
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

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
    from arrears.payments.services.posting import _PAYMENT_COLUMNS

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


def _rows_of(accounts):
    """What posting wrote for these accounts, with ids replaced by positions so two runs compare."""
    from arrears.accounts.models import Account
    from arrears.ledger.models import LedgerEntry

    position = {a.pk: i for i, a in enumerate(accounts)}
    payments = list(Payment.objects.filter(account__in=accounts).order_by("pk"))
    payment_no = {str(p.pk): n for n, p in enumerate(payments)}
    account_fields = (
        "balance_principal", "balance_interest", "balance_fees", "balance_costs", "balance_credit",
        "status", "last_payment_on", "last_payment_amount",
    )  # fmt: skip
    entries = LedgerEntry.objects.filter(account__in=accounts).filter(source_type="payment").order_by("pk")
    events = AuditEvent.objects.filter(account_id__in=position, event="payment.posted").order_by("seq")
    return {
        "payments": [
            (
                position[p.account_id],
                p.amount,
                p.currency,
                p.method,
                p.status,
                p.received_at,
                p.received_on,
                p.posted_at is not None,
                p.reference,
                p.split_key,
                p.original_amount,
                p.original_currency,
                p.actor_label,
            )
            for p in payments
        ],
        "entries": [
            (
                position[e.account_id],
                e.kind,
                e.bucket,
                e.amount,
                e.currency,
                e.effective_on,
                e.actor_label,
                e.source_type,
                payment_no[e.source_id],
                e.memo,
                e.reverses_id,
            )
            for e in entries
        ],
        "accounts": [
            tuple(getattr(a, f) for f in account_fields)
            for a in Account.objects.filter(pk__in=position).order_by("pk")
        ],
        "events": [
            (
                e.actor_label,
                e.subject_type,
                position[int(e.subject_id)],
                position[e.account_id],
                [(x["kind"], x["bucket"], x["amount"]) for x in e.data["entries"]],
                e.data["currency"],
                e.data["effective_on"],
                e.data["source"][0],
                payment_no[e.data["source"][1]],
            )
            for e in events
        ],
        # a payment's entries share one batch id, and no two payments share one
        "batches": [len({e.batch for e in entries if e.source_id == str(p.pk)}) for p in payments],
    }


def test_the_batch_path_writes_the_same_rows_as_posting_one_by_one(org, system, make_account):
    # given: two identical sets of accounts; 30 payments (the COPY path on PostgreSQL) that pay fees
    # first, then principal, pay one account in full and overpay another into a credit
    def accounts():
        return [
            make_account(principal=D("100.00"), fees=D("10.00")),
            make_account(principal=D("50.00")),
            make_account(principal=D("1000.00"), fees=D("2.50")),
        ]

    batched, single = accounts(), accounts()
    amounts = [D("7.50"), D("20.00"), D("1.00"), D("30.00"), D("35.00"), D("12.34")] * 5
    days = [datetime(2026, 12, 1 + i % 9, 10 + i % 5, tzinfo=UTC) for i in range(len(amounts))]

    def request(accounts, i, tag):
        return PaymentRequest(
            accounts[i % 3], Money(amounts[i], "USD"), "ach", days[i], f"{tag}-{i}", reference=f"r{i}"
        )

    # when
    batch = payments_post(requests=[request(batched, i, "b") for i in range(len(amounts))], actor=system)
    for i in range(len(amounts)):
        r = request(single, i, "s")
        payment_post(
            account=r.account,
            amount=r.amount,
            method=r.method,
            received_at=r.received_at,
            actor=system,
            idempotency_key=r.idempotency_key,
            reference=r.reference,
        )

    # then
    assert len({p.pk for p in batch}) == len(amounts)
    got, expected = _rows_of(batched), _rows_of(single)
    assert got == expected
    assert [a[5] for a in got["accounts"]] == ["paid", "paid", batched[2].status]
    assert got["accounts"][1][4] > 0  # the overpaid account holds a credit
    assert list(ledger_cache_mismatches(organization_id=org.pk)) == []
    assert audit_chain_verify(organization_id=org.pk).ok


def test_a_batch_refuses_an_account_of_another_organization(system, other_org, make_account):
    # given
    account = make_account(principal=D("100.00"))
    stranger = Principal(organization_id=other_org.pk, role=Role.ADMIN, label="other")

    # when / then: the lock reads only the actor's organization
    with pytest.raises(NotFound):
        payments_post(
            requests=[PaymentRequest(account.pk, Money.of("1.00", "USD"), "ach", AT, "x")], actor=stranger
        )
    assert Payment.objects.count() == 0
