import errno
import http.client
import multiprocessing
import os
import socket
import threading
import time
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

# How long a web thread's database connection is kept between requests (settings.py reads it).
PERSISTENT_CONNECTIONS = "600"


def _run_worker(interval: float) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    from arrears.core.workers import worker_started

    worker_id = f"inproc-{get_random_string(8)}"
    worker_started(worker_id)  # the scheduler ticks in the embedded worker too
    Worker(
        queue_names=["*"],
        interval=interval,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


class Command(BaseCommand):
    help = (
        "Serve the app (Granian, WSGI) with an in-process task worker, for the embedded single-machine "
        "mode; --workers N web processes of --threads threads each."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="web worker processes")
        parser.add_argument(
            "--threads",
            type=int,
            default=None,
            help="requests each web process runs at once (default: 4 with one process, else 1)",
        )
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the in-process task worker"
        )

    def handle(self, *args, **options):
        from django.core.management import call_command
        from granian.constants import Interfaces
        from granian.log import LogLevels
        from granian.server import Server

        host, port = options["host"], options["port"]
        workers = max(1, options["workers"])
        threads = max(1, options["threads"] or default_threads(workers))
        if problem := port_problem(host, port):
            self.stderr.write(f"Cannot listen on {host}:{port}: {problem}")
            raise SystemExit(3)
        call_command("collectstatic", interactive=False, verbosity=0)
        # A web thread keeps its database connection between requests (checked before reuse) unless the
        # operator chose otherwise (CONN_MAX_AGE, or ARREARS_DB_POOL for a pool per process); the web
        # processes are spawned, not forked, so they read this environment and share no connection or
        # thread (the task worker's) with this one.
        os.environ.setdefault("CONN_MAX_AGE", PERSISTENT_CONNECTIONS)
        multiprocessing.set_start_method("spawn", force=True)
        if not options["no_worker"]:
            threading.Thread(target=_run_worker, args=(1.0,), name="task-worker", daemon=True).start()
        announce = f"Arrears is running at http://{host}:{port}/  (Ctrl+C to stop)"
        server = Server(
            "arrears.wsgi:application",
            address=host,
            port=port,
            interface=Interfaces.WSGI,
            workers=workers,
            blocking_threads=threads,
            blocking_threads_idle_timeout=600,
            respawn_failed_workers=True,
            log_level=LogLevels.warning,
            log_access=False,
        )
        threading.Thread(
            target=_announce_when_answering,
            args=(host, port, lambda: self.stderr.write(announce)),
            name="announce",
            daemon=True,
        ).start()
        server.serve()


def default_threads(workers: int) -> int:
    """Threads per web process when the operator does not say. One process gets four, so that one slow
    request (a letter's PDF, a large export) does not hold up everyone else. Several get one each: under
    the GIL, threads that wait on the database queue behind a busy one (up to 5 ms at each hand-over),
    and at 200 account reads a second on two cores p99 was 42 ms with one thread per process, 82 ms
    with two and over a second with four (docs/benchmarks.md, "REST API")."""
    return 4 if workers == 1 else 1


def port_problem(host: str, port: int) -> str:
    """Why the server could not listen on host:port ('' when it can): Granian's own bind failure is a
    Rust panic with a backtrace, so the address is tried first, the way Granian binds it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return "address already in use"
            return exc.strerror or str(exc)
    return ""


def _announce_when_answering(
    host: str, port: int, announce: Callable[[], None], timeout: float = 300
) -> None:
    """Say where the app is once a web process answers there (the processes load the app after the
    socket is bound, so an open port is not yet an answering app)."""
    target = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host)  # noqa: S104  # nosec B104 (a wildcard bind is reached on loopback)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        conn = http.client.HTTPConnection(target, port, timeout=5)
        try:
            conn.request("GET", "/api/v1/ping")
            conn.getresponse()  # any answer: the app is loaded (ALLOWED_HOSTS may refuse this Host)
            announce()
            return
        except OSError:
            pass
        finally:
            conn.close()
        time.sleep(0.1)
