import os

from django.apps import AppConfig


class StrategiesConfig(AppConfig):
    """Work that spans the apps before it: the nightly run, the scheduler, strategies and
    champion/challenger."""

    name = "arrears.strategies"
    label = "strategies"

    def ready(self) -> None:
        from arrears.core.workers import on_worker_start

        from .scheduler import scheduler_thread_start

        def start(worker_id: str) -> None:
            # ARREARS_SCHEDULER=0 runs a worker without the scheduler (a test, or a dedicated pool).
            if os.environ.get("ARREARS_SCHEDULER", "1") != "0":
                scheduler_thread_start(worker=worker_id)

        on_worker_start(start)
