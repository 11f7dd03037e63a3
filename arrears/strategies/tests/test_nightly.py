"""The nightly run outside any test transaction: each account commits on its own, as from the shell.

pytest-django wraps an ordinary test in a transaction, and inside one a `select_for_update` issued
outside an `atomic` block goes unnoticed. These tests commit for real (TransactionTestCase), so on
PostgreSQL a lock taken outside a transaction fails here as it does in `arrears nightly`.
"""

import contextlib
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from arrears.accounts.models import Account
from arrears.audit.models import AuditEvent
from arrears.core.errors import ArrearsError
from arrears.core.money import Money
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.payments import services as payments
from arrears.payments.choices import PromiseStatus
from arrears.payments.models import InterestAccrual, Promise
from arrears.payments.services import interest as interest_module
from arrears.strategies.models import NightlyRun
from arrears.strategies.services import LEASE, chunk_claim, chunk_work, nightly_run, nightly_start

D = Decimal
RUN_ON = date(2026, 1, 11)

pytestmark = pytest.mark.django_db(transaction=True)


def interest(account):
    account.refresh_from_db()
    return account.balance_interest


@pytest.fixture
def run_cli(capsys):
    """`arrears ledger check --json`, `arrears audit verify --json`: what an operator runs after a night."""

    def run(*args):
        capsys.readouterr()
        with contextlib.suppress(SystemExit):  # exit 1 comes with its report on stdout
            call_command(*args, "--json", stderr=StringIO())
        return json.loads(capsys.readouterr().out)

    return run


@pytest.fixture
def accruing(make_account):
    """3650.00 at 10% from 1 January: 10.00 of interest through 11 January."""

    def make():
        return make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))

    return make


def test_the_nightly_run_commits_account_by_account_and_posts_once_per_date(
    org, system, accruing, make_account
):
    # given an account earning interest, and another with a promise that falls due unpaid
    earning = accruing()
    promised = make_account(principal=D("500.00"))
    promise = payments.promise_create(
        account=promised,
        amount=Money.of("100.00", "USD"),
        due_on=date(2026, 1, 5),
        actor=system,
        today=date(2026, 1, 2),
    )

    # when
    first = nightly_run(organization=org, run_on=RUN_ON, actor=system)
    second = nightly_run(organization=org, run_on=RUN_ON, actor=system)

    # then
    assert (first.status, second.status) == ("completed", "completed")
    assert (first.counts["interest_postings"], first.counts["promises"]) == (1, 1)
    assert (second.counts["interest_postings"], second.counts["promises"]) == (0, 0)
    assert interest(earning) == D("10.00")
    assert InterestAccrual.objects.filter(account=earning).count() == 1
    assert Promise.objects.get(pk=promise.pk).status == PromiseStatus.BROKEN
    assert list(ledger_cache_mismatches(organization_id=org.pk)) == []


def test_a_failing_account_keeps_none_of_its_work_and_a_rerun_completes_it(
    org, system, accruing, monkeypatch
):
    # given two accounts, and reconciling the first (it has a promise to reconcile) fails after its
    # interest was posted
    failing, healthy = accruing(), accruing()
    payments.promise_create(
        account=failing, amount=Money(D("5.00"), "USD"), due_on=date(2026, 2, 1), actor=system,
        today=date(2026, 1, 2),
    )  # fmt: skip
    reconcile = payments.account_reconcile

    def reconcile_then_fail(*, account_id, today, actor):
        result = reconcile(account_id=account_id, today=today, actor=actor)
        if account_id == failing.pk:
            raise ArrearsError("TEST_RECONCILE_FAILED", "the bank feed is down")
        return result

    monkeypatch.setattr(payments, "account_reconcile", reconcile_then_fail)

    # when
    run = nightly_run(organization=org, run_on=RUN_ON, actor=system)

    # then the failing account's interest went with its failure; the other account's stayed
    assert run.status == "failed"
    assert run.errors == [
        {"account_id": failing.pk, "code": "TEST_RECONCILE_FAILED", "message": "the bank feed is down"}
    ]
    assert NightlyRun.objects.get(pk=run.pk).status == "failed"
    assert (interest(failing), interest(healthy)) == (D("0.00"), D("10.00"))
    assert not InterestAccrual.objects.filter(account=failing).exists()

    # when the cause is gone, the same date runs again
    monkeypatch.setattr(payments, "account_reconcile", reconcile)
    rerun = nightly_run(organization=org, run_on=RUN_ON, actor=system)

    # then it resumes: the failed account is done, nothing is posted twice
    assert (rerun.status, rerun.errors, rerun.counts["interest_postings"]) == ("completed", [], 1)
    assert (interest(failing), interest(healthy)) == (D("10.00"), D("10.00"))
    assert list(ledger_cache_mismatches(organization_id=org.pk)) == []


