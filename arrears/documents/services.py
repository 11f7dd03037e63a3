from __future__ import annotations

import hashlib
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Sequence
from typing import IO, TYPE_CHECKING

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import Q

from arrears.audit.events import Event
from arrears.audit.services import AuditSpec, audit_record, audit_record_many
from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError
from arrears.tenancy.domain import Principal

from .choices import DocumentKind
from .domain import EXTENSIONS, allowed_types, sniff
from .errors import DocumentError
from .models import Document

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.debtors.models import Debtor

CHUNK = 1 << 16


def max_bytes(kind: str) -> int:
    if kind == DocumentKind.CALL_RECORDING:
        return int(getattr(settings, "RECORDING_MAX_BYTES", 200 * 1024 * 1024))
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", 25 * 1024 * 1024))


def _spool(stream: IO[bytes], limit: int) -> tuple[tempfile.SpooledTemporaryFile[bytes], str, int, bytes]:
    """Copy the upload aside while hashing it; refuse it as soon as it passes the limit."""
    # Returned open: the caller owns it and closes it with `with`.
    spool: tempfile.SpooledTemporaryFile[bytes] = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115
    digest = hashlib.sha256()
    size = 0
    head = b""
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise ArrearsError(
                DocumentError.TOO_LARGE, f"the file is larger than the limit of {limit:,} bytes"
            )
        if len(head) < 64:
            head += chunk[: 64 - len(head)]
        digest.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    return spool, digest.hexdigest(), size, head


@transaction.atomic
def document_store(
    *,
    actor: Principal,
    kind: str,
    stream: IO[bytes],
    original_name: str,
    account: Account | None = None,
    debtor: Debtor | None = None,
    contact_attempt_id: int | None = None,
    description: str = "",
    source_url: str = "",
) -> Document:
    """Store a file for an account, debtor or contact attempt after checking what its bytes really are."""
    if kind not in DocumentKind.values:
        raise ArrearsError(DocumentError.TYPE_NOT_ALLOWED, f"unknown document type {kind!r}")
    if account is None and debtor is None and contact_attempt_id is None:
        raise ArrearsError(DocumentError.NO_SUBJECT, "a document belongs to an account, a debtor or a call")
    for subject in (account, debtor):
        if subject is not None and subject.organization_id != actor.organization_id:
            raise ArrearsError(DocumentError.NO_SUBJECT, "that account or debtor is not in your organization")
    spool, sha256, size, head = _spool(stream, max_bytes(kind))
    with spool:
        if size == 0:
            raise ArrearsError(DocumentError.EMPTY, "the file is empty")
        content_type = sniff(head)
        allowed = allowed_types(kind)
        if content_type not in allowed:
            names = ", ".join(sorted(EXTENSIONS[t].lstrip(".") for t in allowed))
            raise ArrearsError(
                DocumentError.TYPE_NOT_ALLOWED,
                f"{original_name!r} is not an accepted file for {DocumentKind(kind).label.lower()} ({names})",
            )
        document = Document(
            organization_id=actor.organization_id,
            account=account,
            debtor=debtor,
            contact_attempt_id=contact_attempt_id,
            kind=kind,
            original_name=original_name[:255],
            content_type=content_type,
            size=size,
            sha256=sha256,
            description=description[:500],
            source_url=source_url,
            uploaded_by_id=actor.user_id,
            uploaded_at=utcnow(),
        )
        # A random name: nothing about the debtor or the document can be guessed from the path.
        document.file.save(f"{uuid.uuid4().hex}{EXTENSIONS[content_type]}", File(spool), save=False)
        document.save()
    audit_record(
        actor=actor,
        event=Event.DOCUMENT_STORED,
        subject_type="document",
        subject_id=document.pk,
        account_id=account.pk if account else None,
        data={
            "kind": kind,
            "name": document.original_name,
            "sha256": sha256,
            "size": size,
            "contact_attempt": contact_attempt_id,
            "source_url": source_url,
        },
    )
    return document


