"""The CLI contract of `arrears nightly … --json`, and the nightly runs' admin page."""

import json
from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from arrears.core.management.base import EXIT_USAGE

D = Decimal


@pytest.fixture
def run(capsys):
    """Run a command; `--json` output goes to the process's stdout (DESIGN: CLI contract)."""

    def run(*args):
        capsys.readouterr()
        call_command(*args, stderr=StringIO())
        return json.loads(capsys.readouterr().out)

    return run


def test_nightly_is_idempotent(run, make_account):
    # given
    make_account(principal=D("3650.00"), interest_rate=D("10"), itemization_date=date(2026, 1, 1))

    # when
    first = run("nightly", "--date", "2026-01-11", "--json")
    second = run("nightly", "--date", "2026-01-11", "--json")

    # then
    assert first["runs"][0]["counts"]["interest_postings"] == 1
    assert second["runs"][0]["counts"]["interest_postings"] == 0
    assert (first["runs"][0]["status"], first["runs"][0]["date"]) == ("completed", "2026-01-11")
    assert first["runs"][0]["errors"] == [] and first["runs"][0]["finished_at"].endswith("Z")


def test_a_bad_date_is_a_usage_error(org):
    with pytest.raises(CommandError) as error:
        call_command("nightly", "--date", "2026-13-01", stderr=StringIO())

    assert error.value.returncode == EXIT_USAGE
    assert "--date: not a date (YYYY-MM-DD)" in str(error.value)


def test_the_nightly_runs_list_in_the_admin(client, org, make_user, run):
    # given
    run("nightly", "--date", "2026-01-11", "--json")
    user = make_user(org, "admin", username="nightly-admin")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.force_login(user)

    # when
    page = client.get(reverse("admin:strategies_nightlyrun_changelist"))

    # then
    assert page.status_code == 200 and "2026" in page.content.decode()
