"""Writes of the API app: tokens, idempotency keys, webhook endpoints and their deliveries."""

from __future__ import annotations

import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from arrears.audit.events import Event
from arrears.audit.selectors import audit_events_after, audit_head_seq
from arrears.audit.services import audit_record
from arrears.core.clock import utcnow
from arrears.core.crypto import decrypt, encrypt, lookup_hash
from arrears.core.errors import ArrearsError, Conflict, NotFound
from arrears.tenancy.domain import Principal

from . import domain
from .choices import DeliveryStatus, IdempotencyState
from .errors import ApiError
from .models import ApiToken, IdempotencyKey, WebhookAttempt, WebhookDelivery, WebhookEndpoint

if TYPE_CHECKING:
    from arrears.tenancy.models import Client

HASH_PURPOSE = "api_token"
# last_used_at is written at most this often per token: a token used 200 times a second would
# otherwise rewrite its row 200 times a second.
LAST_USED_RESOLUTION = timedelta(seconds=60)
# An Idempotency-Key still "in flight" after this long belongs to a request that died: it may be taken
# over (the services underneath are idempotent themselves, e.g. a payment's key).
IN_FLIGHT_TIMEOUT = timedelta(minutes=5)
DELIVERY_TIMEOUT_SECONDS = 10


def secret_hash(secret: str) -> str:
    return lookup_hash(secret, purpose=HASH_PURPOSE)


@dataclass(frozen=True, slots=True)
class NewToken:
    token: ApiToken
    plain: str  # shown once, never stored


@transaction.atomic
def token_create(
    *,
    organization_id: int,
    client: Client | None,
    name: str,
    scopes: Sequence[str] | str,
    expires_at: datetime | None,
    actor: Principal,
) -> NewToken:
    """A new token; its plain text is returned once and only a keyed hash of its secret is kept."""
    name = name.strip()
    if not name:
        raise ArrearsError(ApiError.TOKEN_NAME_REQUIRED, "a token needs a name")
    try:
        parsed = domain.scopes_parse(scopes)
    except ValueError as exc:
        known = ", ".join(domain.scopes_known())
        raise ArrearsError(ApiError.SCOPE_INVALID, f"unknown scope {str(exc)!r}: use {known}") from None
    now = utcnow()
    if expires_at is not None and expires_at <= now:
        raise ArrearsError(ApiError.TOKEN_EXPIRY_PAST, "the expiry must be in the future")
    if client is not None and client.organization_id != organization_id:
        raise NotFound(ApiError.TOKEN_NOT_FOUND, "no such client in this organization")
    prefix = secrets.token_hex(domain.PREFIX_LENGTH // 2)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        organization_id=organization_id,
        client=client,
        name=name,
        prefix=prefix,
        secret_hash=secret_hash(secret),
        scopes=parsed,
        created_at=now,
        created_by=actor.label or f"user:{actor.user_id}",
        expires_at=expires_at,
    )
    audit_record(
        actor=actor,
        event=Event.API_TOKEN_CREATED,
        subject_type="api_token",
        subject_id=token.pk,
        data={"name": name, "scopes": parsed, "client": client.code if client else None, "prefix": prefix},
    )
    return NewToken(token, domain.token_format(prefix, secret))


@transaction.atomic
def token_revoke(
    *, token_id: int, actor: Principal | None = None, organization_id: int | None = None
) -> ApiToken:
    """Revoke a token at once (a second revoke changes nothing). Scoped to `organization_id` when given."""
    tokens = ApiToken.objects.select_for_update()
    if organization_id is not None:
        tokens = tokens.filter(organization_id=organization_id)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise NotFound(ApiError.TOKEN_NOT_FOUND, f"no API token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor or Principal(organization_id=token.organization_id, role="admin", label="cli"),
            event=Event.API_TOKEN_REVOKED,
            subject_type="api_token",
            subject_id=token.pk,
            data={"name": token.name, "prefix": token.prefix},
        )
    return token


def token_touch(*, token_id: int, now: datetime) -> None:
    """Record a use, at most once a minute (a conditional update: no lock, no read)."""
    stale = now - LAST_USED_RESOLUTION
    ApiToken.objects.filter(pk=token_id).exclude(last_used_at__gt=stale).update(last_used_at=now)


# Idempotency keys -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Replay:
    status_code: int
    content_type: str
    body: str


