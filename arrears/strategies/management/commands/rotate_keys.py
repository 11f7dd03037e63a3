"""`arrears rotate-keys [--batch N] [--json]`: re-encrypt every encrypted value under the newest key.

Put the new key first in ARREARS_FIELD_KEYS (keeping the old ones after it) and restart the app, then
run this while the app runs; once it reports ``"remaining": 0`` drop the old keys (docs/security.md).
"""

from __future__ import annotations

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_REJECTED, EXIT_USAGE, ArrearsCommand
from arrears.strategies.rotation import keys_rotate


class Command(ArrearsCommand):
    help = "Re-encrypt every encrypted value under the newest key of ARREARS_FIELD_KEYS, in batches."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=1000, help="rows per transaction (default 1000)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1", returncode=EXIT_USAGE)

        def progress(column: str, batch) -> None:
            if batch.re_encrypted:
                self.info(f"{column}: {batch.re_encrypted} re-encrypted (up to id {batch.last_id})")

        result = keys_rotate(batch=options["batch"], on_batch=progress)
        if options["json"]:
            self.emit_json({"re_encrypted": result.re_encrypted, "remaining": result.remaining})
        else:
            self.stdout.write(f"{result.re_encrypted} values re-encrypted, {result.remaining} remaining")
        if result.remaining:
            raise SystemExit(EXIT_REJECTED)
