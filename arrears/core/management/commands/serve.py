import contextlib
import socket
import threading
from collections.abc import Callable

import uvicorn
from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string


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
    help = "Serve the app (uvicorn) with an in-process task worker, for the embedded single-machine mode."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=1, help="web worker processes")
        parser.add_argument(
            "--no-worker", action="store_true", help="do not start the in-process task worker"
        )

    def handle(self, *args, **options):
        from django.core.management import call_command
        from uvicorn.supervisors import Multiprocess

        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_worker"]:
            threading.Thread(target=_run_worker, args=(1.0,), name="task-worker", daemon=True).start()
        url = f"http://{options['host']}:{options['port']}/"
        announce = f"Arrears is running at {url}  (Ctrl+C to stop)"
        config = uvicorn.Config(
            "arrears.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="info",
            lifespan="off",
        )
        if config.workers > 1:
            # The app and the settings are checked before binding, on a copy: the workers are spawned
            # with the config pickled, which a loaded app cannot be.
            uvicorn.Config(config.app, **{k: getattr(config, k) for k in ("host", "port")}).load()
            sock = listening_socket(config)  # listening from here on: the workers accept on this socket
            self.stderr.write(announce)
            with contextlib.suppress(KeyboardInterrupt):
                Multiprocess(config, sockets=[sock]).run()
            return
        # One process: the URL is printed once the server listens (a port in use fails before it).
        server = _AnnouncingServer(config, announce=lambda: self.stderr.write(announce))
        with contextlib.suppress(KeyboardInterrupt):
            server.run()
        if not server.started:
            raise SystemExit(3)  # uvicorn's STARTUP_FAILURE: the port is taken, or the app failed to load


def listening_socket(config: uvicorn.Config) -> socket.socket:
    """The socket the web processes share, with TCP_NODELAY, which the connections it accepts inherit.

    uvicorn binds it with protocol 0, so asyncio's transports do not set TCP_NODELAY on the accepted
    connections (they set it only where ``sock.proto == IPPROTO_TCP``), and uvicorn writes a response's
    head and body in two writes: with Nagle on, the body waits for the client's delayed ACK, and every
    request after the first on a keep-alive connection took 40 ms longer (measured: 44 ms for a 2 ms
    ping with ``--workers 2``, 2 ms with one process, whose socket asyncio creates itself)."""
    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


class _AnnouncingServer(uvicorn.Server):
    """uvicorn's server, saying where it listens only once its socket is bound and serving."""

    def __init__(self, config: uvicorn.Config, *, announce: Callable[[], None]) -> None:
        super().__init__(config)
        self._announce = announce

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            self._announce()
