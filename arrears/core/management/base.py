"""Shared shape of `arrears` commands: exit codes, `--json` on stdout, messages on stderr.

Exit codes (DESIGN contract): 0 success, 1 the input had rejected records, 2 usage error or unreadable input.

A command that fails with an `ArrearsError` shows its stable code, the same one the API puts in its
problem details (docs/engineering-notes.md, "Error codes"):

- stderr: one line, `error CODE: message`;
- stdout, with `--json`: `{"error": {"code": CODE, "message": message, …details}}`, unless the command
  already printed its JSON document (which then carries the same `error` object itself);
- exit code: `error_exit` (2 unless the command says otherwise).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from arrears.core.errors import ArrearsError

EXIT_OK = 0
EXIT_REJECTED = 1
EXIT_USAGE = 2


def error_line(exc: ArrearsError) -> str:
    """The one line a command prints on stderr when it fails with an `ArrearsError`."""
    return f"error {exc.code}: {exc.message}"


class ArrearsCommand(BaseCommand):
    """A command whose `ArrearsError`s become a one-line message with the stable code, and an exit code."""

    # Exit code for an ArrearsError raised by a service (a refused request, not a crash).
    error_exit = EXIT_USAGE
    # Run as `arrears …` (not `call_command`): failures are printed, and the process exits.
    from_command_line = False

    def run_from_argv(self, argv: list[str]) -> None:
        self.from_command_line = True
        super().run_from_argv(argv)

    def execute(self, *args: Any, **options: Any) -> str | None:
        self._emitted_json = False
        try:
            return super().execute(*args, **options)
        except ArrearsError as exc:
            if options.get("json") and not self._emitted_json:
                self.emit_json({"error": exc.as_dict()})
            if self.from_command_line and not options.get("traceback"):
                # Django would print `CommandError: …`; the contract is `error CODE: message`.
                self.stderr.write(error_line(exc))
                sys.exit(self.error_exit)
            # Called in-process (call_command): the caller gets the code in the message and the cause.
            raise CommandError(f"{exc.code}: {exc.message}", returncode=self.error_exit) from exc

    def emit_json(self, data: Any) -> None:
        """Write the command's one JSON document on stdout."""
        self._emitted_json = True
        sys.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, indent=2) + "\n")
        sys.stdout.flush()

    def info(self, message: str) -> None:
        """Progress and logs go to stderr, so stdout stays machine-readable."""
        self.stderr.write(message)
