"""Crash safety: an import killed between batches is finished by running it again, with exact counts."""

from pathlib import Path

import pytest

from arrears.accounts.models import Account, AccountDebtor
from arrears.debtors.models import ContactPoint, Debtor
from arrears.imports import services
from arrears.imports.models import ImportJob
from arrears.imports.services import import_job_create, import_job_run
from arrears.ledger import services as ledger_services
from arrears.ledger.models import LedgerEntry
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.tenancy.domain import system_principal


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing on the way up handles it."""


def placement(rows: int) -> str:
    lines = ["account_ref,first_name,last_name,phone,balance"]
    for n in range(1, rows + 1):
        person = n // 2  # every debtor owns two accounts, often across a batch boundary
        lines.append(f"R{n:03d},Pat,Lee{person},212-555-{person:04d},{n}.00")
    return "\n".join(lines) + "\n"


def counts():
    return {
        m.__name__: m.objects.count() for m in (Account, AccountDebtor, Debtor, ContactPoint, LedgerEntry)
    }


@pytest.fixture
def small_batches(settings):
    settings.IMPORT_BATCH_SIZE = 3


def start(org, client, path: Path) -> ImportJob:
    return import_job_create(
        organization=org, client=client, path=path, actor=system_principal(org.pk, "test")
    )


def test_a_killed_import_resumes_where_it_stopped_with_exact_counts(org, client_, tmp_path, small_batches):
    # given an 11-row file written in batches of 3, and a process killed after the second batch
    path = tmp_path / "placement.csv"
    path.write_text(placement(11))
    batches = []

    def kill_after_two(job):
        batches.append(job.rows_done)
        if len(batches) == 2:
            raise Killed

    services.after_batch_hooks.append(kill_after_two)
    try:
        with pytest.raises(Killed):
            import_job_run(job=start(org, client_, path))
    finally:
        services.after_batch_hooks.remove(kill_after_two)
    stopped = ImportJob.objects.get()
    assert (stopped.status, stopped.rows_done, Account.objects.count()) == ("writing", 7, 6)

    # when the same import is run again
    job = import_job_run(job=start(org, client_, path))

    # then it is the same job, finished, with the counts of an uninterrupted run and no duplicates
    assert job.pk == stopped.pk
    assert job.status == "completed"
    assert (job.rows, job.accounts_created, job.debtors_created, job.debtors_matched) == (11, 11, 6, 5)
    assert job.contact_points_created == 6
    assert counts() == {"Account": 11, "AccountDebtor": 11, "Debtor": 6, "ContactPoint": 6, "LedgerEntry": 11}
    assert list(ledger_cache_mismatches()) == []


def test_a_failure_inside_a_batch_leaves_no_half_written_rows(
    org, client_, tmp_path, small_batches, monkeypatch
):
    # given a failure in the middle of writing the third batch (after its accounts, before its ledger)
    path = tmp_path / "placement.csv"
    path.write_text(placement(8))
    real_insert = ledger_services.insert_rows
    calls = {"ledger": 0}

    def failing_insert(model, rows, **kwargs):
        if model is LedgerEntry:
            calls["ledger"] += 1
            if calls["ledger"] == 3:
                raise Killed
        return real_insert(model, rows, **kwargs)

    monkeypatch.setattr(ledger_services, "insert_rows", failing_insert)
    with pytest.raises(Killed):
        import_job_run(job=start(org, client_, path))

    # then the third batch is entirely absent: two batches of accounts, each with its ledger entries
    assert counts()["Account"] == 6
    assert counts()["LedgerEntry"] == 6
    assert list(ledger_cache_mismatches()) == []

    # and a re-run completes it
    monkeypatch.setattr(ledger_services, "insert_rows", real_insert)
    job = import_job_run(job=start(org, client_, path))
    assert (job.status, job.accounts_created) == ("completed", 8)
    assert counts()["Account"] == 8


def test_a_second_worker_on_the_same_job_stops_instead_of_writing(org, client_, tmp_path, small_batches):
    # given a job whose cursor another worker moves after our first batch
    path = tmp_path / "placement.csv"
    path.write_text(placement(8))

    def other_worker_advances(job):
        ImportJob.objects.filter(pk=job.pk).update(rows_done=job.rows_done + 3)

    services.after_batch_hooks.append(other_worker_advances)
    try:
        # when this worker goes on
        import_job_run(job=start(org, client_, path))
    finally:
        services.after_batch_hooks.remove(other_worker_advances)

    # then it stopped after its own batch: nothing was written twice, and no error escaped
    assert Account.objects.count() == 3
    assert list(ledger_cache_mismatches()) == []
