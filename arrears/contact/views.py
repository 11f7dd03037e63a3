"""Pages for the outbox: the one-click unsubscribe (RFC 8058) and the template preview."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt

from arrears.core.errors import ArrearsError
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import organization_get

from .forms import TemplatePreviewForm
from .messaging import email_unsubscribe
from .messaging_choices import TemplateChannel
from .models import MessageTemplate
from .selectors import template_preview


@csrf_exempt  # RFC 8058: the mail provider POSTs "List-Unsubscribe=One-Click" with no session or token
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (link scanners must not unsubscribe anyone); POST records the opt-out."""
    if request.method == "POST":
        try:
            email_unsubscribe(token=token)
        except ArrearsError as exc:
            return render(request, "contact/unsubscribe.html", {"error": exc.message}, status=400)
        return render(request, "contact/unsubscribe.html", {"done": True})
    return render(request, "contact/unsubscribe.html", {"token": token})


@staff_view("view")
def preview(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    """The template rendered with demo data; a letter also as its PDF (``?format=pdf``)."""
    template = get_object_or_404(MessageTemplate, pk=pk, organization_id=principal.organization_id)
    form = TemplatePreviewForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("format: choose pdf, or leave it out for the page.")
    organization = organization_get(organization_id=principal.organization_id)
    shown = template_preview(template=template, organization=organization)
    if template.channel == TemplateChannel.LETTER and form.cleaned_data["format"] == "pdf":
        return HttpResponse(shown.pdf(), content_type="application/pdf")
    return render(request, "contact/preview.html", {"template": template, "shown": shown})
