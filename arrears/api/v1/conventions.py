"""The conventions every endpoint shares: bearer tokens, scopes, problem details (RFC 9457), rate
limits, cursor pagination and Idempotency-Key (docs/api.md)."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from ninja.security import HttpBearer
from pydantic import BaseModel
from redis.exceptions import RedisError

from arrears.core.clock import utcnow
from arrears.core.errors import ArrearsError, PermissionDenied

from .. import domain
from ..errors import ApiError
from ..selectors import TokenPrincipal, token_authenticate
from ..services import Replay, idempotency_abandon, idempotency_begin, idempotency_finish, token_touch

log = logging.getLogger(__name__)
PROBLEM = "application/problem+json"
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
}


def problem(
    status: int,
    code: str,
    detail: str,
    *,
    instance: str = "",
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> HttpResponse:
    body = {
        "type": f"https://arrears.dev/problems/{code.lower().replace('_', '-')}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **({"instance": instance} if instance else {}),
        **extra,
    }
    response = HttpResponse(json.dumps(body, cls=DjangoJSONEncoder), status=status, content_type=PROBLEM)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def problem_of(request: HttpRequest, exc: ArrearsError) -> HttpResponse:
    details: dict[str, Any] = {
        k: v
        for k, v in exc.details.items()
        if k not in ("type", "title", "status", "detail", "code", "headers")
    }
    return problem(exc.status, exc.code, exc.message, instance=request.path, **details)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__("rate limited")
        self.retry_after = retry_after


def _rate() -> tuple[int, int]:
    """(requests, seconds) of `ARREARS_API_RATE_LIMIT`, e.g. `100/1` (the default) or `6000/60`."""
    count, _, seconds = str(getattr(settings, "API_RATE_LIMIT", "100/1")).partition("/")
    return int(count), int(seconds or 1)


def rate_check(token_id: int) -> None:
    """A fixed-window counter per token in Django's cache: one atomic `incr` a request (atomic in
    Redis, Memcached and the local-memory cache). Raises RateLimited with the seconds to wait."""
    limit, window = _rate()
    now = time.time()
    slot = int(now // window)
    key = f"api-rate:{token_id}:{slot}"
    try:
        cache.add(key, 0, timeout=window + 1)
        try:
            used = cache.incr(key)
        except ValueError:  # evicted between add and incr
            cache.set(key, 1, timeout=window + 1)
            used = 1
    except RedisError as exc:
        # The shared cache is down: the API keeps answering, unlimited, rather than failing every request.
        log.warning("rate limit not counted (the cache did not answer): %s", exc)
        return
    if used > limit:
        raise RateLimited(max(1, int((slot + 1) * window - now + 0.999)))


class TokenAuth(HttpBearer):
    """`Authorization: Bearer arr_…`: the token's principal, after its rate limit is checked."""

    openapi_description = "An API token made with `arrears api token create` or on the API tokens page."

    def authenticate(self, request: HttpRequest, token: str) -> TokenPrincipal | None:
        now = utcnow()
        found = token_authenticate(plain=token, now=now)
        if found is None:
            return None
        rate_check(found.token_id)
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            token_touch(token_id=found.token_id, now=now)
        return found


def auth_of(request: HttpRequest) -> TokenPrincipal:
    found = request.auth  # type: ignore[attr-defined]
    assert isinstance(found, TokenPrincipal)
    return found


def need(request: HttpRequest, resource: str, *, write: bool = False) -> TokenPrincipal:
    """The request's token, if its scopes allow this; else 403 with API_SCOPE_MISSING."""
    found = auth_of(request)
    if not found.grants(resource, write=write):
        scope = f"{resource}:{'write' if write else 'read'}"
        raise PermissionDenied(ApiError.SCOPE_MISSING, f"this token lacks the scope {scope}")
    return found


MAX_LIMIT = 100


def page(rows: list[Any], limit: int, render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    """A cursor page from `limit + 1` rows: the extra row only says there is more."""
    return {"data": [render(r) for r in rows[:limit]], "has_more": len(rows) > limit}


def json_response(status: int, schema: type[BaseModel], payload: Any) -> HttpResponse:
    body = schema.model_validate(payload).model_dump_json()
    return HttpResponse(body, status=status, content_type="application/json")


def idempotent(
    request: HttpRequest, status: int, schema: type[BaseModel], produce: Callable[[str | None], Any]
) -> HttpResponse:
    """Run a creating POST under its `Idempotency-Key` (when sent), with Stripe's meaning: a replay
    gets the first response (with `Idempotent-Replayed: true`), the same key with other parameters 422,
    a request still running 409. `produce` gets the key (or None) and returns the payload."""
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return _run(request, status, schema, produce, None)
    token = auth_of(request)
    fingerprint = domain.request_fingerprint(request.method or "POST", request.path, _content(request))
    record = idempotency_begin(
        organization_id=token.principal.organization_id,
        token_id=token.token_id,
        key=key,
        fingerprint=fingerprint,
    )
    if isinstance(record, Replay):
        replayed = HttpResponse(record.body, status=record.status_code, content_type=record.content_type)
        replayed["Idempotent-Replayed"] = "true"
        return replayed
    try:
        response = _run(request, status, schema, produce, key)
    except BaseException:
        idempotency_abandon(record=record)
        raise
    if response.status_code >= 500:
        idempotency_abandon(record=record)
    else:
        idempotency_finish(
            record=record,
            status_code=response.status_code,
            content_type=response["Content-Type"],
            body=response.content.decode(),
        )
    return response


def _content(request: HttpRequest) -> bytes:
    """What makes a request's content "the same" for its Idempotency-Key: the JSON body, or a multipart
    form's fields and each file's name and SHA-256 (a client sending one form twice may pick another
    boundary, and the raw body of a parsed form can no longer be read)."""
    if request.content_type != "multipart/form-data":
        return request.body
    fields = sorted((k, v) for k in request.POST for v in request.POST.getlist(k))
    files = []
    for name in request.FILES:
        for upload in request.FILES.getlist(name):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            files.append((name, upload.name or "", digest.hexdigest()))
    return json.dumps({"fields": fields, "files": sorted(files)}).encode()


def _run(
    request: HttpRequest,
    status: int,
    schema: type[BaseModel],
    produce: Callable[[str | None], Any],
    key: str | None,
) -> HttpResponse:
    try:
        return json_response(status, schema, produce(key))
    except ArrearsError as exc:
        return problem_of(request, exc)
