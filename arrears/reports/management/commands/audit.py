"""`arrears audit verify`: the audit app is the floor every app writes to and imports nothing above it,
so the command that walks the organizations (tenancy) and checks each one's chain (audit) lives here,
with the other reports that read across apps."""

from __future__ import annotations

from django.core.management.base import CommandParser

from arrears.audit.selectors import audit_chain_verify
from arrears.core.management.base import EXIT_REJECTED, ArrearsCommand
from arrears.tenancy.selectors import organization_list, organization_resolve


class Command(ArrearsCommand):
    help = "Audit log tools: `arrears audit verify [--org SLUG] [--json]` checks every hash-chain link."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Verify the hash chain; exit 1 at the first broken link")
        verify.add_argument("--org", help="organization slug (default: all)")
        verify.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        # An unknown --org is a usage error (exit 2), not an empty, passing check.
        orgs = (
            [organization_resolve(slug=options["org"])]
            if options["org"]
            else list(organization_list(order_by=("slug",)))
        )
        results = []
        for org in orgs:
            report = audit_chain_verify(organization_id=org.pk)
            brk = report.first_break
            results.append(
                {
                    "org": org.slug,
                    "checked": report.checked,
                    "ok": report.ok,
                    "first_break": {"seq": brk.seq, "reason": brk.reason} if brk else None,
                }
            )
        if options["json"]:
            self.emit_json({"organizations": results, "ok": all(r["ok"] for r in results)})
        else:
            for r in results:
                state = (
                    "OK" if r["ok"] else f"BROKEN at #{r['first_break']['seq']}: {r['first_break']['reason']}"
                )
                self.stdout.write(f"{r['org']}: {r['checked']} events checked, {state}")
        if not all(r["ok"] for r in results):
            raise SystemExit(EXIT_REJECTED)
