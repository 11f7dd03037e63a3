"""Responses that show personal data must not stay in a browser's or a proxy's cache."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response a view makes (static files, served by WhiteNoise
    before this middleware, keep their long cache). Pages for signed-in staff, the debtor portal and
    every download may show personal data, so the rule has no exception a new view could forget; a
    view that knows its response is public sets its own Cache-Control and is left alone."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private; Expires
        return response
