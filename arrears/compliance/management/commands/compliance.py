"""`arrears compliance …`: evaluate a scenario, compute a validation period, check a stored account,
render a validation notice.

`evaluate` and `validation-period` never open a database connection, so they work on a machine with
no migrated database. Exit codes: 0 on any decision, 2 on invalid input or usage; a refused request
prints `error CODE: message` on stderr (`ArrearsCommand`).
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandError, CommandParser

from arrears.compliance.calendar import validation_period
from arrears.compliance.domain import evaluate
from arrears.compliance.scenario import InvalidScenario, decision_to_json, facts_from_json, format_instant
from arrears.core.management.base import ArrearsCommand

if TYPE_CHECKING:
    from arrears.accounts.models import Account
    from arrears.tenancy.domain import Principal

USAGE_ERROR = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=USAGE_ERROR)


class Command(ArrearsCommand):
    help = "Compliance engine: evaluate, validation-period, check, validation-notice."
    requires_system_checks: list[str] = []  # evaluate must run without touching the database

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

        p = sub.add_parser("evaluate", help="decide one JSON scenario (FILE or - for stdin); no database")
        p.add_argument("file", metavar="FILE")

        p = sub.add_parser("validation-period", help="validation period for a notice provided on a date")
        p.add_argument("--provided-on", required=True, metavar="YYYY-MM-DD")

        p = sub.add_parser("check", help="decide an action on a stored account (the decision is stored)")
        p.add_argument("--account", required=True, metavar="REF", help="the account's reference")
        p.add_argument("--client", default=None, help="client code, when several clients use the reference")
        p.add_argument("--org", default=None, help="organization slug (needed when there are several)")
        p.add_argument(
            "--channel", required=True, choices=["call", "sms", "email", "letter", "voicemail", "visit"]
        )
        p.add_argument("--target", default=None)
        p.add_argument("--purpose", default="collection")
        p.add_argument("--at", default=None, metavar="ISO", help="instant to decide for (default: now)")

        p = sub.add_parser("validation-notice", help="render the Model Form B-1 validation notice as PDF")
        p.add_argument("--account", required=True, metavar="REF")
        p.add_argument("--client", default=None)
        p.add_argument("--org", default=None)
        p.add_argument("--out", required=True, metavar="FILE.pdf")
        p.add_argument("--provided-on", default=None, metavar="YYYY-MM-DD", help="default: today")
        p.add_argument(
            "--record",
            action="store_true",
            help="record the notice as provided (starts the validation period)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["subcommand"].replace("-", "_")
        getattr(self, f"handle_{name}")(options)

    def _print(self, payload: object) -> None:
        self.stdout.write(json.dumps(payload))

    # --- no database ---

    def handle_evaluate(self, options: dict[str, Any]) -> None:
        source = options["file"]
        try:
            text = sys.stdin.read() if source == "-" else open(source, encoding="utf-8").read()  # noqa: SIM115
        except OSError as exc:
            raise _fail(f"cannot read {source}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:  # JSON is UTF-8 (RFC 8259 8.1): anything else is unreadable
            raise _fail(
                f"invalid input: not UTF-8 text (byte {exc.start}: 0x{exc.object[exc.start]:02x})"
            ) from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(
                f"invalid input: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
            ) from exc
        try:
            facts, now = facts_from_json(data)
        except InvalidScenario as exc:
            raise _fail(f"invalid input: {exc}") from exc
        self._print(decision_to_json(evaluate(facts, now=now)))

    def handle_validation_period(self, options: dict[str, Any]) -> None:
        try:
            provided = date.fromisoformat(options["provided_on"])
        except ValueError as exc:
            raise _fail(
                f"--provided-on: must be a date like 2026-12-21 (got {options['provided_on']!r})"
            ) from exc
        self._print(validation_period(provided).as_dict())

    # --- stored data ---

    def _account(self, options: dict[str, Any]) -> tuple[Principal, Account]:
        from arrears.accounts.selectors import account_get_by_reference, organizations_with_reference
        from arrears.tenancy.domain import system_principal
        from arrears.tenancy.selectors import organization_resolve

        among = organizations_with_reference(reference=options["account"], client_code=options["client"])
        org = organization_resolve(slug=options["org"], among=among)
        principal = system_principal(org.pk, label="cli:compliance")
        account = account_get_by_reference(
            principal=principal, reference=options["account"], client_code=options["client"]
        )
        return principal, account

    def handle_check(self, options: dict[str, Any]) -> None:
        from arrears.compliance.services import decide
        from arrears.core.clock import parse_instant

        at = None
        if options["at"]:
            try:
                at = parse_instant(options["at"])
            except ValueError as exc:
                raise _fail(
                    f"--at: must be an ISO 8601 instant with an offset (got {options['at']!r})"
                ) from exc
        principal, account = self._account(options)
        decision = decide(
            account=account,
            channel=options["channel"],
            target=options["target"],
            purpose=options["purpose"],
            at=at,
            actor=principal,
        )
        self._print(
            {
                "allowed": decision.allowed,
                "reasons": decision.reasons,
                "requirements": decision.requirements,
                "next_allowed_at": format_instant(decision.next_allowed_at)
                if decision.next_allowed_at
                else None,
                "decision_id": decision.pk,
            }
        )

    def handle_validation_notice(self, options: dict[str, Any]) -> None:
        from arrears.compliance.notices import validation_notice_content, validation_notice_pdf
        from arrears.compliance.services import validation_notice_record
        from arrears.core.clock import utcnow

        provided = utcnow().date()
        if options["provided_on"]:
            try:
                provided = date.fromisoformat(options["provided_on"])
            except ValueError as exc:
                raise _fail(
                    f"--provided-on: must be a date like 2026-12-21 (got {options['provided_on']!r})"
                ) from exc
        principal, account = self._account(options)
        if options["record"]:
            notice = validation_notice_record(account=account, provided_on=provided, actor=principal)
            with notice.document.open("rb") as stored:
                pdf = stored.read()
        else:
            pdf = validation_notice_pdf(validation_notice_content(account=account, provided_on=provided))
        try:
            with open(options["out"], "wb") as out:
                out.write(pdf)
        except OSError as exc:
            raise _fail(f"cannot write {options['out']}: {exc.strerror}") from exc
        period = validation_period(provided)
        self._print(
            {
                "account": account.reference,
                "out": options["out"],
                "bytes": len(pdf),
                "recorded": bool(options["record"]),
                **period.as_dict(),
            }
        )
