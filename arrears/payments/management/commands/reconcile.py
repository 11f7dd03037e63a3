from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand
from arrears.payments import bank_csv, reconciliation
from arrears.payments.bankfiles import BankFileError

from ._common import account_for, actor_for, add_org, usage

FORMATS = ("auto", "camt053", "camt054", "camt052", "bai2", "ofx", "csv")


class Command(ArrearsCommand):
    help = (
        "Bank reconciliation: `import` a statement, list the `review` queue, `resolve` or `dismiss` a line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        i = sub.add_parser("import", help="read a bank statement, post clear matches, queue the rest")
        i.add_argument("path")
        i.add_argument("--format", default="auto", choices=FORMATS)
        i.add_argument("--mapping", metavar="FILE.toml", help="column mapping of a bank CSV")
        add_org(i)

        r = sub.add_parser("review", help="lines waiting for a person")
        add_org(r)

        s = sub.add_parser("resolve", help="post a line from the review queue to an account")
        s.add_argument("line_id", type=int)
        s.add_argument("--account", required=True, metavar="REF")
        s.add_argument("--client", metavar="CODE")
        add_org(s)

        d = sub.add_parser("dismiss", help="take a line off the review queue without posting it")
        d.add_argument("line_id", type=int)
        d.add_argument("--reason", required=True)
        add_org(d)

    def handle(self, *args, **options):
        org, actor = actor_for(options)
        action = options["action"]
        if action == "import":
            path = Path(options["path"])
            try:
                data = path.read_bytes()
                mapping = (
                    bank_csv.mapping_load(Path(options["mapping"]).read_text(encoding="utf-8"))
                    if options["mapping"]
                    else None
                )
            except OSError as exc:
                raise usage(f"cannot read {exc.filename}: {exc.strerror}") from None
            except BankFileError as exc:
                raise usage(f"--mapping: {exc}") from None
            summary = reconciliation.bank_file_import(
                organization=org,
                data=data,
                file_name=path.name,
                actor=actor,
                format=options["format"],
                mapping=mapping,
            )
            if options["json"]:
                self.emit_json(summary.as_dict())
            else:
                self.stdout.write(" ".join(f"{k} {v}" for k, v in summary.as_dict().items()))
        elif action == "review":
            rows = [
                {
                    "id": line.pk,
                    "booking_date": line.booking_date,
                    "amount": str(line.amount),
                    "currency": line.currency,
                    "counterparty": line.counterparty_name,
                    "references": line.references,
                    "suggestion": f"{line.match_kind}:{line.match_id}" if line.match_kind else None,
                    "account_id": line.account_id,
                    "confidence": str(line.confidence),
                    "reasons": line.reasons,
                }
                for line in reconciliation.bank_lines_for_review(actor=actor)
            ]
            if options["json"]:
                self.emit_json({"review": rows})
            else:
                for row in rows:
                    self.stdout.write(
                        f"{row['id']}: {row['booking_date']} {row['amount']} {row['currency']} "
                        f"{row['counterparty'] or ''} suggestion {row['suggestion']} ({row['confidence']})"
                    )
        elif action == "resolve":
            line = reconciliation.bank_line_resolve(
                line_id=options["line_id"], account=account_for(actor, options), actor=actor
            )
            self._done(line, options)
        elif action == "dismiss":
            line = reconciliation.bank_line_dismiss(
                line_id=options["line_id"], reason=options["reason"], actor=actor
            )
            self._done(line, options)

    def _done(self, line, options) -> None:
        data = {"id": line.pk, "state": line.state, "payment": line.payment_id, "account_id": line.account_id}
        if options["json"]:
            self.emit_json(data)
        else:
            self.stdout.write(f"bank line {line.pk}: {line.state}")
