"""Bank reconciliation: read a statement, match its credits to what we expect, post the clear ones.

Every line is stored once per organization and bank (`BankLine.key`), so importing a file again, or
a file that overlaps an earlier one, posts nothing new. A clear match (see `reconcile_domain`) is posted
through `payments_post` with the idempotency key `bank:<line key>`; anything else waits in the review
queue, where a person posts it to an account (`bank_line_resolve`) or dismisses it (`bank_line_dismiss`).
Lines are processed in chunks, one transaction each: a crash leaves whole chunks, and the next run
counts them as duplicates and carries on.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, time
from decimal import Decimal
from itertools import islice
from multiprocessing.reduction import ForkingPickler
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction

from arrears.accounts.selectors import account_reference_rows
from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core.bulk import in_array, insert_rows
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.core.money import Money
from arrears.payments.bankfiles import (
    BankFileError,
    BankStatement,
    BankTransaction,
    Direction,
    TransactionStatus,
    camt,
    parse_statement,
)
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from . import bank_csv
from .choices import BankLineState, InstallmentStatus, MatchKind, PaymentMethod, PlanStatus, PromiseStatus
from .errors import ReconcileError
from .models import BankLine, BankStatementImport, Installment, Payment, Promise
from .reconcile_domain import Decision, Expected, ExpectedIndex, Line, decide, line_tokens
from .services import PaymentRequest, payment_post, payments_post

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.models import Organization

CHUNK = 2_000
# From this size a camt file is parsed in a child process while this one matches and posts.
PARSE_IN_CHILD_FROM = 4 * 2**20
OPEN_PLANS = (PlanStatus.ACTIVE, PlanStatus.DELINQUENT)


@dataclass
class ImportSummary:
    """The `--json` contract of `arrears reconcile import`."""

    transactions: int = 0
    matched: int = 0
    posted: int = 0
    review: int = 0
    duplicates: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def line_key(statement: BankStatement, tx: BankTransaction) -> str:
    """The bank file layer's key (account + transaction id), scoped by the reporting bank as well."""
    return hashlib.sha256(f"{statement.bank_id or ''}\x1f{tx.idempotency_key}".encode()).hexdigest()


# A line as the import needs it: its statement, the transaction, its key, and for a booked credit its
# matching facts (`_prepare`, done by the parse child when there is one).
_Read = tuple[BankStatement, BankTransaction, str, Line | None]


def _prepare(statement: BankStatement, tx: BankTransaction) -> _Read:
    credit = tx.direction is Direction.CREDIT and tx.status is TransactionStatus.BOOKED and not tx.reversal
    return statement, tx, line_key(statement, tx), _line(tx) if credit else None


def _pairs(
    data: bytes, format: str, mapping: Mapping[str, Any] | None, *, chunk: int, parse_in_child: bool | None
) -> Iterator[_Read]:  # noqa: A002
    if mapping is not None or format == "csv":
        if mapping is None:
            raise ArrearsError(ReconcileError.MAPPING_INVALID, "a bank CSV needs --mapping FILE.toml")
        statements: Iterable[BankStatement] = bank_csv.parse(data, mapping)
    elif format in ("camt053", "camt054", "camt052"):
        if parse_in_child is None:
            parse_in_child = len(data) >= PARSE_IN_CHILD_FROM and "fork" in mp.get_all_start_methods()
        # Stream; a large statement is parsed in a child process, overlapping the database work here.
        if parse_in_child:
            yield from _camt_in_child(data, chunk)
        else:
            yield from (_prepare(s, tx) for s, tx in camt.iter_transactions(data))
        return
    else:
        bank_file = parse_statement(data, format)
        if bank_file.format == "nacha":
            raise ArrearsError(ReconcileError.UNREADABLE, "an ACH file: use `arrears ach returns`")
        statements = bank_file.statements
    for s in statements:
        for tx in s.transactions:
            yield _prepare(s, tx)


