import sys
from pathlib import Path

from django.core.management.base import CommandParser

from arrears.accounts.selectors import account_get_by_reference, organizations_with_reference
from arrears.attempts.choices import Direction
from arrears.contact.calls import CALL_OUTCOMES, call_log, call_read
from arrears.core.clock import parse_instant
from arrears.core.management.base import EXIT_REJECTED, EXIT_USAGE, ArrearsCommand
from arrears.tenancy.domain import system_principal
from arrears.tenancy.selectors import organization_resolve, principal_for_user, user_by_username


def _instant(text: str):
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise ValueError(f"not an ISO 8601 instant with a time zone: {text!r}") from exc


class Command(ArrearsCommand):
    help = "Log a call: `arrears calls log --account REF --number N --direction D --outcome O --started-at T`"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        log = sub.add_parser("log", help="Log a call with its compliance decision")
        log.add_argument(
            "--account", required=True, action="append", help="account reference (repeat for several)"
        )
        log.add_argument("--client", help="client code, when several clients use the reference")
        log.add_argument("--org", help="organization slug (optional when only one exists)")
        log.add_argument("--number", required=True)
        log.add_argument("--direction", required=True, choices=Direction.values)
        log.add_argument("--outcome", required=True, choices=[str(o) for o in CALL_OUTCOMES])
        log.add_argument("--started-at", required=True)
        log.add_argument("--ended-at")
        log.add_argument("--note", default="")
        log.add_argument("--recording", type=Path)
        log.add_argument(
            "--override-reason", default="", help="log a blocked call anyway (managers); audited"
        )
        log.add_argument("--user", help="username to log the call as (default: the system)")
        log.add_argument("--json", action="store_true")

    def handle(self, *args, **options):
        org = organization_resolve(
            slug=options["org"], among=organizations_with_reference(reference=options["account"][0])
        )
        actor = system_principal(org.pk, "cli:calls")
        if options["user"]:
            user = user_by_username(username=options["user"])
            actor = principal_for_user(user=user, organization_id=org.pk) if user else None
            if actor is None:
                self.stderr.write(f"--user: {options['user']!r} is not a member of {org.slug}")
                raise SystemExit(EXIT_USAGE)
        try:
            started = _instant(options["started_at"])
            ended = _instant(options["ended_at"]) if options["ended_at"] else None
        except ValueError as exc:
            self.stderr.write(f"--started-at/--ended-at: {exc}")
            raise SystemExit(EXIT_USAGE) from exc
        if options["recording"] is not None and not options["recording"].is_file():
            self.stderr.write(f"--recording: no such file {options['recording']}")
            raise SystemExit(EXIT_USAGE)
        accounts = [
            account_get_by_reference(principal=actor, reference=ref, client_code=options["client"])
            for ref in options["account"]
        ]
        call = call_log(
            accounts=accounts,
            number=options["number"],
            direction=options["direction"],
            outcome=options["outcome"],
            started_at=started,
            ended_at=ended,
            notes=options["note"],
            override_reason=options["override_reason"],
            recording=options["recording"],
            actor=actor,
        )
        data = call_read(call)
        if options["json"]:
            self.emit_json(data)
        elif call.blocked:
            sys.stdout.write("BLOCKED: the call was not allowed\n")
        else:
            self.stdout.write(f"Logged call {data['attempt_id']} ({data['outcome']})")
        if call.blocked:
            for reason in data["decision"]["reasons"]:
                self.stderr.write(f"{reason['code']}: {reason['message']} ({reason['citation']})")
            raise SystemExit(EXIT_REJECTED)
