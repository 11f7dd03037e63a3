"""Times on staff pages show in the organization's time zone: the zone is activated per request for a
logged-in member, so templates' ``date`` filters and forms' date-times use it."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from arrears.tenancy.selectors import organization_get, principal_for_user

SESSION_KEY = "arrears_time_zone"


def _zone_of(request: HttpRequest) -> str | None:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    organization_id = request.session.get("organization_id")
    cached = request.session.get(SESSION_KEY)
    if cached and cached[0] == organization_id:  # (organization id, zone), read once per session
        return str(cached[1])
    principal = principal_for_user(user=user, organization_id=organization_id)
    if principal is None:
        return None
    zone = organization_get(organization_id=principal.organization_id).timezone
    request.session[SESSION_KEY] = (organization_id, zone)
    return zone


def remember_zone_at_login(sender, request: HttpRequest | None, user, **kwargs) -> None:
    """Read the zone when the user logs in (user_logged_in), so no page pays for it: the first page of a
    session costs the same queries as every other."""
    if request is None or not hasattr(request, "session"):
        return
    request.user = user
    _zone_of(request)


class OrganizationTimeZoneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        name = _zone_of(request)
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class MfaEnrolmentMiddleware:
    """A member whose organization requires a second factor, and who has none yet, sees only the
    enrolment pages (and may sign out) until they add one (docs/security.md). Decided at sign-in
    (signin.flag_mfa_enrolment), so pages pay no query for it."""

    OPEN = ("/auth/", "/login/", "/logout/", "/static/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .signin import MFA_ENROL_KEY

        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.session.get(MFA_ENROL_KEY)
            and not request.path.startswith(self.OPEN)
        ):
            target = reverse("mfa_index")
            if getattr(request, "htmx", False):
                return HttpResponse(status=204, headers={"HX-Redirect": target})
            messages.warning(request, "Your organization requires a second factor: set one up to continue.")
            return redirect(target)
        return self.get_response(request)