def idempotency_begin(
    *, organization_id: int, token_id: int, key: str, fingerprint: str
) -> IdempotencyKey | Replay:
    """Claim a key for this request (committed at once, so concurrent requests see it). Returns the row
    to finish, or the first response to replay. Raises 422 for other parameters, 409 while in flight."""
    if not key or len(key) > 255 or not key.isprintable():
        raise ArrearsError(
            ApiError.IDEMPOTENCY_KEY_INVALID, "an Idempotency-Key is 1–255 printable characters"
        )
    now = utcnow()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                organization_id=organization_id,
                token_id=token_id,
                key=key,
                fingerprint=fingerprint,
                created_at=now,
            )
    except IntegrityError:
        pass
    first = IdempotencyKey.objects.filter(organization_id=organization_id, key=key).first()
    if first is None:  # finished and abandoned in between: try once more
        return idempotency_begin(
            organization_id=organization_id, token_id=token_id, key=key, fingerprint=fingerprint
        )
    if first.fingerprint != fingerprint:
        raise IdempotencyMismatch(
            ApiError.IDEMPOTENCY_KEY_MISMATCH,
            f"Idempotency-Key {key!r} was first used with other parameters",
        )
    if first.state == IdempotencyState.DONE:
        return Replay(first.status_code or 200, first.content_type, first.body)
    if first.created_at > now - IN_FLIGHT_TIMEOUT:
        raise Conflict(
            ApiError.IDEMPOTENCY_KEY_IN_FLIGHT, f"a request with Idempotency-Key {key!r} is still in flight"
        )
    taken = IdempotencyKey.objects.filter(
        pk=first.pk, state=IdempotencyState.IN_FLIGHT, created_at=first.created_at
    ).update(created_at=now, token_id=token_id)
    if not taken:
        raise Conflict(
            ApiError.IDEMPOTENCY_KEY_IN_FLIGHT, f"a request with Idempotency-Key {key!r} is still in flight"
        )
    first.created_at = now
    return first


class IdempotencyMismatch(ArrearsError):
    status = 422


def idempotency_finish(*, record: IdempotencyKey, status_code: int, content_type: str, body: str) -> None:
    IdempotencyKey.objects.filter(pk=record.pk).update(
        state=IdempotencyState.DONE, status_code=status_code, content_type=content_type, body=body
    )


def idempotency_abandon(*, record: IdempotencyKey) -> None:
    """The request failed unexpectedly (a 5xx): free the key so that a retry runs again."""
    IdempotencyKey.objects.filter(pk=record.pk, state=IdempotencyState.IN_FLIGHT).delete()


# Webhooks ---------------------------------------------------------------------------------------------


def _check_endpoint(url: str, events: Sequence[str]) -> list[str]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise ArrearsError(
            ApiError.WEBHOOK_URL_INVALID, "a webhook URL is an http(s) URL of at most 500 characters"
        )
    known = domain.webhook_event_types()
    chosen = sorted({e.strip() for e in events if e.strip()})
    if not chosen:
        raise ArrearsError(ApiError.WEBHOOK_EVENT_UNKNOWN, f"subscribe to at least one of {', '.join(known)}")
    for e in chosen:
        if e not in known:
            raise ArrearsError(ApiError.WEBHOOK_EVENT_UNKNOWN, f"unknown event {e!r}: use {', '.join(known)}")
    return chosen


