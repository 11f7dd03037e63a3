from __future__ import annotations

from django.core.management.base import CommandParser

from arrears.core.management.base import ArrearsCommand
from arrears.payments import selectors, services
from arrears.payments.choices import FeeKind, Frequency
from arrears.payments.domain import FeePolicy

from ._common import (
    account_for,
    actor_for,
    add_account,
    add_org,
    parse_date,
    parse_decimal,
    parse_money,
    usage,
)


class Command(ArrearsCommand):
    help = "Payment plans: `create` a schedule of installments with its written confirmation."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        c = sub.add_parser("create", help="agree a payment plan")
        add_account(c)
        size = c.add_mutually_exclusive_group(required=True)
        size.add_argument("--installments", type=int, help="number of installments")
        size.add_argument("--installment-amount", help="amount of each installment")
        c.add_argument("--frequency", required=True, choices=Frequency.values)
        c.add_argument("--first-due", help="YYYY-MM-DD (weekly, biweekly, monthly)")
        c.add_argument("--dates", help="comma-separated due dates (custom)")
        c.add_argument("--total", help="plan total (default: everything owed)")
        c.add_argument("--grace-days", type=int, default=5)
        c.add_argument("--delinquent-after", type=int, default=1)
        c.add_argument("--broken-after", type=int, default=2)
        c.add_argument("--late-fee", help="late fee per missed installment: 25.00 or 5%%")
        c.add_argument("--late-fee-cap")
        add_org(c)

    def handle(self, *args, **options):
        _, actor = actor_for(options)
        account = account_for(actor, options)
        frequency = options["frequency"]
        if frequency == Frequency.CUSTOM and not options["dates"]:
            raise usage("--dates: a custom plan needs its due dates")
        if frequency != Frequency.CUSTOM and not options["first_due"]:
            raise usage("--first-due is required for weekly, biweekly and monthly plans")
        dates = (
            tuple(parse_date(d.strip(), "--dates") for d in options["dates"].split(","))
            if options["dates"]
            else None
        )
        terms = services.PlanTerms(
            frequency=frequency,
            first_due=parse_date(options["first_due"], "--first-due") if options["first_due"] else None,
            installments=options["installments"],
            installment_amount=parse_money(
                options["installment_amount"], account.currency, "--installment-amount"
            ).amount
            if options["installment_amount"]
            else None,
            dates=dates,
            grace_days=options["grace_days"],
            delinquent_after=options["delinquent_after"],
            broken_after=options["broken_after"],
            late_fee=self._late_fee(options, account.currency),
        )
        total = parse_money(options["total"], account.currency, "--total") if options["total"] else None
        plan = services.plan_create(account=account, terms=terms, actor=actor, total=total)
        row = selectors.plan_read(plan)
        if options["json"]:
            self.emit_json(row)
            return
        self.stdout.write(f"plan {row['id']}: {row['total']} {row['currency']} in {len(row['installments'])}")
        for i in row["installments"]:
            self.stdout.write(f"  {i['seq']:>3}  {i['due_on']}  {i['amount']}")

    def _late_fee(self, options, currency: str) -> FeePolicy | None:
        text = options["late_fee"]
        if not text:
            return None
        cap = (
            parse_money(options["late_fee_cap"], currency, "--late-fee-cap").amount
            if options["late_fee_cap"]
            else None
        )
        if text.endswith("%"):
            return FeePolicy(FeeKind.PERCENT, parse_decimal(text[:-1], "--late-fee"), cap)
        return FeePolicy(FeeKind.FLAT, parse_money(text, currency, "--late-fee").amount, cap)
