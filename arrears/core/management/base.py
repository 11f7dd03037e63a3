"""Shared shape of `arrears` commands: exit codes, `--json` on stdout, messages on stderr.

Exit codes (DESIGN contract): 0 success, 1 the input had rejected records, 2 usage error or unreadable input.
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


class ArrearsCommand(BaseCommand):
    """A command whose `ArrearsError`s become a one-line message with the stable code, and an exit code."""

    # Exit code for an ArrearsError raised by a service (a refused request, not a crash).
    error_exit = EXIT_USAGE

    def execute(self, *args: Any, **options: Any) -> str | None:
        try:
            return super().execute(*args, **options)
        except ArrearsError as exc:
            if options.get("json"):
                self.emit_json({"error": exc.as_dict()})
            raise CommandError(f"{exc.code}: {exc.message}", returncode=self.error_exit) from exc

    def emit_json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, cls=DjangoJSONEncoder, indent=2) + "\n")
        sys.stdout.flush()

    def info(self, message: str) -> None:
        """Progress and logs go to stderr, so stdout stays machine-readable."""
        self.stderr.write(message)