def _positional(obj: Any) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a slotted dataclass as its class and field values: the default path looks its fields
    up again for every object, and the parent unpickles 100,000 transactions of a large file."""
    return type(obj), tuple(getattr(obj, f.name) for f in fields(obj))


def _camt_produce(data: bytes, chunk: int, queue: Any) -> None:
    """In the child: stream the file, key each transaction and read its matching facts (work taken
    off the parent, which posts), and hand over chunks."""
    for cls in (BankTransaction, Line):
        ForkingPickler.register(cls, _positional)
    try:
        batch: list[_Read] = []
        for s, tx in camt.iter_transactions(data):
            batch.append(_prepare(s, tx))
            if len(batch) >= chunk:
                queue.put(batch)
                batch = []
        queue.put(batch)
        queue.put(None)
    except Exception as exc:  # noqa: BLE001 - any failure is reported to the parent, which raises it
        queue.put(f"{type(exc).__name__}: {exc}")


def _camt_in_child(data: bytes, chunk: int) -> Iterator[_Read]:
    context = mp.get_context("fork")
    queue = context.Queue(maxsize=4)  # bounded: the parser runs at most 4 chunks ahead
    child = context.Process(target=_camt_produce, args=(data, chunk, queue), daemon=True)
    child.start()
    try:
        while (item := queue.get()) is not None:
            if isinstance(item, str):
                raise ArrearsError(ReconcileError.UNREADABLE, item)
            yield from item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def expected_index(*, organization_id: int) -> ExpectedIndex:
    """Open installments and pending promises not yet matched, and every account by its references."""
    taken = {
        (kind, pk)
        for kind, pk in BankLine.objects.filter(
            organization_id=organization_id,
            state__in=(BankLineState.POSTED, BankLineState.RESOLVED),
            match_id__isnull=False,
        ).values_list("match_kind", "match_id")
    }
    expected: list[Expected] = []
    refs: dict[int, tuple[str, ...]] = {}
    for pk, reference, invoice, currency in account_reference_rows(organization_id=organization_id):
        refs[pk] = (reference, invoice) if invoice else (reference,)
        expected.append(Expected(MatchKind.ACCOUNT, pk, pk, currency, refs[pk]))
    installments = Installment.objects.filter(
        organization_id=organization_id,
        status__in=(InstallmentStatus.DUE, InstallmentStatus.MISSED),
        plan__status__in=OPEN_PLANS,
        ach_entry__isnull=True,
    ).values_list("id", "plan__account_id", "plan__currency", "amount", "due_on")
    for pk, account_id, currency, amount, due_on in installments.iterator(chunk_size=5_000):
        if (MatchKind.INSTALLMENT, pk) not in taken:
            expected.append(
                Expected(MatchKind.INSTALLMENT, pk, account_id, currency, refs[account_id], amount, due_on)
            )
    promises = Promise.objects.filter(
        organization_id=organization_id, status=PromiseStatus.PENDING
    ).values_list("id", "account_id", "currency", "amount", "due_on")
    for pk, account_id, currency, amount, due_on in promises:
        if (MatchKind.PROMISE, pk) not in taken:
            expected.append(
                Expected(MatchKind.PROMISE, pk, account_id, currency, refs[account_id], amount, due_on)
            )
    return ExpectedIndex.build(expected)


def _line(tx: BankTransaction) -> Line:
    whole = (*tx.remittance_structured, tx.end_to_end_id, tx.customer_reference)
    # References are also split: an end-to-end id `MUELL/FINP/RA12345` names RA12345.
    texts = (*tx.remittance_unstructured, tx.counterparty_name, *whole)
    return Line(tx.amount, tx.currency, tx.booking_date or tx.value_date, line_tokens(texts, whole))


def _received_at(on: date | None, tz: zoneinfo.ZoneInfo) -> datetime:
    """Noon on the booking day in the organization's zone: the payment's business date is that day."""
    return datetime.combine(on, time(12), tzinfo=tz) if on else utcnow()


@dataclass
class _Pending:
    statement: BankStatement
    tx: BankTransaction
    key: str
    state: str
    decision: Decision | None = None
    payment_id: int | None = None
    refusal: str = ""


def bank_file_import(
    *,
    organization: Organization,
    data: bytes,
    file_name: str,
    actor: Principal,
    format: str = "auto",  # noqa: A002 - the CLI's --format
    mapping: Mapping[str, Any] | None = None,
    chunk: int = CHUNK,
    parse_in_child: bool | None = None,
) -> ImportSummary:
    """Import a bank statement: store each line once, post clear matches, queue the rest for review."""
    summary = ImportSummary()
    record = BankStatementImport.objects.create(
        organization=organization,
        file_name=file_name[:300],
        file_sha256=hashlib.sha256(data).hexdigest(),
        format=format,
        actor_label=actor.label,
    )
    index = expected_index(organization_id=organization.pk)
    tz = zoneinfo.ZoneInfo(organization.timezone)
    pairs = _pairs(data, format, mapping, chunk=chunk, parse_in_child=parse_in_child)
    warnings: list[str] = []
    formats: set[str] = set()
    try:
        while batch := list(islice(pairs, chunk)):
            for s, *_ in batch:
                formats.add(s.format)
                warnings.extend(w for w in s.warnings if w not in warnings)
            _import_chunk(batch, record=record, index=index, tz=tz, actor=actor, summary=summary)
    except (BankFileError, ArrearsError) as exc:
        # What was imported before the fault stays (whole chunks); the import row says where it stopped.
        error = exc if isinstance(exc, ArrearsError) else ArrearsError(ReconcileError.UNREADABLE, str(exc))
        record.counts, record.warnings = summary.as_dict(), [*warnings, f"{error.code}: {error.message}"]
        record.save(update_fields=["counts", "warnings", "updated_at"])
        raise error from exc
    record.format = ",".join(sorted(formats)) or format
    record.counts, record.warnings = summary.as_dict(), warnings
    record.save(update_fields=["format", "counts", "warnings", "updated_at"])
    audit_record(
        actor=actor,
        event=Event.BANK_FILE_IMPORTED,
        subject_type="bank_statement_import",
        subject_id=record.pk,
        data={"file": record.file_name, "sha256": record.file_sha256, **summary.as_dict()},
    )
    return summary


@transaction.atomic
def _import_chunk(
    batch: list[_Read],
    *,
    record: BankStatementImport,
    index: ExpectedIndex,
    tz: zoneinfo.ZoneInfo,
    actor: Principal,
    summary: ImportSummary,
) -> None:
    _commit_asynchronously()
    summary.transactions += len(batch)
    known = set(
        BankLine.objects.filter(
            organization_id=actor.organization_id, key__in=in_array([k for _, _, k, _ in batch], "text")
        ).values_list("key", flat=True)
    )
    pending: list[_Pending] = []
    for s, tx, key, line in batch:
        if key in known:
            summary.duplicates += 1
            continue
        known.add(key)
        if line is None:
            pending.append(_Pending(s, tx, key, BankLineState.IGNORED))
            continue
        decision = decide(line, index.candidates(line))
        if decision.auto and decision.best is not None:
            index.remove(decision.best.expected)
            pending.append(_Pending(s, tx, key, BankLineState.POSTED, decision))
        else:
            pending.append(_Pending(s, tx, key, BankLineState.REVIEW, decision))
    summary.review += sum(1 for p in pending if p.state == BankLineState.REVIEW)
    _post_matched(
        [p for p in pending if p.state == BankLineState.POSTED], tz=tz, actor=actor, summary=summary
    )
    _store(pending, record=record, actor=actor)


def _commit_asynchronously() -> None:
    """A chunk's commit returns before its WAL reaches the disk (`synchronous_commit = off`, this
    transaction only): it saves a WAL flush per chunk. A database crash can lose only whole chunks
    (lines and payments commit together), which importing the file again posts; and the import's
    last commit (its record and audit event) is synchronous, which flushes every chunk's WAL before
    `bank_file_import` returns. A no-op on SQLite."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _post_matched(
    pending: list[_Pending], *, tz: zoneinfo.ZoneInfo, actor: Principal, summary: ImportSummary
) -> None:
    if not pending:
        return
    keys = [f"bank:{p.key}" for p in pending]
    existing = set(
        Payment.objects.filter(
            organization_id=actor.organization_id, idempotency_key__in=in_array(keys, "text")
        ).values_list("idempotency_key", flat=True)
    )
    requests = []
    for p in pending:
        assert p.decision is not None and p.decision.best is not None  # noqa: S101 - set by _import_chunk
        requests.append(
            PaymentRequest(
                p.decision.best.expected.account_id,
                Money(p.tx.amount, p.tx.currency),
                PaymentMethod.BANK_TRANSFER,
                _received_at(p.tx.booking_date or p.tx.value_date, tz),
                f"bank:{p.key}",
                reference=p.tx.transaction_id[:100],
            )
        )
    payments: list[Payment | None]
    try:
        with transaction.atomic():
            payments = list(payments_post(requests=requests, actor=actor))
    except ArrearsError:
        # One refused payment (a reused key, a closed account) must not hold back the others.
        payments = []
        for p, r in zip(pending, requests, strict=True):
            try:
                with transaction.atomic():
                    payments.append(payments_post(requests=[r], actor=actor)[0])
            except ArrearsError as exc:
                p.state, p.refusal = BankLineState.REVIEW, f"posting refused: {exc.code}"
                payments.append(None)
    for p, payment in zip(pending, payments, strict=True):
        if payment is None:
            summary.review += 1
            continue
        p.payment_id = payment.pk
        summary.matched += 1
        if payment.idempotency_key not in existing:
            summary.posted += 1


