"""Sign-in: failed attempts are logged and locked out (django-axes); sessions expire when idle."""

import logging

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog

PASSWORD = "pw-for-tests-1"


def _try(client, username, password):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR="203.0.113.7")


def test_every_failure_is_logged_and_the_fifth_locks_the_pair_out(client, org, make_user, settings, caplog):
    # given a user and a limit of 5
    settings.AXES_FAILURE_LIMIT = 5
    user = make_user(org, role="manager")

    # when a guesser fails five times
    with caplog.at_level(logging.WARNING, logger="axes"):
        answers = [_try(client, user.username, f"guess-{n}").status_code for n in range(5)]

    # then each failure was stored and logged, and now even the right password is refused
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert answers[4] == 429
    assert AccessFailureLog.objects.filter(username=user.username).count() == 5
    assert sum("login failure" in r.getMessage().lower() for r in caplog.records) >= 4
    assert _try(client, user.username, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_username_and_address(client, org, make_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = make_user(org, role="manager")
    for n in range(3):
        _try(client, user.username, f"guess-{n}")

    # the same user from another address still signs in
    other = client.post(
        "/login/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="198.51.100.9"
    )

    assert other.status_code == 302


def test_the_lockout_ends_after_the_cooloff(client, org, make_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = make_user(org, role="manager")
    for n in range(2):
        _try(client, user.username, f"guess-{n}")
    assert AccessAttempt.objects.filter(username=user.username).exists()

    from datetime import UTC, datetime

    with time_machine.travel(datetime.now(UTC) + settings.AXES_COOLOFF_TIME):
        assert _try(client, user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("idle_minutes", [30])
def test_a_session_expires_after_the_idle_time_and_activity_extends_it(
    client, org, make_user, settings, idle_minutes
):
    from datetime import UTC, datetime, timedelta

    assert idle_minutes * 60 == settings.SESSION_COOKIE_AGE and settings.SESSION_SAVE_EVERY_REQUEST
    user = make_user(org, role="manager")
    start = datetime(2026, 12, 7, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        assert _try(client, user.username, PASSWORD).status_code == 302
    with time_machine.travel(start + timedelta(minutes=idle_minutes - 1), tick=False):
        assert client.get("/").status_code in (200, 302) and "_auth_user_id" in client.session  # active
    with time_machine.travel(start + timedelta(minutes=2 * idle_minutes - 2), tick=False):
        assert "_auth_user_id" in client.session  # still within idle time of the last request

    with time_machine.travel(start + timedelta(minutes=3 * idle_minutes), tick=False):
        response = client.get("/")

    assert response.status_code == 302 and "/login/" in response["Location"]
