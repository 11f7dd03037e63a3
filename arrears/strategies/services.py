"""Work that spans the apps: the nightly run.

The run orchestrates; the rules stay with the apps that own them. Interest, deposits of post-dated
payments, their notices, and promises, plans and settlements are payments' services; locating
phones is debtors'. Each step and each account commits on its own, so a failure stops nothing
else and a re-run for the date resumes without duplicates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction

from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.debtors.services import contact_points_locate
from arrears.payments import selectors as payment_selectors
from arrears.payments import services as payments
from arrears.payments.choices import ACCRUING
from arrears.reports.services import snapshots_take
from arrears.tenancy.domain import Principal

from .errors import NightlyError
from .models import NightlyRun

if TYPE_CHECKING:
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
    *, organization_id: int, account_ids: Sequence[int], run_on: date, actor: Principal
) -> tuple[dict[str, int], list[dict[str, object]]]:
    """Accrue interest and reconcile a chunk of accounts, one transaction per account so that a
    failure stops nothing else and a re-run resumes without duplicates. Returns counts and errors."""
    counts = {"interest_postings": 0, "promises": 0, "plans": 0, "settlements": 0, "errors": 0}
    errors: list[dict[str, object]] = []
    caps = payment_selectors.interest_caps(organization_id=organization_id)
    accounts = payment_selectors.accounts_for_accrual(
        organization_id=organization_id, account_ids=account_ids
    )
    facts = payments.account_money_facts(accounts=accounts, on=run_on, actor=actor)
    for account in accounts:
        pk = account.pk
        try:
            # The account's interest and its promises, plans and settlements commit together or not at
            # all: a failure half-way leaves nothing for the re-run to trip over.
            with transaction.atomic():
                posted = 0
                if account.interest_rate > 0 and account.status in ACCRUING:
                    marker = payments.interest_accrue(
                        account=pk,
                        through=run_on,
                        actor=actor,
                        facts=facts[pk],
                        state_cap=caps.get(account.jurisdiction_state),
                    )
                    posted = 1 if marker is not None and marker.amount > 0 else 0
                reconciled = payments.account_reconcile(account_id=pk, today=run_on, actor=actor)
        except Exception as exc:  # one account's failure is recorded and stops no other account
            counts["errors"] += 1
            errors.append({"account_id": pk, **_failure(exc, NightlyError.ACCOUNT_FAILED)})
            continue
        counts["interest_postings"] += posted
        for key, n in reconciled.items():
            counts[key] += n
    return counts, errors


def nightly_run(
    *, organization: Organization, run_on: date, actor: Principal, chunk_size: int = 500
) -> NightlyRun:
    """`arrears nightly`: deposit post-dated payments that are due, record deposit notices, accrue
    interest through `run_on`, and update promises, plans and settlements. Idempotent per date.

    Each step and each account commits on its own. A failure is recorded on the run, which ends
    `failed` (never left `running`), and a re-run for the date does what is left, without duplicates.
    """
    run, _ = NightlyRun.objects.get_or_create(organization=organization, run_on=run_on)
    run.status, run.counts, run.errors, run.finished_at = "running", {}, [], None
    run.save(update_fields=["status", "counts", "errors", "finished_at", "updated_at"])
    totals: dict[str, int] = {}
    errors: list[dict[str, object]] = []
    try:
        _nightly_steps(organization, run_on, actor, totals, errors)
        ids = _nightly_accounts(organization.pk)
        for chunk in _chunks(ids, chunk_size):
            counts, chunk_errors = nightly_chunk_run(
                organization_id=organization.pk, account_ids=chunk, run_on=run_on, actor=actor
            )
            for key, n in counts.items():
                totals[key] = totals.get(key, 0) + n
            errors.extend(chunk_errors)
        totals["accounts"] = len(ids)
        # reports (issue 22): the day's account snapshot, once the day's money and arrangements have moved.
        totals["snapshot_changed"] = snapshots_take(
            organization_id=organization.pk, as_of=run_on, skip_if_past=True
        ).changed
    except BaseException as exc:  # an interrupt, or a failure outside any one account: the run says so
        if isinstance(exc, Exception):
            errors.append({"step": "run", **_failure(exc, NightlyError.STEP_FAILED)})
        else:
            errors.append(
                {"step": "run", "code": str(NightlyError.INTERRUPTED), "message": type(exc).__name__}
            )
        _nightly_finish(run, totals, errors)
        raise
    _nightly_finish(run, totals, errors)
    return run


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
