from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError, CommandParser

from arrears.core.management.base import EXIT_REJECTED, ArrearsCommand
from arrears.payments import ach

from ._common import actor_for, add_org, parse_date, usage


class Command(ArrearsCommand):
    help = "ACH debits: `export` the installments due on a date, process `returns`, set the `originator`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        e = sub.add_parser("export", help="write the NACHA file of the debits due that day")
        e.add_argument("--date", required=True, help="effective date, YYYY-MM-DD")
        e.add_argument("--out", required=True, metavar="FILE.ach")
        add_org(e)

        r = sub.add_parser("returns", help="reverse the payments of returned entries")
        r.add_argument("path")
        add_org(r)

        o = sub.add_parser("originator", help="the ODFI and company written on every file")
        o.add_argument("--odfi-routing", required=True)
        o.add_argument("--company-name", required=True)
        o.add_argument("--company-id", required=True)
        o.add_argument("--destination-name", required=True)
        o.add_argument("--origin-name", required=True)
        o.add_argument("--entry-description", default="INSTALLMNT")
        add_org(o)

    def handle(self, *args, **options):
        org, actor = actor_for(options)
        action = options["action"]
        if action == "export":
            on = parse_date(options["date"], "--date")
            ach_file = ach.ach_export(organization=org, on=on, actor=actor)
            data = {"file": None, "entries": 0, "total": "0.00", "entry_hash": None, "out": None}
            if ach_file is not None:
                try:
                    Path(options["out"]).write_text(ach_file.content, encoding="ascii")
                except OSError as exc:
                    raise usage(f"cannot write {exc.filename}: {exc.strerror}") from None
                data = {
                    "file": ach_file.pk,
                    "entries": ach_file.entry_count,
                    "total": f"{ach_file.total_cents / 100:.2f}",
                    "entry_hash": ach_file.entry_hash,
                    "out": options["out"],
                }
            if options["json"]:
                self.emit_json(data)
            elif ach_file is None:
                self.stderr.write(f"no ACH debits due on {on}: nothing written")
            else:
                self.stdout.write(f"{data['entries']} debits, {data['total']} USD, written to {data['out']}")
        elif action == "returns":
            try:
                raw = Path(options["path"]).read_bytes()
            except OSError as exc:
                raise usage(f"cannot read {exc.filename}: {exc.strerror}") from None
            summary = ach.ach_returns_process(organization=org, data=raw, actor=actor)
            data = {
                "returns": summary.returns,
                "reversed": summary.reversed,
                "already": summary.already,
                "unmatched": summary.unmatched,
                "codes": summary.codes,
            }
            if options["json"]:
                self.emit_json(data)
            else:
                self.stdout.write(
                    f"{summary.returns} returns: {summary.reversed} reversed, {summary.already} already, "
                    f"{len(summary.unmatched)} unmatched"
                )
            if summary.unmatched:
                raise CommandError(
                    f"returns for unknown entries: {', '.join(summary.unmatched)}", returncode=EXIT_REJECTED
                )
        elif action == "originator":
            originator = ach.ach_originator_set(
                organization_id=org.pk,
                odfi_routing=options["odfi_routing"],
                company_name=options["company_name"],
                company_id=options["company_id"],
                destination_name=options["destination_name"],
                origin_name=options["origin_name"],
                entry_description=options["entry_description"],
                actor=actor,
            )
            if options["json"]:
                self.emit_json({"odfi_routing": originator.odfi_routing, "company_id": originator.company_id})
            else:
                self.stdout.write(str(originator))
