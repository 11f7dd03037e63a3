import threading

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
        import uvicorn
        from django.core.management import call_command

        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_worker"]:
            threading.Thread(target=_run_worker, args=(1.0,), name="task-worker", daemon=True).start()
        self.stderr.write(
            f"Arrears is running at http://{options['host']}:{options['port']}/  (Ctrl+C to stop)"
        )
        uvicorn.run(
            "arrears.asgi:application",
            host=options["host"],
            port=options["port"],
            workers=options["workers"],
            log_level="info",
            lifespan="off",
        )
