from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from arrears.accounts.selectors import account_get
from arrears.core.errors import ArrearsError
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal

from .choices import DocumentKind
from .domain import parse_range
from .selectors import document_get, document_list
from .services import document_open, document_store


@require_GET
@staff_view()
def account_documents(request: HttpRequest, principal: Principal, account_pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=account_pk)
    kind = request.GET.get("kind", "")
    docs = document_list(
        principal=principal, account_id=account.pk, kind=kind if kind in DocumentKind.values else ""
    )
    return render(
        request,
        "documents/_account_documents.html",
        {
            "account": account,
            "documents": docs,
            "kinds": DocumentKind.choices,
            "kind": kind,
            "can_upload": principal.can("work"),
        },
    )


@require_POST
@staff_view("work")
def upload(request: HttpRequest, principal: Principal, account_pk: int) -> HttpResponse:
    account = account_get(principal=principal, pk=account_pk)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, "Choose a file to upload.")
        return redirect("workbench:account_detail", pk=account.pk)
    try:
        document_store(
            actor=principal,
            kind=request.POST.get("kind", DocumentKind.OTHER),
            stream=upload_file,
            original_name=upload_file.name or "upload",
            account=account,
            description=request.POST.get("description", ""),
        )
    except ArrearsError as exc:
        messages.error(request, f"Not stored: {exc.message}")
        response = redirect("workbench:account_detail", pk=account.pk)
        response.status_code = 303
        return response
    messages.success(request, f"Stored {upload_file.name}.")
    return redirect("workbench:account_detail", pk=account.pk)


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
