"""Friendly 403, 404 and 500 pages; the debug pages only when a developer asks (ARREARS_DEBUG=1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import path

from arrears.tenancy.choices import Role

ROOT = Path(__file__).resolve().parents[3]


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom)]


@pytest.mark.django_db
def test_an_unknown_page_is_a_friendly_404(org, make_user):
    browser = Client()
    browser.force_login(make_user(org, Role.COLLECTOR))

    answer = browser.get("/no/such/page/")

    assert answer.status_code == 404
    assert "We could not find that page" in answer.content.decode()
    assert "Skip to content" in answer.content.decode()


@pytest.mark.django_db
def test_a_forbidden_page_says_so_in_words(org, make_user):
    browser = Client()
    browser.force_login(make_user(org, Role.COLLECTOR))

    answer = browser.get("/manage/")

    assert answer.status_code == 403
    assert "Your role does not allow this" in answer.content.decode()


@pytest.mark.django_db
def test_a_bug_is_a_friendly_500_without_a_traceback(settings):
    settings.ROOT_URLCONF = __name__
    browser = Client(raise_request_exception=False)

    answer = browser.get("/boom/")

    assert answer.status_code == 500
    text = answer.content.decode()
    assert "Something went wrong on our side" in text
    assert "RuntimeError" not in text and "Traceback" not in text


def _debug_setting(**env: str) -> str:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"DEBUG", "ARREARS_DEBUG", "DJANGO_SETTINGS_MODULE"}
    }
    done = subprocess.run(  # noqa: S603 - our own settings, fixed arguments
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "arrears.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout.strip()


def test_debug_pages_only_when_a_developer_asks():
    assert _debug_setting() == "False"
    assert _debug_setting(DEBUG="1") == "False"
    assert _debug_setting(ARREARS_DEBUG="1") == "True"
