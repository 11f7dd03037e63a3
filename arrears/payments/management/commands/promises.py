from __future__ import annotations

from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand
from arrears.payments import selectors, services

from ._common import account_for, actor_for, add_account, add_org, parse_date, parse_money


class Command(ArrearsCommand):
    help = "Promises to pay: `create` and `cancel`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser("create", help="record a promise to pay an amount by a date")
        add_account(c)
        c.add_argument("--amount", required=True)
        c.add_argument("--due", required=True, help="YYYY-MM-DD")
        c.add_argument("--grace-days", type=int, default=0)
        c.add_argument("--channel", default="")
        c.add_argument("--note", default="")
        add_org(c)
        x = sub.add_parser("cancel", help="cancel a pending promise")
        x.add_argument("promise_id", type=int)
        x.add_argument("--reason", default="")
        add_org(x)

    def handle(self, *args, **options):
        _, actor = actor_for(options)
        if options["action"] == "create":
            account = account_for(actor, options)
            promise = services.promise_create(
                account=account,
                amount=parse_money(options["amount"], account.currency),
                due_on=parse_date(options["due"], "--due"),
                actor=actor,
                grace_days=options["grace_days"],
                channel=options["channel"],
                note=options["note"],
            )
        else:
            promise = services.promise_cancel(
                promise=selectors.promise_get(principal=actor, pk=options["promise_id"]),
                actor=actor,
                reason=options["reason"],
            )
        row = selectors.promise_read(promise)
        if options["json"]:
            self.emit_json(row)
        else:
            self.stdout.write(
                f"promise {row['id']}: {row['amount']} {row['currency']} by {row['due_on']} ({row['status']})"
            )
