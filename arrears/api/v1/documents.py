"""Documents: stored files about an account (scans, letters received, judgments, call recordings). Every
download is on the audit log; a file's type is judged by its bytes, never by its name."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, UploadedFile
from pydantic import BaseModel, Field

from arrears.accounts.selectors import account_get_by_reference
from arrears.core.errors import NotFound
from arrears.documents.domain import EXTENSIONS
from arrears.documents.errors import DocumentError
from arrears.documents.selectors import document_get, documents_page
from arrears.documents.services import document_open, document_store

from ..choices import Resource
from .conventions import MAX_LIMIT, idempotent, need, page
from .resources import AccountFilter, Id, StartingAfter

router = Router(tags=["documents"])

Kind = Literal[
    "invoice",
    "statement",
    "contract",
    "judgment",
    "dispute_letter",
    "proof_of_payment",
    "correspondence",
    "call_recording",
    "other",
]


class DocumentOut(BaseModel):
    id: int
    object: Literal["document"] = "document"
    account_id: int | None
    debtor_id: int | None
    contact_attempt_id: int | None
    kind: str
    name: str
    content_type: str
    size: int
    sha256: str
    description: str
    uploaded_at: datetime
    shared_with_debtor: bool


class DocumentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DocumentOut]
    has_more: bool


class DocumentIn(BaseModel):
    """A document, as a multipart form: these fields and the `file` (other fields are ignored)."""

    account: str = Field(min_length=1, max_length=100, description="the account's reference")
    client: str = Field(default="", max_length=40, description="when several clients use it")
    kind: Kind
    description: str = Field(default="", max_length=500)


def _document(d: Any) -> dict[str, Any]:
    return {
        "id": d.pk,
        "account_id": d.account_id,
        "debtor_id": d.debtor_id,
        "contact_attempt_id": d.contact_attempt_id,
        "kind": d.kind,
        "name": d.original_name,
        "content_type": d.content_type,
        "size": d.size,
        "sha256": d.sha256,
        "description": d.description,
        "uploaded_at": d.uploaded_at,
        "shared_with_debtor": d.shared_with_debtor,
    }


@router.get("/documents", operation_id="documents_list", response=DocumentList, summary="List documents")
def documents_list(
    request: HttpRequest,
    account_id: AccountFilter = None,
    kind: Kind | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 10,
    starting_after: StartingAfter = None,
) -> dict[str, Any]:
    """The documents the token may see (a client token: those of its client's accounts), by id."""
    token = need(request, Resource.DOCUMENTS)
    rows = documents_page(
        principal=token.principal,
        account_id=account_id,
        kind=kind or "",
        starting_after=starting_after,
        limit=limit + 1,
    )
    return page(rows, limit, _document)


@router.get("/documents/{id}", operation_id="documents_get", response=DocumentOut, summary="Get a document")
def documents_get(request: HttpRequest, id: Id) -> dict[str, Any]:  # noqa: A002 (the path's name)
    token = need(request, Resource.DOCUMENTS)
    return _document(document_get(principal=token.principal, pk=id))


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get(
    "/documents/{id}/content",
    operation_id="documents_download",
    summary="Download a document's file",
    openapi_extra={
        "responses": {
            200: {
                "description": "the file, as its bytes proved it to be",
                "content": {t: _BINARY for t in sorted(EXTENSIONS)},
            }
        }
    },
)
def documents_download(request: HttpRequest, id: Id) -> FileResponse:  # noqa: A002
    """The stored file, with its content type. Each download is audited (who looked at what, when)."""
    token = need(request, Resource.DOCUMENTS)
    document = document_get(principal=token.principal, pk=id)
    if not document.file.name:
        raise NotFound(DocumentError.NOT_FOUND, f"document {id}'s file was erased")
    handle = document_open(document=document, actor=token.principal)
    response = FileResponse(handle, content_type=document.content_type)
    name = document.original_name.replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.post(
    "/documents",
    operation_id="documents_create",
    response={201: DocumentOut},
    summary="Upload a document to an account",
)
def documents_create(request: HttpRequest, body: Form[DocumentIn], file: File[UploadedFile]) -> HttpResponse:
    """Store a file (a `multipart/form-data` form) for an account: PDF, PNG, JPEG or TIFF (audio for a
    call recording), judged by its bytes; up to 25 MB (200 MB for a recording) by default. Takes an
    `Idempotency-Key`."""
    token = need(request, Resource.DOCUMENTS, write=True)

    def produce(_key: str | None) -> dict[str, Any]:
        account = account_get_by_reference(
            principal=token.principal, reference=body.account, client_code=body.client or None
        )
        document = document_store(
            actor=token.principal,
            kind=body.kind,
            stream=file,
            original_name=file.name or "upload",
            account=account,
            description=body.description,
        )
        return _document(document)

    return idempotent(request, 201, DocumentOut, produce)
