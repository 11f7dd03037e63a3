"""REST API v1: `/api/v1/`, its OpenAPI 3.1 document at `/api/v1/openapi.json`, docs at `/api/v1/docs`
(Swagger UI served from django-ninja's own static files, no CDN)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from arrears.core.errors import ArrearsError

from ..errors import ApiError
from . import contact, debtors, documents, imports
from .conventions import PROBLEM, TITLES, RateLimited, TokenAuth, problem, problem_of
from .endpoints import router
from .holds import router as holds_router
from .money import router as money_router
from .placements import router as placements_router

log = logging.getLogger(__name__)

DESCRIPTION = """Arrears' REST API. Authenticate with `Authorization: Bearer <token>`; errors are
RFC 9457 problem details (`application/problem+json`) with a stable `code`; lists page with `limit`
(≤ 100), `starting_after` and `has_more`; creating POSTs take an `Idempotency-Key`. See docs/api.md."""

ERROR_STATUSES = (400, 401, 403, 404, 409, 422, 429)


class ArrearsAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        """Ninja's document, with every operation's errors declared as problem details."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = _PROBLEM_SCHEMA
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                statuses = ERROR_STATUSES if not path.endswith("/ping") else ()
                for status in statuses:
                    responses[str(status)] = {
                        "description": TITLES[status],
                        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
                        **({"headers": _RETRY_AFTER} if status == 429 else {}),
                    }
        return schema


_PROBLEM_SCHEMA = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details, with the stable `code` the CLI shows too.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_RETRY_AFTER = {"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}

api = ArrearsAPI(
    title="Arrears API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("/", router)
api.add_router("/", placements_router)  # accounts: place (on `router`: its path), status, recall
api.add_router("/", money_router)  # promises, plans, settlements
api.add_router("/", holds_router)  # holds and disputes
# Debtors, contact attempts and calls, messages, documents and imports (issue 20, second part).
api.add_router("/", debtors.router)
api.add_router("/", contact.router)
api.add_router("/", documents.router)
api.add_router("/", imports.router)


@api.get(
    "/ping",
    operation_id="ping",
    auth=None,
    tags=["meta"],
    summary="Is the API up?",
    response={200: dict[str, bool]},
)
def ping(request: HttpRequest) -> dict[str, bool]:
    """No token, no database: the baseline the benchmark measures the other endpoints beside."""
    return {"ok": True}


@api.exception_handler(ArrearsError)
def _arrears_error(request: HttpRequest, exc: ArrearsError) -> HttpResponse:
    return problem_of(request, exc)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: Exception) -> HttpResponse:
    has = bool(request.headers.get("Authorization"))
    code = ApiError.TOKEN_INVALID if has else ApiError.TOKEN_MISSING
    detail = "the token is unknown, revoked or expired" if has else "send `Authorization: Bearer <token>`"
    return problem(
        401, code, detail, instance=request.path, headers={"WWW-Authenticate": 'Bearer realm="arrears"'}
    )


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    return problem(
        429,
        ApiError.RATE_LIMITED,
        f"this token's rate limit is reached: retry after {exc.retry_after} s",
        instance=request.path,
        headers={"Retry-After": str(exc.retry_after)},
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors
    ]
    first: dict[str, Any] = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    where = ".".join(first["loc"][1:] or first["loc"])
    return problem(
        422,
        ApiError.VALIDATION_FAILED,
        f"{where}: {first['msg']}" if where else first["msg"],
        instance=request.path,
        errors=errors,
    )


@api.exception_handler(MultiPartParserError)
@api.exception_handler(SuspiciousOperation)
def _unreadable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A multipart body that cannot be parsed, or past Django's limits on fields and files: the client's
    fault, a 400, never a 500."""
    return problem(
        400, ApiError.BODY_UNREADABLE, f"the request body cannot be read: {exc}"[:300], instance=request.path
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return problem(404, ApiError.NOT_FOUND, "not found", instance=request.path)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = {405: ApiError.METHOD_NOT_ALLOWED, 404: ApiError.NOT_FOUND}.get(
        exc.status_code, ApiError.VALIDATION_FAILED
    )
    return problem(exc.status_code, code, str(exc), instance=request.path)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    log.exception("API request %s %s failed", request.method, request.path)
    return problem(500, ApiError.INTERNAL, "an unexpected error; it has been logged", instance=request.path)