def _store(pending: list[_Pending], *, record: BankStatementImport, actor: Principal) -> None:
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for p in pending:
        best = p.decision.best if p.decision else None
        reasons = list(best.reasons) if best else []
        if p.refusal:
            reasons.append(p.refusal)
        if p.decision:
            reasons += [
                f"also {m.expected.kind} {m.expected.id} ({m.confidence})" for m in p.decision.alternatives
            ]
        tx = p.tx
        rows.append(
            {
                "organization_id": actor.organization_id,
                "statement_import_id": record.pk,
                "key": p.key,
                "bank_account": tx.account_id[:80],
                "bank_id": (p.statement.bank_id or "")[:40],
                "transaction_id": tx.transaction_id[:200],
                "booking_date": tx.booking_date,
                "value_date": tx.value_date,
                "amount": tx.amount,
                "currency": tx.currency,
                "direction": tx.direction.value,
                "status": tx.status.value,
                "references": [
                    r for r in (tx.end_to_end_id, *tx.remittance_structured, *tx.remittance_unstructured) if r
                ],
                "counterparty_name": (tx.counterparty_name or "")[:200],
                "raw": tx.raw[:4000],
                "state": p.state,
                "confidence": best.confidence if best else Decimal(0),
                "reasons": reasons,
                "match_kind": best.expected.kind if best else "",
                "match_id": best.expected.id if best else None,
                "account_id": best.expected.account_id if best else None,
                "payment_id": p.payment_id,
                "created_at": now,
                "resolved_at": None,
                "resolved_by": "",
            }
        )
    ids = insert_rows(BankLine, rows)
    audit_record_many(
        actor=actor,
        events=[
            AuditSpec(
                event=Event(f"bank_line.{row['state']}"),
                subject_type="bank_line",
                subject_id=pk,
                account_id=row["account_id"] if row["state"] == BankLineState.POSTED else None,
                data={
                    "amount": row["amount"],
                    "currency": row["currency"],
                    "payment": row["payment_id"],
                    "confidence": row["confidence"],
                    "match": f"{row['match_kind']}:{row['match_id']}" if row["match_kind"] else None,
                },
            )
            for pk, row in zip(ids, rows, strict=True)
            if row["state"] != BankLineState.IGNORED
        ],
    )