def test_an_unexpected_error_in_a_step_fails_the_run_with_the_error_and_the_rest_still_runs(
    org, system, accruing, monkeypatch
):
    # given
    earning = accruing()

    def deposit_fails(**kwargs):
        raise RuntimeError("lost the connection to the bank")

    monkeypatch.setattr(payments, "payments_deposit_due", deposit_fails)

    # when
    run = nightly_run(organization=org, run_on=RUN_ON, actor=system)

    # then
    stored = NightlyRun.objects.get(pk=run.pk)
    assert stored.status == "failed" and stored.finished_at is not None
    assert stored.errors == [
        {
            "step": "deposited",
            "code": "NIGHTLY_STEP_FAILED",
            "message": "RuntimeError: lost the connection to the bank",
        }
    ]
    assert interest(earning) == D("10.00"), "interest does not wait for the deposits"


def test_an_interrupted_run_is_marked_failed_not_left_running(org, system, accruing, monkeypatch):
    # given
    accruing()

    def interrupted(**kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(payments, "payment_notices_record", interrupted)

    # when
    with pytest.raises(KeyboardInterrupt):
        nightly_run(organization=org, run_on=RUN_ON, actor=system)

    # then
    run = NightlyRun.objects.get(organization=org, run_on=RUN_ON)
    assert run.status == "failed" and run.finished_at is not None
    assert run.errors == [{"step": "run", "code": "NIGHTLY_INTERRUPTED", "message": "KeyboardInterrupt"}]


def test_a_chunk_whose_batch_fails_runs_account_by_account_and_records_the_one_that_fails(
    org, system, accruing, run_cli
):
    # given three accounts in one chunk, one of which cannot accrue (a day-count basis nobody knows)
    good = [accruing(), accruing()]
    broken = accruing()
    Account.objects.filter(pk=broken.pk).update(interest_basis="lunar")

    # when
    run = nightly_run(organization=org, run_on=RUN_ON, actor=system, chunk_size=10)

    # then the batch kept nothing, and account by account the two others accrued
    assert run.status == "failed"
    assert [(e["account_id"], e["code"]) for e in run.errors] == [(broken.pk, "INTEREST_INVALID_BASIS")]
    assert [interest(a) for a in good] == [D("10.00"), D("10.00")]
    assert interest(broken) == D("0.00")
    assert not InterestAccrual.objects.filter(account=broken).exists()
    assert run_cli("ledger", "check")["ok"] and run_cli("audit", "verify")["ok"]


def test_a_worker_killed_in_the_middle_of_a_chunk_loses_nothing_and_its_chunk_posts_once(
    org, system, accruing, make_account, monkeypatch, run_cli
):
    # given accounts earning interest, one chunk, and a worker that dies once the chunk's ledger
    # entries are written but before its markers are (the process killed: no exception handler runs)
    earning = [accruing() for _ in range(4)]
    started = nightly_start(organization=org, run_on=RUN_ON, actor=system, enqueue=False)
    write_markers = interest_module.insert_rows

    def killed(*args, **kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(interest_module, "insert_rows", killed)
    dead = chunk_claim(run_id=started.pk, worker="a")
    with pytest.raises(SystemExit):
        chunk_work(chunk=dead, worker="a")
    monkeypatch.setattr(interest_module, "insert_rows", write_markers)

    # when another worker takes the chunk over once the lease has run out
    later = datetime.now(UTC) + LEASE + timedelta(seconds=1)
    taken = chunk_claim(run_id=started.pk, worker="b", now=later)
    chunk_work(chunk=taken, worker="b")

    # then nothing of the dead worker's stayed, and each account accrued once
    assert taken.pk == dead.pk and taken.claims == 2
    assert NightlyRun.objects.get(pk=started.pk).status == "completed"
    assert [interest(a) for a in earning] == [D("10.00")] * 4
    assert InterestAccrual.objects.filter(account__in=earning).count() == 4
    assert run_cli("ledger", "check")["ok"] and run_cli("audit", "verify")["ok"]


def test_after_a_run_in_chunks_and_its_rerun_the_ledger_checks_and_the_audit_chain_verifies(
    org, system, accruing, make_account, run_cli
):
    # given accounts earning interest and one with a promise, over several chunks
    earning = [accruing() for _ in range(5)]
    promised = make_account(principal=D("500.00"))
    payments.promise_create(
        account=promised, amount=Money.of("100.00", "USD"), due_on=date(2026, 1, 5), actor=system,
        today=date(2026, 1, 2),
    )  # fmt: skip
    events = AuditEvent.objects.filter(organization=org).count()

    # when
    first = nightly_run(organization=org, run_on=RUN_ON, actor=system, chunk_size=2)
    after_first = AuditEvent.objects.filter(organization=org).count()
    second = nightly_run(organization=org, run_on=RUN_ON, actor=system, chunk_size=2)

    # then one interest event per account, the promise broken once, and nothing the second time
    assert (first.counts["interest_postings"], first.counts["promises"]) == (5, 1)
    assert (second.counts["interest_postings"], second.counts["promises"]) == (0, 0)
    assert second.counts["ledger_entries"] == 0
    assert AuditEvent.objects.filter(organization=org, event="interest.accrued").count() == 5
    assert after_first > events and AuditEvent.objects.filter(organization=org).count() == after_first
    assert [interest(a) for a in earning] == [D("10.00")] * 5
    assert run_cli("ledger", "check")["ok"] and run_cli("audit", "verify")["ok"]