@dataclass(frozen=True, slots=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


@transaction.atomic
def webhook_endpoint_create(
    *, organization_id: int, url: str, events: Sequence[str], description: str = "", actor: Principal
) -> NewEndpoint:
    """A new endpoint; it receives the events recorded from now on."""
    chosen = _check_endpoint(url, events)
    secret = _new_secret()
    endpoint = WebhookEndpoint.objects.create(
        organization_id=organization_id,
        url=url,
        description=description.strip()[:200],
        events=chosen,
        secret=encrypt(secret),
        cursor_seq=audit_head_seq(organization_id=organization_id),
        created_at=utcnow(),
    )
    audit_record(
        actor=actor,
        event=Event.API_WEBHOOK_CREATED,
        subject_type="webhook_endpoint",
        subject_id=endpoint.pk,
        data={"url": url, "events": chosen},
    )
    return NewEndpoint(endpoint, secret)


def _endpoint_locked(organization_id: int, endpoint_id: int) -> WebhookEndpoint:
    endpoint = (
        WebhookEndpoint.objects.select_for_update()
        .filter(organization_id=organization_id, pk=endpoint_id)
        .first()
    )
    if endpoint is None:
        raise NotFound(ApiError.WEBHOOK_NOT_FOUND, f"no webhook endpoint {endpoint_id}")
    return endpoint


ROTATION_OVERLAP = timedelta(hours=24)


@transaction.atomic
def webhook_secret_rotate(*, organization_id: int, endpoint_id: int, actor: Principal) -> NewEndpoint:
    """A new signing secret; the old one keeps signing beside it for 24 hours, so receivers can switch."""
    endpoint = _endpoint_locked(organization_id, endpoint_id)
    secret = _new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_expires_at = utcnow() + ROTATION_OVERLAP
    endpoint.secret = encrypt(secret)
    endpoint.save(update_fields=["secret", "previous_secret", "previous_expires_at"])
    audit_record(
        actor=actor,
        event=Event.API_WEBHOOK_SECRET_ROTATED,
        subject_type="webhook_endpoint",
        subject_id=endpoint.pk,
        data={"previous_expires_at": endpoint.previous_expires_at},
    )
    return NewEndpoint(endpoint, secret)


@transaction.atomic
def webhook_endpoint_disable(*, organization_id: int, endpoint_id: int, actor: Principal) -> WebhookEndpoint:
    endpoint = _endpoint_locked(organization_id, endpoint_id)
    if endpoint.active:
        endpoint.active = False
        endpoint.save(update_fields=["active"])
        audit_record(
            actor=actor,
            event=Event.API_WEBHOOK_DISABLED,
            subject_type="webhook_endpoint",
            subject_id=endpoint.pk,
            data={"url": endpoint.url},
        )
    return endpoint


SWEEP_BATCH = 1000


def _payload(organization_id: int, event: Any, kind: str) -> dict[str, Any]:
    # The object an event is about: a posting is audited on its account with the payment as its source
    # (`"source": ["payment", "42"]`), and a `payment.posted` webhook names the payment, not the account.
    obj, obj_id = event.subject_type, event.subject_id
    source = event.data.get("source")
    if isinstance(source, list) and len(source) == 2 and kind.split(".")[0] == source[0]:
        obj, obj_id = source[0], str(source[1])
    return {
        "id": f"evt_{organization_id}_{event.seq}",
        "type": kind,
        "created": event.at.isoformat().replace("+00:00", "Z"),
        "data": {**event.data, "object": obj, "id": obj_id, "account_id": event.account_id},
    }


def webhook_deliveries_derive(*, endpoint_id: int) -> list[int]:
    """Read the audit log after the endpoint's cursor, add a delivery for each event it subscribes to,
    and move the cursor, in one transaction (the endpoint row locked: two sweeps do not both derive).
    Returns the new deliveries' ids."""
    created: list[int] = []
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().filter(pk=endpoint_id, active=True).first()
        if endpoint is None:
            return []
        org = endpoint.organization_id
        head = audit_head_seq(organization_id=org)
        if head <= endpoint.cursor_seq:
            return []
        names = domain.audit_names_for(endpoint.events)
        events = list(
            audit_events_after(
                organization_id=org,
                after_seq=endpoint.cursor_seq,
                through_seq=head,
                events=names,
                limit=SWEEP_BATCH,
            )
        )
        now = utcnow()
        rows: list[WebhookDelivery] = []
        for e in events:
            for kind in domain.webhook_types_for(e.event, e.data):
                if kind in endpoint.events:
                    rows.append(
                        WebhookDelivery(
                            organization_id=org,
                            endpoint=endpoint,
                            event_id=f"evt_{org}_{e.seq}",
                            event_type=kind,
                            payload=_payload(org, e, kind),
                            next_attempt_at=now,
                            created_at=now,
                        )
                    )
        WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        endpoint.cursor_seq = events[-1].seq if len(events) == SWEEP_BATCH else head
        endpoint.save(update_fields=["cursor_seq"])
        created = list(
            WebhookDelivery.objects.filter(
                endpoint=endpoint,
                event_id__in=[r.event_id for r in rows],
                status=DeliveryStatus.PENDING,
                attempts=0,
            ).values_list("pk", flat=True)
        )
        ids = list(created)
        transaction.on_commit(lambda: _enqueue(ids))
    return created


def _enqueue(delivery_ids: Sequence[int], run_after: datetime | None = None) -> None:
    from .tasks import webhook_deliver_task

    task = webhook_deliver_task.using(run_after=run_after) if run_after else webhook_deliver_task
    for pk in delivery_ids:
        task.enqueue(delivery_id=pk)


def _secrets_of(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    live = [decrypt(endpoint.secret)]
    if endpoint.previous_secret and endpoint.previous_expires_at and endpoint.previous_expires_at > now:
        live.append(decrypt(endpoint.previous_secret))
    return live


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):  # never file:, ftp: or a custom scheme
        return None, "only http and https endpoints are called"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 (http(s) checked)
    try:
        with urllib.request.urlopen(  # noqa: S310  # nosec B310 (scheme checked above)
            request, timeout=DELIVERY_TIMEOUT_SECONDS
        ) as response:
            return int(response.status), ""
    except urllib.error.HTTPError as exc:
        return int(exc.code), f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(getattr(exc, "reason", exc))[:500]


CLAIM_FOR = timedelta(seconds=DELIVERY_TIMEOUT_SECONDS * 3)


def webhook_deliver(*, delivery_id: int, now: datetime | None = None) -> str:
    """Try one delivery if it is due. The try is claimed with a conditional update of its next attempt
    time (a second worker running the same task finds it not due and does nothing), logged, and on
    failure the next try is scheduled by the backoff and enqueued with `run_after`. Returns the status."""
    now = now or utcnow()
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != DeliveryStatus.PENDING:
        return delivery.status if delivery else "missing"
    if delivery.next_attempt_at > now:
        return "not_due"
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, next_attempt_at=delivery.next_attempt_at
    ).update(next_attempt_at=now + CLAIM_FOR)
    if not claimed:
        return "claimed_elsewhere"
    endpoint = delivery.endpoint
    body = domain.payload_body(delivery.payload)
    stamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Arrears-Webhooks/1",
        "Arrears-Event-Id": delivery.event_id,
        "Arrears-Event-Type": delivery.event_type,
        "Arrears-Signature": domain.signature_header(_secrets_of(endpoint, now), stamp, body),
    }
    started = time.monotonic()
    code, error = (None, "endpoint disabled") if not endpoint.active else _post(endpoint.url, body, headers)
    took = int((time.monotonic() - started) * 1000)
    ok = code is not None and 200 <= code < 300
    first = delivery.first_attempt_at or now
    attempts = delivery.attempts + 1
    retry = None if ok else domain.retry_at(first_attempt_at=first, attempts=attempts, now=now)
    status = DeliveryStatus.SUCCEEDED if ok else (DeliveryStatus.PENDING if retry else DeliveryStatus.FAILED)
    with transaction.atomic():
        WebhookAttempt.objects.create(
            organization_id=delivery.organization_id,
            delivery=delivery,
            at=now,
            status_code=code,
            error=error,
            duration_ms=took,
        )
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            status=status,
            attempts=attempts,
            first_attempt_at=first,
            next_attempt_at=retry or now,
            last_status_code=code,
            last_error=error,
        )
        if retry is not None:
            transaction.on_commit(lambda: _enqueue([delivery.pk], run_after=retry))
    return str(status)


