"""What starts with a task worker process (`arrears worker`, and the one `arrears serve` embeds).

An app above core registers a hook in its `AppConfig.ready` (the scheduler does), so core's commands
start it without importing the app.
"""

from __future__ import annotations

from collections.abc import Callable

_hooks: list[Callable[[str], object]] = []


def on_worker_start(hook: Callable[[str], object]) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def worker_started(worker_id: str) -> None:
    for hook in _hooks:
        hook(worker_id)
