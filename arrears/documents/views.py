from __future__ import annotations

from django.contrib import messages
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from arrears.accounts.selectors import account_get
from arrears.core.errors import ArrearsError
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal

from .choices import DocumentKind
from .domain import parse_range
from .forms import DocumentFilterForm, DocumentUploadForm
from .selectors import document_get, document_list
from .services import document_open, document_share_set, document_store


def _panel(principal: Principal, account, kind: str = "", form: DocumentUploadForm | None = None) -> dict:
    return {
        "account": account,
        "documents": document_list(principal=principal, account_id=account.pk, kind=kind),
        "kinds": DocumentKind.choices,
        "kind": kind,
        "can_upload": principal.can("work"),
        "form": form or DocumentUploadForm(),
    }


@require_GET
@staff_view()
def account_documents(request: HttpRequest, principal: Principal, account_pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=account_pk)
    filters = DocumentFilterForm(request.GET)
    if not filters.is_valid():
        return HttpResponseBadRequest(filters.errors.as_text())
    return render(
        request, "documents/_account_documents.html", _panel(principal, account, filters.cleaned_data["kind"])
    )


@require_POST
@staff_view("work")
def upload(request: HttpRequest, principal: Principal, account_pk: int) -> HttpResponse:
    """Store an uploaded file; a refused one shows the panel again with the message by its field (400)."""
    account = account_get(principal=principal, pk=account_pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            document_store(
                actor=principal,
                kind=form.cleaned_data["kind"],
                stream=upload_file,
                original_name=upload_file.name or "upload",
                account=account,
                description=form.cleaned_data["description"],
            )
        except ArrearsError as exc:
            form.add_service_error(exc)
        else:
            if getattr(request, "htmx", False):  # the account page: the panel again, with the file in it
                context = {**_panel(principal, account), "done": f"Stored {upload_file.name}."}
                return render(request, "documents/_account_documents.html", context)
            messages.success(request, f"Stored {upload_file.name}.")
            return redirect("workbench:account_detail", pk=account.pk)
    if getattr(request, "htmx", False):  # htmx swaps only 2xx: the refusal is a 200, by its field
        return render(request, "documents/_account_documents.html", _panel(principal, account, form=form))
    return render(request, "documents/upload.html", _panel(principal, account, form=form), status=400)


@require_GET
@staff_view()
def download(request: HttpRequest, principal: Principal, pk: int) -> HttpResponseBase:
    """Serve a stored file to someone allowed to see it, with byte ranges so audio can seek."""
    document = document_get(principal=principal, pk=pk)
    handle = document_open(document=document, actor=principal)
    disposition = "inline" if request.GET.get("download") != "1" else "attachment"
    headers = {
        "Content-Disposition": f'{disposition}; filename="{document.original_name.replace(chr(34), "")}"',
        "Cache-Control": "private, no-store",
        "X-Content-Type-Options": "nosniff",
        "Accept-Ranges": "bytes",
    }
    wanted = parse_range(request.headers.get("Range", ""), document.size)
    if wanted is None:
        response = FileResponse(handle, content_type=document.content_type)
        for name, value in headers.items():
            response[name] = value
        return response
    start, end = wanted
    handle.seek(start)
    length = end - start + 1

    def chunks():
        remaining = length
        try:
            while remaining > 0 and (chunk := handle.read(min(65536, remaining))):
                remaining -= len(chunk)
                yield chunk
        finally:
            handle.close()

    partial = StreamingHttpResponse(chunks(), status=206, content_type=document.content_type)
    for name, value in headers.items():
        partial[name] = value
    partial["Content-Range"] = f"bytes {start}-{end}/{document.size}"
    partial["Content-Length"] = str(length)
    return partial


@require_POST
@staff_view("work")
def share(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """Show a document to the debtor in the portal, or stop (``shared=1`` or ``0``)."""
    document = document_get(principal=principal, pk=pk)
    if document.account_id is None:
        raise Http404("no account")
    try:
        document_share_set(document=document, shared=request.POST.get("shared") == "1", actor=principal)
    except ArrearsError as exc:
        messages.error(request, exc.message)
    return redirect("workbench:account_detail", pk=document.account_id)
