"""`arrears retention request|report|apply`: erasure requests and what the law lets go (docs/security.md).

- `request --debtor ID [--law gdpr|ccpa]` records a debtor's erasure request;
- `report --json` lists every open request, what would be erased today and what keeps the others;
- `apply --json` erases what the report calls erasable (tombstones: the ledger and audit chain stay valid).
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import CommandError, CommandParser

from arrears.core.clock import utcnow
from arrears.core.management.base import EXIT_USAGE, ArrearsCommand
from arrears.strategies.retention import LAWS, erasure_request_record, retention_apply, retention_report
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_list, organization_resolve


class Command(ArrearsCommand):
    help = "Retention and erasure: `request` an erasure, `report` what would go (dry run), `apply` it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        request = sub.add_parser("request", help="record a debtor's erasure request (GDPR art. 17, CCPA)")
        request.add_argument("--debtor", type=int, required=True, help="debtor id")
        request.add_argument("--law", choices=LAWS, default="gdpr")
        request.add_argument("--org", help="organization slug (optional when there is only one)")
        request.add_argument("--json", action="store_true")
        for name, text in (
            ("report", "dry run: what would be erased today, and why the rest is kept"),
            ("apply", "erase what the report calls erasable"),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("--org", help="organization slug (default: all)")
            p.add_argument("--json", action="store_true")
            if name == "report":  # what would go on a later day; `apply` only ever erases as of today
                p.add_argument("--as-of", metavar="YYYY-MM-DD", help="report as of this date (default today)")

    def handle(self, *args, **options):
        if options["action"] == "request":
            org = organization_resolve(slug=options["org"])
            request = erasure_request_record(
                debtor_id=options["debtor"], law=options["law"], actor=system_principal(org.pk, "cli")
            )
            data = {"request": request.pk, "debtor": request.debtor_id, "law": request.law}
            if options["json"]:
                self.emit_json(data)
            else:
                self.stdout.write(f"erasure request {request.pk} recorded for debtor {request.debtor_id}")
            return
        orgs = (
            [organization_resolve(slug=options["org"])]
            if options["org"]
            else list(organization_list(order_by=("slug",)))
        )
        apply = options["action"] == "apply"
        today = utcnow().date()
        if not apply and options.get("as_of"):
            try:
                today = date.fromisoformat(options["as_of"])
            except ValueError:
                raise CommandError(
                    f"--as-of: not a date: {options['as_of']!r}", returncode=EXIT_USAGE
                ) from None
        erased, kept = [], []
        for org in orgs:
            if apply:
                done = retention_apply(actor=system_principal(org.pk, "cli:retention"), today=today)
                erased += [dict(i.as_dict(), org=org.slug) for i in done]
            items = retention_report(organization_id=org.pk, today=today)
            if not apply:
                erased += [dict(i.as_dict(), org=org.slug) for i in items if i.decision.erasable]
            kept += [dict(i.as_dict(), org=org.slug) for i in items if not i.decision.erasable]
        key = "erased" if apply else "would_erase"
        if options["json"]:
            self.emit_json({key: erased, "kept": kept, "dry_run": not apply, "as_of": today.isoformat()})
            return
        verb = "erased" if apply else "would erase"
        for item in erased:
            self.stdout.write(f"{item['org']}: {verb} debtor {item['debtor']} (request {item['request']})")
        for item in kept:
            self.stdout.write(
                f"{item['org']}: keeps debtor {item['debtor']} (request {item['request']}): "
                + "; ".join(item["reasons"])
            )
        self.stdout.write(f"{len(erased)} {verb}, {len(kept)} kept")
