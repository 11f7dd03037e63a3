from django.core.management.base import CommandParser

from arrears.core.management.base import EXIT_REJECTED, ArrearsCommand
from arrears.ledger.selectors import ledger_cache_mismatches


class Command(ArrearsCommand):
    help = "Ledger tools: `arrears ledger check` proves every cached balance equals the sum of its entries."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("check", help="Compare cached balances with the ledger").add_argument(
            "--json", action="store_true"
        )

    def handle(self, *args, **options):
        rows = [
            {
                "account_id": m.account_id,
                "reference": m.reference,
                "bucket": m.bucket,
                "cached": m.cached,
                "ledger": m.ledger,
            }
            for m in ledger_cache_mismatches()
        ]
        if options["json"]:
            self.emit_json({"ok": not rows, "mismatches": rows})
        else:
            for r in rows:
                self.stdout.write(
                    f"{r['reference']} {r['bucket']}: cached {r['cached']} != ledger {r['ledger']}"
                )
            summary = (
                f"{len(rows)} mismatches" if rows else "ledger OK: every cached balance equals its entries"
            )
            self.stdout.write(summary)
        if rows:
            raise SystemExit(EXIT_REJECTED)
