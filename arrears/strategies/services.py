"""Work that spans the apps: the nightly run, in chunks that any worker claims.

The run orchestrates; the rules stay with the apps that own them. Interest, deposits of post-dated
payments, their notices, and promises, plans and settlements are payments' services; locating
phones is debtors'. Each step commits on its own, and each chunk's money in one set-based
transaction (account by account should it fail), so a failure stops nothing else and a re-run for
the date resumes without duplicates.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q

from arrears.accounts import selectors as account_selectors
from arrears.accounts.choices import AccountStatus
from arrears.core.bulk import analyze_stale
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict
from arrears.debtors.services import contact_points_locate
from arrears.payments import selectors as payment_selectors
from arrears.payments import services as payments
from arrears.payments.choices import ACCRUING
from arrears.reports.services import snapshots_take
from arrears.tenancy.domain import Principal, system_principal

from . import engine, notices
from .errors import NightlyError
from .models import NightlyChunk, NightlyRun

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.models import Organization

logger = logging.getLogger(__name__)


def _chunks(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    chunk: list[int] = []
    for pk in ids:
        chunk.append(pk)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _failure(exc: Exception, code: str) -> dict[str, object]:
    """An error entry of the run: an `ArrearsError` says what it is; anything else is logged with its
    traceback and recorded by its type and message."""
    if isinstance(exc, ArrearsError):
        return exc.as_dict()
    logger.exception("nightly: %s", code)
    return {"code": str(code), "message": f"{type(exc).__name__}: {exc}"}


def nightly_chunk_run(
    *,
    organization_id: int,
    account_ids: Sequence[int],
    run_on: date,
    actor: Principal,
    arrangement_ids: set[int] | None = None,
) -> tuple[dict[str, int], list[dict[str, object]]]:
    """Accrue interest and reconcile a chunk of accounts. Returns counts and errors.

    The chunk goes in one transaction, set-based: interest for every earning account at once
    (`interest_accrue_many`: a few statements and one lock of the audit chain head), then the promises,
    plans and settlements of the accounts that have any. Should anything in it fail, none of it stays
    and the chunk runs again account by account, one transaction each, so that one account's failure
    is recorded and stops no other. Either way a re-run of the date resumes without duplicates."""
    caps = payment_selectors.interest_caps(organization_id=organization_id)
    try:
        with transaction.atomic():
            return _chunk_money_batch(organization_id, account_ids, run_on, actor, caps, arrangement_ids), []
    except Exception as exc:  # the batch keeps nothing; account by account finds which account fails
        logger.warning("nightly: a chunk failed as a batch (%r); account by account", exc)
    accounts = payment_selectors.accounts_for_accrual(
        organization_id=organization_id, account_ids=account_ids
    )
    return _chunk_money_each(accounts, run_on, actor, caps, arrangement_ids)


def _counts() -> dict[str, int]:
    return {"interest_postings": 0, "promises": 0, "plans": 0, "settlements": 0, "errors": 0}


def _earning(account: Account) -> bool:
    return account.interest_rate > 0 and account.status in ACCRUING


def _chunk_money_batch(
    organization_id: int,
    account_ids: Sequence[int],
    run_on: date,
    actor: Principal,
    caps: dict[str, Decimal],
    arrangement_ids: set[int] | None,
) -> dict[str, int]:
    counts = _counts()
    earning = payment_selectors.accruing_account_ids(organization_id=organization_id, among_ids=account_ids)
    posted = payments.interest_accrue_many(
        account_ids=sorted(earning), through=run_on, actor=actor, state_caps=caps
    )
    counts["interest_postings"] = sum(1 for amount in posted.values() if amount > 0)
    # Only accounts with an open promise, plan or settlement have anything to reconcile.
    for pk in sorted(account_ids):
        if arrangement_ids is None or pk in arrangement_ids:
            for key, n in payments.account_reconcile(account_id=pk, today=run_on, actor=actor).items():
                counts[key] += n
    return counts


def _chunk_money_each(
    accounts: Sequence[Account],
    run_on: date,
    actor: Principal,
    caps: dict[str, Decimal],
    arrangement_ids: set[int] | None,
) -> tuple[dict[str, int], list[dict[str, object]]]:
    """The chunk account by account, one transaction each: the fallback when the batch fails."""
    counts = _counts()
    errors: list[dict[str, object]] = []
    facts = payments.account_money_facts(accounts=accounts, on=run_on, actor=actor)
    for account in accounts:
        pk = account.pk
        try:
            # The account's interest and its promises, plans and settlements commit together or not at
            # all: a failure half-way leaves nothing for the re-run to trip over.
            with transaction.atomic():
                posted = 0
                if _earning(account):
                    marker = payments.interest_accrue(
                        account=pk,
                        through=run_on,
                        actor=actor,
                        facts=facts[pk],
                        state_cap=caps.get(account.jurisdiction_state),
                    )
                    posted = 1 if marker is not None and marker.amount > 0 else 0
                reconciled = (
                    payments.account_reconcile(account_id=pk, today=run_on, actor=actor)
                    if arrangement_ids is None or pk in arrangement_ids
                    else {}
                )
        except Exception as exc:  # one account's failure is recorded and stops no other account
            counts["errors"] += 1
            errors.append({"account_id": pk, **_failure(exc, NightlyError.ACCOUNT_FAILED)})
            continue
        counts["interest_postings"] += posted
        for key, n in reconciled.items():
            counts[key] += n
    return counts, errors


LEASE = timedelta(minutes=5)
MONEY_LEDGER_KEYS = ("interest_postings", "deposited")
MESSAGE_KEYS = ("messages_queued", "notices_queued", "validation_notices_queued")


def nightly_start(
    *,
    organization: Organization,
    run_on: date,
    actor: Principal,
    chunk_size: int = 1000,
    enqueue: bool = True,
) -> NightlyRun:
    """Start the nightly run of `run_on`: the organization-wide steps, then the accounts split into
    chunks, one task each, which any worker claims (SKIP LOCKED). Idempotent per date: a second run does
    what is left and creates no message, ledger entry or event for work already done."""
    with transaction.atomic():
        run, _ = NightlyRun.objects.select_for_update().get_or_create(
            organization=organization, run_on=run_on
        )
        if run.status == "running" and run.chunks.filter(status="running", lease_until__gt=utcnow()).exists():
            raise Conflict(NightlyError.ALREADY_RUNNING, f"the nightly run of {run_on} is running")
        run.chunks.all().delete()
        run.status, run.counts, run.errors, run.finished_at = "running", {}, [], None
        run.save(update_fields=["status", "counts", "errors", "finished_at", "updated_at"])
    totals: dict[str, int] = {}
    errors: list[dict[str, object]] = []
    started = time.perf_counter()
    try:
        # Fresh statistics before a night of look-ups by index (autovacuum may be off or behind after a
        # day's imports and payments): the chunks' plans depend on them.
        totals["tables_analyzed"] = len(analyze_stale())
        _nightly_steps(organization, run_on, actor, totals, errors)
        totals["ms_steps"] = int((time.perf_counter() - started) * 1000)
        arrangements = payment_selectors.open_arrangement_account_ids(organization_id=organization.pk)
        money = set(_nightly_accounts(organization.pk))
        ids = account_selectors.account_ids_in_statuses(
            organization_id=organization.pk, statuses=[s for s in AccountStatus.values]
        )
        chunks = [
            NightlyChunk(
                run=run,
                index=i,
                account_ids=chunk,
                counts={
                    "money_ids": [pk for pk in chunk if pk in money],
                    "arrangement_ids": [pk for pk in chunk if pk in arrangements],
                },
            )
            for i, chunk in enumerate(_chunks(ids, chunk_size))
        ]
        NightlyChunk.objects.bulk_create(chunks)
        totals["accounts"] = len(ids)
        totals["ms_chunking"] = int((time.perf_counter() - started) * 1000) - totals["ms_steps"]
    except BaseException as exc:  # an interrupt, or a failure outside any one account: the run says so
        if isinstance(exc, Exception):
            errors.append({"step": "run", **_failure(exc, NightlyError.STEP_FAILED)})
        else:
            errors.append(
                {"step": "run", "code": str(NightlyError.INTERRUPTED), "message": type(exc).__name__}
            )
        _nightly_finish(run, totals, errors)
        raise
    run.counts, run.errors = totals, errors
    run.save(update_fields=["counts", "errors", "updated_at"])
    if enqueue:
        from .tasks import nightly_chunk_run_task

        for chunk in NightlyChunk.objects.filter(run=run).values_list("pk", flat=True):
            nightly_chunk_run_task.enqueue(chunk_id=chunk)
    nightly_finish_if_done(run_id=run.pk)
    return run


def chunk_claim(
    *,
    run_id: int | None = None,
    chunk_id: int | None = None,
    worker: str,
    now: datetime | None = None,
    stale_only: bool = False,
) -> NightlyChunk | None:
    """Claim a chunk that is pending, or whose worker's lease ran out (it was killed): `SELECT … FOR
    UPDATE SKIP LOCKED`, so two workers never take the same chunk."""
    now = now or utcnow()
    with transaction.atomic():
        free = Q(status="running", lease_until__lt=now)
        if not stale_only:
            free |= Q(status="pending")
        chunks = NightlyChunk.objects.select_for_update(skip_locked=True).filter(free)
        chunks = chunks.filter(pk=chunk_id) if chunk_id is not None else chunks.filter(run_id=run_id)
        chunk = chunks.order_by("index").first()
        if chunk is None:
            return None
        chunk.status, chunk.claimed_by, chunk.lease_until = "running", worker, now + LEASE
        chunk.claims += 1
        chunk.save(update_fields=["status", "claimed_by", "lease_until", "claims"])
    return chunk


def chunk_work(*, chunk: NightlyChunk, worker: str) -> dict[str, int]:
    """The accounts of a claimed chunk: interest, promises, plans and settlements (one transaction for
    the chunk, or one per account should it fail), then their strategies' steps (one transaction per
    batch of a step). Then the chunk is done, and the run too when it was the last."""
    run = NightlyRun.objects.select_related("organization").get(pk=chunk.run_id)
    organization, run_on = run.organization, run.run_on
    actor = system_principal(organization.pk, "nightly")
    started = time.perf_counter()
    counts, errors = nightly_chunk_run(
        organization_id=organization.pk,
        account_ids=chunk.counts.get("money_ids", []),
        run_on=run_on,
        actor=actor,
        arrangement_ids=set(chunk.counts.get("arrangement_ids", [])),
    )
    money_done = time.perf_counter()
    advanced = engine.strategies_advance(
        organization_id=organization.pk,
        account_ids=chunk.account_ids,
        run_on=run_on,
        now=utcnow(),
        actor=actor,
    )
    # Per-stage time, summed over chunks (worker-seconds, not wall time): benchmarks and the page read it.
    counts["ms_money"] = int((money_done - started) * 1000)
    counts["ms_strategies"] = int((time.perf_counter() - money_done) * 1000)
    for key, n in advanced.as_dict().items():
        counts[key] = counts.get(key, 0) + n
    errors.extend({**e, "code": e.get("code") or str(NightlyError.STRATEGY_FAILED)} for e in advanced.errors)
    counts["errors"] = counts.get("errors", 0) + len(advanced.errors)
    counts["accounts_done"] = len(chunk.account_ids)
    NightlyChunk.objects.filter(pk=chunk.pk, claimed_by=worker, status="running").update(
        status="done", counts={**counts, "money_ids": chunk.counts.get("money_ids", [])}, errors=errors,
        finished_at=utcnow(),
    )  # fmt: skip
    nightly_finish_if_done(run_id=run.pk)
    return counts


def chunks_work(*, run_id: int, worker: str, chunk_id: int | None = None, stale_only: bool = False) -> int:
    """Work chunks of a run until none is left to claim (a task starts with its own chunk, then helps
    with the others). Returns the number of chunks this worker did."""
    done = 0
    if chunk_id is not None and (chunk := chunk_claim(chunk_id=chunk_id, worker=worker)) is not None:
        chunk_work(chunk=chunk, worker=worker)
        done += 1
    while (chunk := chunk_claim(run_id=run_id, worker=worker, stale_only=stale_only)) is not None:
        chunk_work(chunk=chunk, worker=worker)
        done += 1
    return done


def nightly_finish_if_done(*, run_id: int) -> bool:
    """Close the run when every chunk is done: its counts are the steps' and the chunks' sums."""
    if NightlyChunk.objects.filter(run_id=run_id).exclude(status="done").exists():
        return False
    with transaction.atomic():
        run = NightlyRun.objects.select_for_update().get(pk=run_id)
        if run.status != "running":
            return True
        totals = {k: v for k, v in run.counts.items() if isinstance(v, int)}
        errors = list(run.errors)
        for counts, chunk_errors in NightlyChunk.objects.filter(run_id=run_id).values_list(
            "counts", "errors"
        ):
            for key, n in counts.items():
                if isinstance(n, int):
                    totals[key] = totals.get(key, 0) + n
            errors.extend(chunk_errors)
        # What is stored must be sent: the notices and reminders due, through the gate, once the accounts'
        # promises and plans are up to date (a promise broken tonight gets its follow-up tonight). Under
        # the run's lock, so two workers finishing at once do not both send.
        finishing = time.perf_counter()
        try:
            sent = notices.notices_send(
                organization_id=run.organization_id,
                on=run.run_on,
                now=utcnow(),
                actor=system_principal(run.organization_id, "nightly"),
            )
            totals["notices_queued"] = sum(sent.values())
        except Exception as exc:  # recorded; the run's other work stands
            errors.append({"step": "notices_queued", **_failure(exc, NightlyError.STEP_FAILED)})
        # The validation notice (12 CFR 1006.34) for accounts that have none: by email with E-SIGN
        # consent (1006.42), otherwise by letter; sent by the outbox and the letter batch.
        try:
            validation = notices.validation_notices_send(
                organization_id=run.organization_id,
                now=utcnow(),
                actor=system_principal(run.organization_id, "nightly"),
            )
            totals["validation_notices_queued"] = validation.get("email", 0) + validation.get("letter", 0)
            totals["validation_notices_emailed"] = validation.get("email", 0)
        except Exception as exc:  # recorded; the run's other work stands
            errors.append({"step": "validation_notices", **_failure(exc, NightlyError.STEP_FAILED)})
        # reports (issue 22): the day's account snapshot, once every chunk has moved the day's money and
        # arrangements. A past date run again leaves its snapshot alone.
        snapshotting = time.perf_counter()
        totals["ms_notices"] = int((snapshotting - finishing) * 1000)
        try:
            totals["snapshot_changed"] = snapshots_take(
                organization_id=run.organization_id, as_of=run.run_on, skip_if_past=True
            ).changed
        except Exception as exc:  # recorded; the run's other work stands
            errors.append({"step": "snapshot", **_failure(exc, NightlyError.STEP_FAILED)})
        totals["ms_snapshot"] = int((time.perf_counter() - snapshotting) * 1000)
        totals["ledger_entries"] = sum(totals.get(k, 0) for k in MONEY_LEDGER_KEYS)
        totals["messages_total"] = sum(totals.get(k, 0) for k in MESSAGE_KEYS)
        _nightly_finish(run, totals, errors)
    return True


def nightly_progress(*, run_id: int) -> dict[str, int]:
    rows = NightlyChunk.objects.filter(run_id=run_id).values_list("status", flat=True)
    statuses = list(rows)
    return {
        "chunks": len(statuses),
        "done": statuses.count("done"),
        "running": statuses.count("running"),
        "pending": statuses.count("pending"),
    }


def nightly_run(
    *, organization: Organization, run_on: date, actor: Principal, chunk_size: int = 1000, worker: str = "cli"
) -> NightlyRun:
    """`arrears nightly` in one process: start the run, then work its chunks here (workers that are
    running help), and wait for chunks other workers hold. Idempotent per date."""
    run = nightly_start(organization=organization, run_on=run_on, actor=actor, chunk_size=chunk_size)
    chunks_work(run_id=run.pk, worker=worker)
    nightly_wait(run_id=run.pk, worker=worker)
    run.refresh_from_db()
    return run


def nightly_wait(
    *,
    run_id: int,
    worker: str,
    poll: float = 0.5,
    on_progress: Callable[[dict[str, int]], None] | None = None,
    help_pending: bool = True,
) -> None:
    """Wait until every chunk is done, taking over any whose worker stopped (its lease ran out), and
    working pending ones too unless `help_pending` is off (the chunks are left to the workers)."""
    while True:
        progress = nightly_progress(run_id=run_id)
        if on_progress is not None:
            on_progress(progress)
        if progress["done"] == progress["chunks"]:
            nightly_finish_if_done(run_id=run_id)
            return
        if chunks_work(run_id=run_id, worker=worker, stale_only=not help_pending) == 0:
            time.sleep(poll)


def _nightly_steps(
    organization: Organization,
    run_on: date,
    actor: Principal,
    totals: dict[str, int],
    errors: list[dict[str, object]],
) -> None:
    """The organization-wide steps before the accounts, each its own transaction; a step that fails
    is recorded and the others still run."""
    steps: dict[str, Callable[[], int]] = {
        # Phones an import wrote without their time zones, before anything decides on a contact.
        "phones_located": lambda: contact_points_locate(organization_id=organization.pk),
        "deposited": lambda: payments.payments_deposit_due(
            organization_id=organization.pk, through=run_on, actor=actor
        ),
        "notices": lambda: payments.payment_notices_record(
            organization_id=organization.pk, on=run_on, actor=actor
        ),
    }
    for name, step in steps.items():
        try:
            totals[name] = step()
        except Exception as exc:  # recorded; the accounts' work does not depend on this step
            errors.append({"step": name, **_failure(exc, NightlyError.STEP_FAILED)})
            totals["errors"] = totals.get("errors", 0) + 1


def _nightly_finish(run: NightlyRun, totals: dict[str, int], errors: list[dict[str, object]]) -> None:
    run.status = "failed" if errors else "completed"
    run.counts, run.errors, run.finished_at = totals, errors, utcnow()
    run.save(update_fields=["status", "counts", "errors", "finished_at", "updated_at"])


def _nightly_accounts(organization_id: int) -> list[int]:
    """Accounts with interest to accrue or with open promises, plans or settlements."""
    ids = payment_selectors.accruing_account_ids(organization_id=organization_id)
    ids |= payment_selectors.open_arrangement_account_ids(organization_id=organization_id)
    return sorted(ids)


def strategies_preview_all(
    *, organization_id: int, run_on: date, chunk_size: int = 5000
) -> dict[str, object]:
    """`arrears strategies preview`: what the strategies would do on `run_on`, over every account, in
    chunks, writing nothing."""
    ids = account_selectors.account_ids_in_statuses(
        organization_id=organization_id, statuses=AccountStatus.values
    )
    total = 0
    steps: dict[str, int] = {}
    segments: dict[str, int] = {}
    samples: dict[str, list[str]] = {}
    for chunk in _chunks(ids, chunk_size):
        part = engine.strategies_preview(organization_id=organization_id, account_ids=chunk, run_on=run_on)
        total += int(part["accounts"])
        for s in part["steps"]:
            steps[s["step"]] = steps.get(s["step"], 0) + s["accounts"]
            samples.setdefault(s["step"], []).extend(s["sample"])
        for s in part["segments"]:
            segments[s["segment"]] = segments.get(s["segment"], 0) + s["accounts"]
    return {
        "date": run_on.isoformat(),
        "accounts": total,
        "steps": [{"step": k, "accounts": v, "sample": samples[k][:5]} for k, v in sorted(steps.items())],
        "segments": [{"segment": k, "accounts": v} for k, v in sorted(segments.items())],
    }
