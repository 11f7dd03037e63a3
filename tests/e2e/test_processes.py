"""The long-running commands: `arrears serve` answers, `arrears worker` claims a task; both stop cleanly."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from .conftest import Database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(process: subprocess.Popen[str], port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"exited {process.returncode} before listening:\n{process.stdout.read()}")  # type: ignore[union-attr]
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    pytest.fail(f"not listening on {port} after {timeout} s")


def _stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> tuple[int, str]:
    """Ask the process to stop; it must exit on its own within the timeout, not be killed."""
    process.send_signal(sig)
    try:
        output, _ = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        pytest.fail(f"did not stop within 30 s of {signal.Signals(sig).name}:\n{output}")
    return process.returncode, output


def _interrupt(process: subprocess.Popen[str]) -> None:
    """Ctrl+C, and wait for the exit (killed after 30 s), when a reading thread owns the output."""
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (a local http URL we built)
        return int(response.status)


@pytest.mark.parametrize(
    "args",
    [("serve", "--no-worker"), ("serve", "--no-worker", "--workers", "2"), ("demo",)],
    ids=["serve-no-worker", "serve-two-web-processes", "demo-serves-with-a-worker"],
)
def test_the_app_answers_then_stops_on_sigint(database: Database, args):
    # given
    port = _free_port()

    # when
    process = (
        database.start(*args, "--host", "127.0.0.1", "--port", str(port))
        if args[0] == "serve"
        else (database.start(*args, "--port", str(port)))
    )
    try:
        _wait_listening(process, port)
        status = _get(f"http://127.0.0.1:{port}/login/")
    finally:
        code, output = _stop(process, signal.SIGINT) if process.poll() is None else (process.returncode, "")

    # then
    assert status == 200
    assert code == 0, output
    assert "Traceback" not in output, output


ENQUEUE = (
    "from arrears.debtors.tasks import contact_points_locate_task as t; "
    "print(t.enqueue(organization_id=None).id)"
)


def test_worker_claims_a_task_then_stops_on_sigterm(database: Database):
    # given: a task waiting in the database queue
    task_id = database.ok("shell", "-c", ENQUEUE).stdout.strip().splitlines()[-1]
    if database.vendor == "sqlite":
        task_id = task_id.replace("-", "")  # Django keeps a UUID as 32 hex digits on SQLite
    status = "SELECT status FROM django_tasks_database_dbtaskresult WHERE id = %s"
    assert database.value(status, [task_id]) == "READY"

    # when
    process = database.start("worker")
    try:
        deadline = time.monotonic() + 120
        while database.value(status, [task_id]) != "SUCCESSFUL" and time.monotonic() < deadline:
            assert process.poll() is None, process.stdout.read()  # type: ignore[union-attr]
            time.sleep(0.5)
        claimed = database.value(status, [task_id])
    finally:
        code, output = _stop(process) if process.poll() is None else (process.returncode, "")

    # then
    assert claimed == "SUCCESSFUL", output
    assert code == 0, output
    assert "Traceback" not in output, output


def _read_until(process: subprocess.Popen[str], marker: str, timeout: float = 120) -> str:
    """What the process printed up to and including the first line holding `marker` (read by a thread:
    a select on the pipe would miss lines already in the reader's buffer)."""
    import queue
    import threading

    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.put(line)
        lines.put("")

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    pytest.fail(f"{marker!r} not printed within {timeout} s:\n{''.join(seen)}")


def test_serve_prints_its_url_only_once_it_listens(database: Database):
    # given
    port = _free_port()

    # when
    process = database.start("serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port))
    try:
        printed = _read_until(process, "Arrears is running at")
        # then: at the moment the URL is printed, the port already accepts connections
        with socket.socket() as s:
            accepting = s.connect_ex(("127.0.0.1", port)) == 0
        status = _get(f"http://127.0.0.1:{port}/login/")
    finally:
        _interrupt(process)  # the reading thread drains the output until it exits

    assert f"http://127.0.0.1:{port}/" in printed
    assert accepting and status == 200


def test_serve_on_a_port_in_use_prints_no_url(database: Database):
    # given: something else listens on the port
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        # when
        process = database.start("serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port))
        output, _ = process.communicate(timeout=120)

    # then
    assert process.returncode != 0
    assert "Arrears is running at" not in output
    assert "address already in use" in output.lower()


def test_two_web_processes_answer_keep_alive_requests_without_a_delayed_ack(database: Database):
    """With Nagle's algorithm on the connections, a response written in two parts waits for the
    client's delayed ACK: 40 ms on Linux, on every request after the first (a ping takes a few ms)."""
    import http.client

    # given
    port = _free_port()
    process = database.start(
        "serve", "--no-worker", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)
    )
    try:
        _read_until(process, "Arrears is running at")

        # when: requests one after the other on one keep-alive connection
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        took = []
        for _ in range(8):
            start = time.perf_counter()
            conn.request("GET", "/api/v1/ping")
            response = conn.getresponse()
            response.read()
            took.append(time.perf_counter() - start)
            assert response.status == 200
        conn.close()
    finally:
        _interrupt(process)

    # then: not every one of them waited 40 ms (the fastest is far below it, even on a busy machine)
    assert min(took[1:]) < 0.030, took


def test_keep_alive_connections_beyond_the_threads_are_all_answered(database: Database):
    """Idle keep-alive connections must not hold the web threads: a client pool keeps many open (with
    Granian's backpressure set to the thread count, the connections past it waited for a keep-alive to
    expire, 40 s)."""
    import http.client

    # given: one process with one thread, and more open connections than that
    port = _free_port()
    process = database.start(
        "serve", "--no-worker", "--threads", "1", "--host", "127.0.0.1", "--port", str(port)
    )
    try:
        _read_until(process, "Arrears is running at")
        conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=15) for _ in range(6)]

        # when: a request on each, one after the other, every connection kept open
        statuses = []
        for conn in conns:
            conn.request("GET", "/api/v1/ping")
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
        for conn in conns:
            conn.close()
    finally:
        _interrupt(process)

    # then: each answered (a starved connection times out instead)
    assert statuses == [200] * 6


def test_demo_prints_the_logins_as_a_table_with_headers(database: Database):
    # when: the demo exists already (the session made it), so this only prints
    again = database.ok("demo", "--seed-only")

    # then
    lines = [line.split() for line in again.stderr.splitlines() if line.startswith("  ")]
    assert lines[0][:3] == ["username", "password", "role"]
    assert set(lines[1][0]) == {"-"}
    assert {row[0] for row in lines[2:]} == {"admin", "manager", "collector", "client"}
    assert all(row[1] == "arrears-demo" for row in lines[2:])
    assert "http://" not in again.stderr  # the URL is printed by the server once it listens


def test_make_run_takes_port_and_host():
    # when: make's dry run shows the commands `make run PORT=8123` would run
    import shutil
    import subprocess as sp

    from .conftest import REPO

    make = shutil.which("make") or pytest.skip("make is not installed")
    done = sp.run(  # noqa: S603 (make, with fixed arguments)
        [make, "-n", "run", "PORT=8123", "HOST=0.0.0.0"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )

    # then
    assert "serve --host 0.0.0.0 --port 8123" in done.stdout
