"""`arrears portal link` as a subprocess, and the link opened on `arrears serve`: the one-time-code step
(200), a tampered link refused with a page that offers normal verification (4xx), and the verification
form at /portal/<org>/ (200)."""

from __future__ import annotations

import signal
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from .conftest import CLIENT, ORG, Database
from .test_processes import _free_port, _stop, _wait_listening


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (a local http URL we built)
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_portal_link_opens_the_code_step_and_a_tampered_one_is_refused(database: Database):
    # given: a signed link for an imported account, without naming the organization
    link = database.ok("portal", "link", "--account", "A-1", "--client", CLIENT, "--json").json
    path = urlsplit(link["url"]).path
    token = path.rstrip("/").rsplit("/", 1)[1]
    tampered = path.replace(token, token[:-3] + ("xyz" if not token.endswith("xyz") else "abc"))
    port = _free_port()

    # when
    process = database.start("serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port))
    try:
        _wait_listening(process, port)
        opened = _get(f"http://127.0.0.1:{port}{path}")
        refused = _get(f"http://127.0.0.1:{port}{tampered}")
        start = _get(f"http://127.0.0.1:{port}/portal/{ORG}/")
    finally:
        code, output = _stop(process, signal.SIGINT) if process.poll() is None else (process.returncode, "")

    # then
    assert set(link) == {"url"} and path.startswith(f"/portal/{ORG}/l/")
    assert opened[0] == 200 and "one-time code" in opened[1] and 'name="reference"' not in opened[1]
    assert 400 <= refused[0] < 500 and "not valid" in refused[1] and f'href="/portal/{ORG}/"' in refused[1]
    assert start[0] == 200 and 'name="reference"' in start[1]
    assert code == 0, output


def test_portal_link_for_an_unknown_account_is_a_usage_error(database: Database):
    result = database.run("portal", "link", "--account", "NO-SUCH-REF", "--org", ORG, "--json")

    assert result.returncode == 2
    assert result.json["error"]["code"] == "ACCOUNT_NOT_FOUND"
    assert result.stderr.strip().startswith("error ACCOUNT_NOT_FOUND:")
