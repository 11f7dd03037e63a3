from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve
from arrears.tenancy.services import client_create


class Command(ArrearsCommand):
    help = "Manage creditor clients: `arrears client create --org S --code C --name N`"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a client")
        create.add_argument("--org", help="organization slug (optional when only one exists)")
        create.add_argument("--code", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        org = organization_resolve(slug=options["org"])
        client = client_create(
            organization=org,
            code=options["code"],
            name=options["name"],
            actor=system_principal(org.pk, "cli"),
        )
        if options["json"]:
            self.emit_json({"id": client.pk, "org": org.slug, "code": client.code, "name": client.name})
        else:
            self.stdout.write(f"Created client {client.code} in {org.slug}")
