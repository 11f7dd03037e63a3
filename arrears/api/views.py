"""The API page (`/manage/api/`): tokens, webhook endpoints and their deliveries, for managers."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from arrears.core.errors import ArrearsError
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.selectors import client_list

from . import selectors, services
from .forms import TokenForm, WebhookForm


def _clients(principal: Principal) -> list[tuple[int, str]]:
    return [(c.pk, f"{c.name} ({c.code})") for c in client_list(organization_id=principal.organization_id)]


def _page(request: HttpRequest, principal: Principal, *, status: int = 200, **extra: Any) -> HttpResponse:
    org = principal.organization_id
    context = {
        "tokens": selectors.tokens_for(organization_id=org),
        "endpoints": selectors.endpoints_for(organization_id=org),
        "deliveries": selectors.deliveries_for(organization_id=org),
        "token_form": extra.pop("token_form", None) or TokenForm(clients=_clients(principal)),
        "webhook_form": extra.pop("webhook_form", None) or WebhookForm(),
        **extra,
    }
    return render(request, "api/manage.html", context, status=status)


@staff_view("manage")
def manage(request: HttpRequest, principal: Principal) -> HttpResponse:
    return _page(request, principal)


@require_POST
@staff_view("manage")
def token_create(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = TokenForm(request.POST, clients=_clients(principal))
    if not form.is_valid():
        return _page(request, principal, status=400, token_form=form)
    data = form.cleaned_data
    client = None
    if data["client"] is not None:
        client = next(
            c for c in client_list(organization_id=principal.organization_id) if c.pk == data["client"]
        )
    expires = datetime.combine(data["expires_on"], time.min, tzinfo=UTC) if data["expires_on"] else None
    try:
        made = services.token_create(
            organization_id=principal.organization_id,
            client=client,
            name=data["name"],
            scopes=data["scopes"],
            expires_at=expires,
            actor=principal,
        )
    except ArrearsError as exc:
        form.add_error("expires_on" if "expiry" in exc.message else "scopes", exc.message)
        return _page(request, principal, status=400, token_form=form)
    # Shown once, on this answer only: never stored in clear, never in a redirect's URL or the session.
    return _page(request, principal, new_token=made.plain, new_token_name=made.token.name)


@require_POST
@staff_view("manage")
def token_revoke(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    token = services.token_revoke(token_id=pk, actor=principal, organization_id=principal.organization_id)
    messages.success(request, f"Token {token.name} revoked.")
    return redirect("api:manage")


@require_POST
@staff_view("manage")
def webhook_create(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = WebhookForm(request.POST)
    if not form.is_valid():
        return _page(request, principal, status=400, webhook_form=form)
    try:
        made = services.webhook_endpoint_create(
            organization_id=principal.organization_id,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            description=form.cleaned_data["description"],
            actor=principal,
        )
    except ArrearsError as exc:
        form.add_error("url", exc.message)
        return _page(request, principal, status=400, webhook_form=form)
    return _page(request, principal, new_secret=made.secret, new_secret_url=made.endpoint.url)


@require_POST
@staff_view("manage")
def webhook_rotate(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    made = services.webhook_secret_rotate(
        organization_id=principal.organization_id, endpoint_id=pk, actor=principal
    )
    return _page(request, principal, new_secret=made.secret, new_secret_url=made.endpoint.url, rotated=True)


@require_POST
@staff_view("manage")
def webhook_disable(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    endpoint = services.webhook_endpoint_disable(
        organization_id=principal.organization_id, endpoint_id=pk, actor=principal
    )
    messages.success(request, f"Webhook endpoint {endpoint.url} disabled.")
    return redirect("api:manage")


@require_POST
@staff_view("manage")
def delivery_redeliver(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    delivery = services.webhook_redeliver(
        organization_id=principal.organization_id, delivery_id=pk, actor=principal
    )
    messages.success(request, f"Delivery of {delivery.event_type} {delivery.event_id} queued again.")
    return redirect("api:manage")
