"""`arrears api …`: API tokens and webhook endpoints.

arrears api token create --org SLUG [--client CODE] --name NAME --scopes SCOPE,SCOPE [--expires ISO] [--json]
arrears api token revoke ID [--json]
arrears api token list --org SLUG [--json]
arrears api webhook create --org SLUG --url URL --events EVENT,EVENT [--json]
arrears api webhook rotate ID --org SLUG [--json]
arrears api webhook sweep [--json]
"""

from __future__ import annotations

from django.core.management.base import CommandParser

from arrears.api import domain
from arrears.api.selectors import tokens_for
from arrears.api.services import (
    token_create,
    token_revoke,
    webhook_endpoint_create,
    webhook_secret_rotate,
    webhooks_sweep,
)
from arrears.core.clock import parse_instant
from arrears.core.errors import ArrearsError
from arrears.core.management.base import ArrearsCommand
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import client_get, organization_resolve

from ...errors import ApiError


class Command(ArrearsCommand):
    help = "API tokens and webhooks: `arrears api token create --org S --name N --scopes '*'`"

    def add_arguments(self, parser: CommandParser) -> None:
        groups = parser.add_subparsers(dest="group", required=True)
        token = groups.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
        create = token.add_parser("create", help="Create a token (its text is printed once)")
        create.add_argument("--org", help="organization slug (optional when only one exists)")
        create.add_argument("--client", help="a client's code: the token sees only that client's accounts")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--scopes", required=True, help=f"comma separated, from: {', '.join(domain.scopes_known())}"
        )
        create.add_argument("--expires", help="ISO 8601 instant with an offset, e.g. 2027-01-01T00:00:00Z")
        create.add_argument("--json", action="store_true")
        revoke = token.add_parser("revoke", help="Revoke a token at once")
        revoke.add_argument("id", type=int)
        revoke.add_argument("--json", action="store_true")
        listing = token.add_parser("list", help="The organization's tokens (never their secrets)")
        listing.add_argument("--org")
        listing.add_argument("--json", action="store_true")

        hook = groups.add_parser("webhook", help="Webhook endpoints").add_subparsers(
            dest="action", required=True
        )
        made = hook.add_parser(
            "create", help="Subscribe a URL to events (its signing secret is printed once)"
        )
        made.add_argument("--org")
        made.add_argument("--url", required=True)
        made.add_argument(
            "--events",
            required=True,
            help=f"comma separated, from: {', '.join(domain.webhook_event_types())}",
        )
        made.add_argument("--description", default="")
        made.add_argument("--json", action="store_true")
        rotate = hook.add_parser("rotate", help="A new signing secret; the old one signs too for 24 hours")
        rotate.add_argument("id", type=int)
        rotate.add_argument("--org")
        rotate.add_argument("--json", action="store_true")
        sweep = hook.add_parser("sweep", help="Derive deliveries from the audit log and requeue lost retries")
        sweep.add_argument("--json", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        handler = getattr(self, f"_{options['group']}_{options['action']}")
        handler(options)

    def _token_create(self, o: dict) -> None:
        org = organization_resolve(slug=o["org"])
        client = client_get(organization=org, code=o["client"]) if o["client"] else None
        try:
            expires = parse_instant(o["expires"]) if o["expires"] else None
        except ValueError:
            raise ArrearsError(
                ApiError.TOKEN_EXPIRY_PAST,
                f"--expires: not an ISO 8601 instant with an offset: {o['expires']!r}",
            ) from None
        made = token_create(
            organization_id=org.pk,
            client=client,
            name=o["name"],
            scopes=o["scopes"],
            expires_at=expires,
            actor=system_principal(org.pk, "cli"),
        )
        t = made.token
        if o["json"]:
            self.emit_json(
                {
                    "token": made.plain,
                    "id": t.pk,
                    "scopes": t.scopes,
                    "name": t.name,
                    "org": org.slug,
                    "client": client.code if client else None,
                    "expires_at": t.expires_at,
                }
            )
        else:
            self.stdout.write(made.plain)
            self.info(
                f"Created API token {t.pk} ({t.name}) in {org.slug}: copy it now, it is not shown again"
            )

    def _token_revoke(self, o: dict) -> None:
        t = token_revoke(token_id=o["id"])
        if o["json"]:
            self.emit_json({"id": t.pk, "revoked_at": t.revoked_at})
        else:
            self.stdout.write(f"Revoked API token {t.pk} ({t.name})")

    def _token_list(self, o: dict) -> None:
        org = organization_resolve(slug=o["org"])
        rows = [
            {
                "id": t.pk,
                "name": t.name,
                "prefix": t.prefix,
                "client": t.client.code if t.client else None,
                "scopes": t.scopes,
                "created_at": t.created_at,
                "expires_at": t.expires_at,
                "last_used_at": t.last_used_at,
                "revoked_at": t.revoked_at,
            }
            for t in tokens_for(organization_id=org.pk)
        ]
        if o["json"]:
            self.emit_json({"data": rows})
        else:
            for r in rows:
                state = "revoked" if r["revoked_at"] else "live"
                self.stdout.write(
                    f"{r['id']}\t{r['name']}\tarr_{r['prefix']}_…\t{','.join(r['scopes'])}\t{state}"
                )

    def _webhook_create(self, o: dict) -> None:
        org = organization_resolve(slug=o["org"])
        made = webhook_endpoint_create(
            organization_id=org.pk,
            url=o["url"],
            events=o["events"].split(","),
            description=o["description"],
            actor=system_principal(org.pk, "cli"),
        )
        e = made.endpoint
        if o["json"]:
            self.emit_json({"id": e.pk, "url": e.url, "events": e.events, "secret": made.secret})
        else:
            self.stdout.write(made.secret)
            self.info(f"Created webhook endpoint {e.pk} → {e.url}: copy the signing secret now")

    def _webhook_rotate(self, o: dict) -> None:
        org = organization_resolve(slug=o["org"])
        made = webhook_secret_rotate(
            organization_id=org.pk, endpoint_id=o["id"], actor=system_principal(org.pk, "cli")
        )
        e = made.endpoint
        if o["json"]:
            self.emit_json({"id": e.pk, "secret": made.secret, "previous_expires_at": e.previous_expires_at})
        else:
            self.stdout.write(made.secret)

    def _webhook_sweep(self, o: dict) -> None:
        result = webhooks_sweep()
        if o["json"]:
            self.emit_json(result)
        else:
            self.stdout.write(f"{result['derived']} new deliveries, {result['requeued']} retries requeued")
