"""How a staff view learns who is acting: the logged-in user's principal in their organization."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from arrears.core.errors import NotFound

from .domain import Principal
from .models import User
from .selectors import principal_for_user


def request_principal(request: HttpRequest) -> Principal:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Log in first.")
    principal = principal_for_user(user=user, organization_id=request.session.get("organization_id"))
    if principal is None:
        raise PermissionDenied("You are not a member of any organization.")
    return principal


def staff_view(permission: str = "view") -> Callable:
    """Login required, the principal resolved and checked; a NotFound from a selector becomes a 404."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            principal = request_principal(request)
            if not principal.can(permission):
                raise PermissionDenied(f"Your role may not {permission}.")
            request.principal = principal  # type: ignore[attr-defined]
            try:
                return view(request, principal, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.message) from exc

        return wrapper

    return decorator
