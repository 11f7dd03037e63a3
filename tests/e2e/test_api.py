"""`arrears api …`: tokens made and revoked from the shell, and a webhook whose retry survives a worker
killed between tries (the retry is a stored task with `run_after`, not a timer in a process)."""

from __future__ import annotations

import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from .conftest import Database, usage_error

ORG = "e2e-api"
CLIENT = "apibank"
BOOK = "account_ref,first_name,last_name,balance\nAPI-1,Ada,Byron,400.00\nAPI-2,Mary,Shelley,300.00\n"


@pytest.fixture
def book(database: Database) -> Database:
    """An organization of this module's own, with two accounts (made once per database)."""
    if database.setup.get("api-book") is None:
        database.ok(
            "org",
            "create",
            "--slug",
            ORG,
            "--name",
            "API Org",
            "--kind",
            "agency",
            "--currency",
            "USD",
            "--country",
            "US",
            "--timezone",
            "America/New_York",
        )
        database.ok("client", "create", "--org", ORG, "--code", CLIENT, "--name", "API Bank")
        path = database.var_dir / "api-book.csv"
        path.write_text(BOOK, encoding="utf-8")
        database.setup["api-book"] = database.ok(
            "import", "accounts", str(path), "--client", CLIENT, "--org", ORG
        )
    return database


def test_api_token_create_prints_the_token_once_and_revoke_stops_it(book: Database):
    # when
    made = book.ok(
        "api",
        "token",
        "create",
        "--org",
        ORG,
        "--name",
        "dialer",
        "--scopes",
        "accounts:read,compliance:write",
        "--json",
    )
    everything = book.ok(
        "api",
        "token",
        "create",
        "--org",
        ORG,
        "--client",
        CLIENT,
        "--name",
        "bank",
        "--scopes",
        "*",
        "--json",
    )
    revoked = book.ok("api", "token", "revoke", str(made.json["id"]), "--json")
    listed = book.ok("api", "token", "list", "--org", ORG, "--json")

    # then
    token = made.json["token"]
    assert set(made.json) >= {"token", "id", "scopes"} and token.startswith("arr_")
    assert made.json["scopes"] == ["accounts:read", "compliance:write"]
    assert everything.json["scopes"] == ["*"] and everything.json["client"] == CLIENT
    stored = book.query(
        "SELECT prefix, secret_hash, revoked_at FROM api_apitoken WHERE id = %s", [made.json["id"]]
    )
    [(prefix, secret_hash, revoked_at)] = stored
    assert token.startswith(f"arr_{prefix}_") and token.split("_", 2)[2] not in secret_hash
    assert revoked_at is not None and revoked.json["id"] == made.json["id"]
    assert token not in listed.stdout and {r["id"] for r in listed.json["data"]} >= {made.json["id"]}


def test_api_token_refusals_are_one_line_usage_errors(book: Database):
    scope = usage_error(
        book.run("api", "token", "create", "--org", ORG, "--name", "x", "--scopes", "accounts:delete")
    )
    missing = usage_error(book.run("api", "token", "revoke", "999999"))
    client = usage_error(
        book.run("api", "token", "create", "--org", ORG, "--client", "nope", "--name", "x", "--scopes", "*")
    )

    assert scope.startswith("error API_SCOPE_INVALID:")
    assert missing.startswith("error API_TOKEN_NOT_FOUND:")
    assert client.startswith("error CLIENT_NOT_FOUND:")


class _Receiver:
    def __init__(self, answers: list[int]) -> None:
        self.answers, self.received = answers, []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.received.append((dict(self.headers), body))
                self.send_response(outer.answers.pop(0) if outer.answers else 200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _wait(book: Database, sql: str, params: list, want: object, process, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if book.query(sql, params) and book.value(sql, params) == want:
            return
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.5)
    pytest.fail(f"{sql} {params} never became {want!r}")


def test_a_webhook_retry_survives_a_worker_killed_between_tries(book: Database):
    # given: an endpoint that fails once, and a payment
    receiver = _Receiver([500])
    hook = book.ok(
        "api",
        "webhook",
        "create",
        "--org",
        ORG,
        "--url",
        receiver.url,
        "--events",
        "payment.posted",
        "--json",
    )
    book.ok(
        "payments",
        "post",
        "--org",
        ORG,
        "--account",
        "API-1",
        "--amount",
        "10.00",
        "--method",
        "cash",
        "--idempotency-key",
        "e2e-api-hook-1",
    )
    swept = book.ok("api", "webhook", "sweep", "--json")
    attempts = "SELECT attempts FROM api_webhookdelivery WHERE endpoint_id = %s"
    status = "SELECT status FROM api_webhookdelivery WHERE endpoint_id = %s"
    endpoint = [hook.json["id"]]

    # when: a worker makes the first try, and is killed before the retry is due
    first = book.start("worker")
    try:
        _wait(book, attempts, endpoint, 1, first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
    # a minute passes (the retry's wait), with no worker running
    past = (datetime.now(UTC) - timedelta(seconds=5)).strftime("%Y-%m-%d %H:%M:%S")
    book.execute(
        "UPDATE api_webhookdelivery SET next_attempt_at = %s WHERE endpoint_id = %s", [past, hook.json["id"]]
    )
    book.execute(
        "UPDATE django_tasks_database_dbtaskresult SET run_after = %s "
        "WHERE status = 'READY' AND task_path = 'arrears.api.tasks.webhook_deliver_task'",
        [past],
    )
    second = book.start("worker")
    try:
        _wait(book, status, endpoint, "succeeded", second)
    finally:
        second.send_signal(signal.SIGTERM)
        second.communicate(timeout=30)

    # then: two tries, the second delivered, both signed with the endpoint's secret
    assert swept.json["derived"] == 1
    assert book.value(attempts, endpoint) == 2
    assert len(receiver.received) == 2
    headers, body = receiver.received[1]
    import hashlib
    import hmac

    fields = dict(p.split("=", 1) for p in headers["Arrears-Signature"].split(","))
    expected = hmac.new(
        hook.json["secret"].encode(), fields["t"].encode() + b"." + body, hashlib.sha256
    ).hexdigest()
    assert fields["v1"] == expected
    receiver.server.shutdown()
