from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from arrears.core.errors import NotFound
from arrears.tenancy.domain import Principal

from .errors import DocumentError
from .models import Document


def _scoped(principal: Principal) -> QuerySet[Document]:
    qs = Document.objects.filter(organization_id=principal.organization_id)
    if principal.client_ids is not None:
        qs = qs.filter(account__client_id__in=principal.client_ids)
    return qs


def document_get(*, principal: Principal, pk: int) -> Document:
    try:
        return _scoped(principal).get(pk=pk)
    except Document.DoesNotExist:
        raise NotFound(DocumentError.NOT_FOUND, f"no document {pk}") from None


def document_list(
    *,
    principal: Principal,
    account_id: int | None = None,
    debtor_id: int | None = None,
    kind: str = "",
    uploaded_from: date | None = None,
    uploaded_to: date | None = None,
) -> QuerySet[Document]:
    """Documents the principal may see, searchable by type and upload date."""
    qs = _scoped(principal).select_related("uploaded_by")
    if account_id:
        qs = qs.filter(account_id=account_id)
    if debtor_id:
        qs = qs.filter(debtor_id=debtor_id)
    if kind:
        qs = qs.filter(kind=kind)
    if uploaded_from:
        qs = qs.filter(uploaded_at__date__gte=uploaded_from)
    if uploaded_to:
        qs = qs.filter(uploaded_at__date__lte=uploaded_to)
    return qs.order_by("-uploaded_at", "-id")


def documents_of_kind(*, kind: str) -> QuerySet[Document]:
    """Every document of this kind, oldest first: unscoped, for a ``Prefetch`` on rows already scoped
    (the call recordings of an account's attempts)."""
    return Document.objects.filter(kind=kind).order_by("id")


def documents_shared_for_accounts(*, account_ids: list[int]) -> QuerySet[Document]:
    """Documents the organization chose to show the debtor, on these accounts (the caller scoped them)."""
    return Document.objects.filter(account_id__in=account_ids, shared_with_debtor=True).order_by(
        "-uploaded_at", "-id"
    )


def document_shared_get(*, account_ids: list[int], pk: int) -> Document:
    """One shared document on these accounts; anything else is not found."""
    found = documents_shared_for_accounts(account_ids=account_ids).filter(pk=pk).first()
    if found is None:
        raise NotFound(DocumentError.NOT_FOUND, f"no document {pk}")
    return found


def documents_page(
    *,
    principal: Principal,
    account_id: int | None = None,
    kind: str = "",
    starting_after: int | None,
    limit: int,
) -> list[Document]:
    """A cursor page of the documents the principal may see (of one account, of one type), by id."""
    from arrears.accounts.selectors import account_get

    qs = _scoped(principal)
    if account_id is not None:
        qs = qs.filter(account=account_get(principal=principal, pk=account_id))  # another's: not found
    if kind:
        qs = qs.filter(kind=kind)
    if starting_after is not None:
        qs = qs.filter(pk__gt=starting_after)
    return list(qs.order_by("pk")[:limit])