def document_fetch(
    *,
    actor: Principal,
    url: str,
    kind: str = DocumentKind.CALL_RECORDING,
    account: Account | None = None,
    debtor: Debtor | None = None,
    contact_attempt_id: int | None = None,
    timeout: float = 30.0,
) -> Document:
    """Fetch a file a dialer or another system published at a URL, and store it like an upload."""
    if not url.lower().startswith(("https://", "http://")):
        raise ArrearsError(DocumentError.FETCH_FAILED, "only http(s) URLs can be fetched")
    request = urllib.request.Request(url, headers={"User-Agent": "Arrears/1"})  # noqa: S310 - scheme checked above
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 # nosec B310
            name = url.rsplit("/", 1)[-1].split("?", 1)[0] or "recording"
            return document_store(
                actor=actor,
                kind=kind,
                stream=response,
                original_name=name,
                source_url=url,
                account=account,
                debtor=debtor,
                contact_attempt_id=contact_attempt_id,
            )
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise ArrearsError(DocumentError.FETCH_FAILED, f"could not fetch {url}: {exc}") from exc


def document_open(*, document: Document, actor: Principal) -> IO[bytes]:
    """Open a stored file for reading; every opening is on the audit log (who looked at what, when)."""
    audit_record(
        actor=actor,
        event=Event.DOCUMENT_VIEWED,
        subject_type="document",
        subject_id=document.pk,
        account_id=document.account_id,
        data={"sha256": document.sha256},
    )
    return document.file.open("rb")


@transaction.atomic
def document_share_set(*, document: Document, shared: bool, actor: Principal) -> Document:
    """Show a document to the debtor in the portal, or stop showing it. Call recordings and dispute
    letters the debtor sent are never shown back: only the kinds an organization would send."""
    if document.organization_id != actor.organization_id:
        raise ArrearsError(DocumentError.NOT_FOUND, f"no document {document.pk}")
    if shared and document.kind not in SHAREABLE_KINDS:
        raise ArrearsError(
            DocumentError.TYPE_NOT_ALLOWED,
            f"a {document.get_kind_display().lower()} is not shown to the debtor",
        )
    if document.shared_with_debtor != shared:
        Document.objects.filter(pk=document.pk).update(shared_with_debtor=shared)
        document.shared_with_debtor = shared
        audit_record(
            actor=actor,
            event=Event.DOCUMENT_SHARED if shared else Event.DOCUMENT_UNSHARED,
            subject_type="document",
            subject_id=document.pk,
            account_id=document.account_id,
            data={"kind": document.kind},
        )
    return document


SHAREABLE_KINDS = frozenset(
    {
        DocumentKind.INVOICE,
        DocumentKind.STATEMENT,
        DocumentKind.CONTRACT,
        DocumentKind.JUDGMENT,
        DocumentKind.CORRESPONDENCE,
        DocumentKind.PROOF_OF_PAYMENT,
        DocumentKind.OTHER,
    }
)


def documents_erase(*, account_ids: Sequence[int], debtor_ids: Sequence[int], actor: Principal) -> int:
    """Delete the stored files of these accounts and debtors (erasure), keeping each row as a tombstone
    with its hash and size, so the audit events that name them still point somewhere."""
    documents = list(
        Document.objects.select_for_update()
        .filter(organization_id=actor.organization_id)
        .filter(Q(account_id__in=list(account_ids)) | Q(debtor_id__in=list(debtor_ids)))
        .exclude(file="")
    )
    names = [d.file.name for d in documents if d.file.name]
    for d in documents:
        d.file.name = ""
        d.original_name = "[erased]"
        d.description = ""
        d.source_url = ""
    Document.objects.bulk_update(documents, ["file", "original_name", "description", "source_url"])
    if documents:
        audit_record_many(
            actor=actor,
            events=[
                AuditSpec(
                    event=Event.DOCUMENT_ERASED,
                    subject_type="document",
                    subject_id=d.pk,
                    account_id=d.account_id,
                    data={"sha256": d.sha256},
                )
                for d in documents
            ],
        )
    storage = documents[0].file.storage if documents else None

    def delete_files() -> None:  # after the commit: a rollback must not lose the files
        for name in names:
            if storage is not None:
                storage.delete(name)

    transaction.on_commit(delete_files)
    return len(documents)
