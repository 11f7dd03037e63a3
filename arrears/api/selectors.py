"""Reads of the API app: who a bearer token is, and the manager's lists of tokens and webhooks."""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from arrears.core.sql import instant, select
from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

from . import domain
from .models import ApiToken, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .services import secret_hash

_TOKENS = ApiToken._meta.db_table


@dataclass(frozen=True, slots=True)
class TokenPrincipal:
    """A token that authenticated: who it acts as, and what it may do."""

    token_id: int
    principal: Principal
    scopes: tuple[str, ...]
    last_used_at: datetime | None

    def grants(self, resource: str, *, write: bool) -> bool:
        return domain.scope_grants(self.scopes, resource=resource, write=write)


def token_authenticate(*, plain: str, now: datetime) -> TokenPrincipal | None:
    """The live token this plain text is, or None (unknown, wrong secret, revoked or expired)."""
    parsed = domain.token_parse(plain)
    if parsed is None:
        return None
    prefix, secret = parsed
    # Every API request reads its token: by hand (``arrears.core.sql``), as Django takes longer to build
    # and compile the query than the database takes to run it.
    rows = select(
        "SELECT id, organization_id, client_id, name, secret_hash, scopes, expires_at, revoked_at, "  # noqa: S608 (fixed names; values bound)
        f"last_used_at FROM {_TOKENS} WHERE prefix = %s",
        [prefix],
    )
    if not rows:
        return None
    pk, org, client, name, stored, scopes_json, expires_at, revoked_at, last_used_at = rows[0]
    scopes = json.loads(scopes_json)  # the JSON text, on both databases
    expires_at, revoked_at, last_used_at = instant(expires_at), instant(revoked_at), instant(last_used_at)
    if not hmac.compare_digest(stored, secret_hash(secret)):
        return None
    if revoked_at is not None or (expires_at is not None and expires_at <= now):
        return None
    principal = Principal(
        organization_id=org,
        # Collector's rights underneath (view, work): no overriding the compliance gate, no national ids.
        role=Role.COLLECTOR,
        label=f"api:{name}",
        client_ids=frozenset({client}) if client else None,
    )
    return TokenPrincipal(pk, principal, tuple(scopes), last_used_at)


def tokens_for(*, organization_id: int) -> QuerySet[ApiToken]:
    return (
        ApiToken.objects.filter(organization_id=organization_id)
        .select_related("client")
        .order_by("-created_at")
    )


def endpoints_for(*, organization_id: int) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(organization_id=organization_id).order_by("-created_at")


def deliveries_for(*, organization_id: int, limit: int = 50) -> QuerySet[WebhookDelivery]:
    return (
        WebhookDelivery.objects.filter(organization_id=organization_id)
        .select_related("endpoint")
        .order_by("-created_at", "-id")[:limit]
    )


def delivery_attempts(*, organization_id: int, delivery_id: int) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.filter(organization_id=organization_id, delivery_id=delivery_id).order_by(
        "at"
    )