# ---------------------------------------------------------------------------------------------
# The review queue
# ---------------------------------------------------------------------------------------------


def _line_for_review(line_id: int, actor: Principal) -> BankLine:
    try:
        line = BankLine.objects.select_for_update().get(pk=line_id, organization_id=actor.organization_id)
    except BankLine.DoesNotExist:
        raise NotFound(ReconcileError.LINE_NOT_FOUND, f"no bank line {line_id}") from None
    if line.state != BankLineState.REVIEW:
        raise Conflict(ReconcileError.NOT_IN_REVIEW, f"bank line {line_id} is {line.state}")
    return line


@transaction.atomic
def bank_line_resolve(*, line_id: int, account: Account, actor: Principal) -> BankLine:
    """Post a line from the review queue to the account a person chose (idempotent by the line key)."""
    line = _line_for_review(line_id, actor)
    organization = organization_get(organization_id=actor.organization_id)
    payment = payment_post(
        account=account,
        amount=Money(line.amount, line.currency),
        method=PaymentMethod.BANK_TRANSFER,
        received_at=_received_at(
            line.booking_date or line.value_date, zoneinfo.ZoneInfo(organization.timezone)
        ),
        actor=actor,
        idempotency_key=f"bank:{line.key}",
        reference=line.transaction_id[:100],
    )
    if line.account_id != account.pk:
        line.match_kind, line.match_id = MatchKind.ACCOUNT, account.pk
    line.state, line.account, line.payment = BankLineState.RESOLVED, account, payment
    line.resolved_at, line.resolved_by = utcnow(), actor.label
    line.save(
        update_fields=["state", "account", "payment", "match_kind", "match_id", "resolved_at", "resolved_by"]
    )
    audit_record(
        actor=actor,
        event=Event.BANK_LINE_RESOLVED,
        subject_type="bank_line",
        subject_id=line.pk,
        account_id=account.pk,
        data={"payment": payment.pk, "amount": line.amount, "currency": line.currency},
    )
    return line


@transaction.atomic
def bank_line_dismiss(*, line_id: int, reason: str, actor: Principal) -> BankLine:
    """Take a line off the review queue without posting it (not ours, a transfer between own accounts)."""
    line = _line_for_review(line_id, actor)
    line.state, line.resolved_at, line.resolved_by = BankLineState.DISMISSED, utcnow(), actor.label
    line.reasons = [*line.reasons, f"dismissed: {reason}"]
    line.save(update_fields=["state", "resolved_at", "resolved_by", "reasons"])
    audit_record(
        actor=actor,
        event=Event.BANK_LINE_DISMISSED,
        subject_type="bank_line",
        subject_id=line.pk,
        data={"reason": reason},
    )
    return line


def bank_lines_for_review(*, actor: Principal) -> list[BankLine]:
    return list(
        BankLine.objects.filter(organization_id=actor.organization_id, state=BankLineState.REVIEW).order_by(
            "booking_date", "pk"
        )
    )
