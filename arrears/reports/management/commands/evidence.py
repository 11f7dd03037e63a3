from pathlib import Path

from django.core.management.base import CommandParser

from arrears.accounts.selectors import account_get_by_reference, organizations_with_reference
from arrears.core.clock import utcnow
from arrears.core.management.base import ArrearsCommand
from arrears.reports.evidence import evidence_packet
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve


class Command(ArrearsCommand):
    help = "Write an account's evidence packet (PDF): every contact, its decision, files, the audit check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--account", required=True, help="the account reference")
        parser.add_argument("--client", help="client code, when several clients use the reference")
        parser.add_argument("--org", help="organization slug (optional when only one exists)")
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        org = organization_resolve(
            slug=options["org"],
            among=organizations_with_reference(reference=options["account"], client_code=options["client"]),
        )
        principal = system_principal(org.pk, "cli:evidence")
        account = account_get_by_reference(
            principal=principal, reference=options["account"], client_code=options["client"]
        )
        packet = evidence_packet(principal=principal, account=account, generated_at=utcnow())
        options["out"].write_bytes(packet.pdf)
        summary = {
            "account": account.reference,
            "out": str(options["out"]),
            "bytes": len(packet.pdf),
            "fingerprint": packet.fingerprint,
            "contacts": len(packet.content["contacts"]),
            "audit_chain_ok": packet.content["audit_chain"]["ok"],
        }
        if options["json"]:
            self.emit_json(summary)
        else:
            self.stdout.write(
                f"Wrote {options['out']} ({len(packet.pdf):,} bytes), fingerprint {packet.fingerprint}"
            )
