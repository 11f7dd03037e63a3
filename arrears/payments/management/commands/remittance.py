from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand
from arrears.payments import remittance
from arrears.tenancy.selectors import client_get

from ._common import actor_for, add_org, usage


class Command(ArrearsCommand):
    help = "Write a client's remittance statement for a month (PDF and CSV), checked against the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--client", required=True, metavar="CODE")
        parser.add_argument("--period", required=True, metavar="YYYY-MM")
        parser.add_argument("--out", required=True, metavar="DIR")
        add_org(parser)

    def handle(self, *args, **options):
        org, actor = actor_for(options)
        client = client_get(organization=org, code=options["client"])
        result = remittance.remittance_issue(client=client, period=options["period"], actor=actor)
        out = Path(options["out"])
        stem = f"remittance-{client.code}-{options['period']}"
        try:
            out.mkdir(parents=True, exist_ok=True)
            (out / f"{stem}.csv").write_text(remittance.remittance_csv(result), encoding="utf-8")
            (out / f"{stem}.pdf").write_bytes(remittance.remittance_pdf(result))
        except OSError as exc:
            raise usage(f"cannot write {exc.filename}: {exc.strerror}") from None
        data = {
            "client": client.code,
            "period": options["period"],
            "mode": result.mode,
            "lines": len(result.lines),
            "totals": {
                c: {
                    "collections": str(t.collections),
                    "fees": str(t.fees),
                    "due_to_client": str(t.due_to_client),
                    "invoiced": str(t.invoiced),
                }
                for c, t in result.totals.items()
            },
            "ledger": {c: str(v) for c, v in result.ledger.items()},
            "csv": str(out / f"{stem}.csv"),
            "pdf": str(out / f"{stem}.pdf"),
        }
        if options["json"]:
            self.emit_json(data)
        else:
            for c, t in data["totals"].items():
                self.stdout.write(
                    f"{c}: collections {t['collections']}, fees {t['fees']}, "
                    f"due to client {t['due_to_client']}"
                )
            self.stdout.write(f"written {data['pdf']} and {data['csv']}")
