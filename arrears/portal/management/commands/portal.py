"""`arrears portal link --account REF [--client CODE] [--org S] [--json]`: a signed, expiring link to the
debtor's portal for a letter or message. Opening it skips the first verification step, never the
one-time code."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand


def _organization(options: dict[str, Any]) -> Any:
    """The --org named, else the only organization, else the one organization that has the account."""
    from arrears.accounts.selectors import organization_ids_for_reference
    from arrears.core.errors import ArrearsError
    from arrears.tenancy.errors import TenancyError
    from arrears.tenancy.selectors import organization_get, organization_resolve

    try:
        return organization_resolve(slug=options["org"])
    except ArrearsError as exc:
        if exc.code != TenancyError.ORG_AMBIGUOUS:
            raise
        found = organization_ids_for_reference(reference=options["account"], client_code=options["client"])
        if len(found) != 1:
            raise
        return organization_get(organization_id=found[0])


class Command(ArrearsCommand):
    help = "Debtor portal: signed links."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        p = sub.add_parser("link", help="a signed, expiring link to the account's debtor portal")
        p.add_argument("--account", required=True, metavar="REF", help="the account's reference")
        p.add_argument("--client", default=None, help="client code, when several clients use the reference")
        p.add_argument("--org", default=None, help="organization slug (needed when there are several)")
        p.add_argument("--json", action="store_true", help='print {"url": …} on stdout')

    def handle(self, *args: Any, **options: Any) -> None:
        from arrears.accounts.errors import AccountError
        from arrears.accounts.selectors import account_get_by_reference, primary_debtor
        from arrears.core.errors import NotFound
        from arrears.portal.services import link_max_age, portal_link_make
        from arrears.tenancy.domain import system_principal

        organization = _organization(options)
        principal = system_principal(organization.pk, label="cli:portal")
        account = account_get_by_reference(
            principal=principal, reference=options["account"], client_code=options["client"]
        )
        debtor = primary_debtor(account)
        if debtor is None:
            raise NotFound(AccountError.NOT_FOUND, f"account {account.reference} has no debtor")
        url = portal_link_make(organization=organization, debtor_id=debtor.pk, account_id=account.pk)
        if options["json"]:
            self.emit_json({"url": url})
        else:
            self.stdout.write(url)
            self.info(f"valid for {link_max_age() // 86400} days; the debtor still enters a one-time code")
