"""The rate limit with a shared Redis cache (`ARREARS_CACHE_URL`): counted across web processes, and a
cache that does not answer never turns requests away."""

from __future__ import annotations

import socket
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from arrears.api.v1 import conventions
from arrears.api.v1.conventions import RateLimited, rate_check

REDIS = "redis://127.0.0.1:6379/15"


def _redis_answers() -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex(("127.0.0.1", 6379)) == 0


def _cache(location: str) -> RedisCache:
    """A cache as one web process builds it from the settings (each process its own client)."""
    return RedisCache(location, {"KEY_PREFIX": f"test-{uuid.uuid4().hex}", "OPTIONS": {"socket_timeout": 1}})


@pytest.mark.skipif(not _redis_answers(), reason="no Redis at 127.0.0.1:6379")
def test_two_processes_sharing_redis_share_one_count(settings, monkeypatch):
    # given: a limit of 3 a minute, and two processes' caches on one Redis
    settings.API_RATE_LIMIT = "3/60"
    first = _cache(REDIS)
    second = RedisCache(REDIS, {"KEY_PREFIX": first.key_prefix, "OPTIONS": {}})

    # when: two requests in one process, one in the other, then a fourth
    monkeypatch.setattr(conventions, "cache", first)
    rate_check(41)
    rate_check(41)
    monkeypatch.setattr(conventions, "cache", second)
    rate_check(41)

    # then: the fourth is over the limit whichever process counts it
    with pytest.raises(RateLimited) as refused:
        rate_check(41)
    assert 1 <= refused.value.retry_after <= 60
    first.clear()


def test_a_cache_that_does_not_answer_lets_requests_through(settings, monkeypatch, caplog):
    # given: a Redis URL nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.API_RATE_LIMIT = "1/60"
    monkeypatch.setattr(conventions, "cache", _cache(f"redis://127.0.0.1:{port}/0"))

    # when: more requests than the limit
    for _ in range(3):
        rate_check(42)

    # then: none refused, and the operator is told why
    assert "rate limit not counted" in caplog.text


def test_a_cache_url_that_is_not_redis_stops_startup_with_one_line():
    import os
    import subprocess
    import sys

    # when
    done = subprocess.run(  # noqa: S603 (our own command)
        [sys.executable, "-m", "arrears.cli", "check"],
        env={**os.environ, "ARREARS_CACHE_URL": "memcached://127.0.0.1:11211"},
        capture_output=True,
        text=True,
        check=False,
    )

    # then
    assert done.returncode != 0
    assert "ARREARS_CACHE_URL must be a Redis URL" in done.stderr