@transaction.atomic
def webhook_redeliver(*, organization_id: int, delivery_id: int, actor: Principal) -> WebhookDelivery:
    """Send a delivery again now (delivered or given up alike), with a fresh 72-hour window."""
    delivery = (
        WebhookDelivery.objects.select_for_update()
        .filter(organization_id=organization_id, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound(ApiError.WEBHOOK_DELIVERY_NOT_FOUND, f"no webhook delivery {delivery_id}")
    now = utcnow()
    delivery.status = DeliveryStatus.PENDING
    delivery.first_attempt_at = None
    delivery.next_attempt_at = now
    delivery.save(update_fields=["status", "first_attempt_at", "next_attempt_at"])
    audit_record(
        actor=actor,
        event=Event.API_WEBHOOK_REDELIVERED,
        subject_type="webhook_delivery",
        subject_id=delivery.pk,
        data={"event_id": delivery.event_id, "endpoint": delivery.endpoint_id},
    )
    transaction.on_commit(lambda: _enqueue([delivery.pk]))
    return delivery


LOST_AFTER = timedelta(minutes=5)


def webhooks_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Derive new deliveries for every active endpoint, and enqueue again the due deliveries whose task
    was lost (a worker that died mid-try, a queue that was emptied). Safe to run at any time, twice."""
    now = now or utcnow()
    derived = 0
    for endpoint_id in WebhookEndpoint.objects.filter(active=True).values_list("pk", flat=True):
        derived += len(webhook_deliveries_derive(endpoint_id=endpoint_id))
    lost = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now - LOST_AFTER
        ).values_list("pk", flat=True)[:10000]
    )
    _enqueue(lost)
    return {"derived": derived, "requeued": len(lost)}
