from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand
from arrears.tenancy.choices import MfaPolicy, OrganizationKind
from arrears.tenancy.services import organization_create


class Command(ArrearsCommand):
    help = "Manage organizations: `arrears org create --slug S --name N --kind agency|business …`"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create an organization")
        create.add_argument("--slug", required=True)
        create.add_argument("--name", required=True)
        create.add_argument("--kind", required=True, choices=OrganizationKind.values)
        create.add_argument("--currency", default="USD")
        create.add_argument("--country", default="US")
        create.add_argument("--timezone", default="America/New_York")
        create.add_argument(
            "--mfa",
            choices=MfaPolicy.values,
            default=MfaPolicy.ADMINS_AND_MANAGERS,
            help="who must sign in with a second factor (default: admins and managers)",
        )
        create.add_argument("--json", action="store_true")
        sub.add_parser("list", help="List organizations").add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        if options["action"] == "create":
            org = organization_create(
                slug=options["slug"],
                name=options["name"],
                kind=options["kind"],
                currency=options["currency"],
                country=options["country"],
                timezone=options["timezone"],
                mfa_policy=options["mfa"],
            )
            data = {
                "id": org.pk,
                "slug": org.slug,
                "name": org.name,
                "kind": org.kind,
                "collection_mode": org.collection_mode,
                "currency": org.currency,
                "country": org.country,
                "timezone": org.timezone,
                "mfa_policy": org.mfa_policy,
            }
            if options["json"]:
                self.emit_json(data)
            else:
                self.stdout.write(
                    f"Created organization {org.slug} ({org.kind}, {org.currency}, {org.timezone})"
                )
            return
        from arrears.tenancy.models import Organization

        rows = list(Organization.objects.order_by("slug").values("id", "slug", "name", "kind", "currency"))
        if options["json"]:
            self.emit_json(rows)
        else:
            for r in rows:
                self.stdout.write(f"{r['slug']:<20} {r['kind']:<9} {r['currency']} {r['name']}")
