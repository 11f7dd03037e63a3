from __future__ import annotations

from django.core.management.base import CommandParser

from arrears.core.clock import utcnow
from arrears.core.management.base import ArrearsCommand
from arrears.core.money import Money
from arrears.payments import selectors, services
from arrears.payments.choices import PaymentMethod, ReversalReason, SplitRule

from ._common import (
    account_for,
    actor_for,
    add_account,
    add_org,
    parse_currency,
    parse_date,
    parse_decimal,
    parse_money,
    parse_when,
    usage,
)


class Command(ArrearsCommand):
    help = "Payments: `post` (idempotent), `reverse` (NSF, chargeback), `split`, `rate`, `show`, `report`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("post", help="post a payment to an account")
        add_account(p)
        p.add_argument("--amount", required=True)
        p.add_argument("--currency", help="defaults to the account's currency")
        p.add_argument("--method", required=True, choices=PaymentMethod.values)
        p.add_argument("--received-at", help="ISO 8601 instant with offset (default: now)")
        p.add_argument("--idempotency-key", required=True)
        p.add_argument("--deposit-on", help="post-dated: deposit on this date (YYYY-MM-DD)")
        p.add_argument("--reference", default="", help="check number or provider reference")
        add_org(p)

        r = sub.add_parser("reverse", help="reverse a payment and restore its allocation")
        r.add_argument("payment_id", type=int)
        r.add_argument("--reason", required=True, choices=ReversalReason.values)
        r.add_argument("--fee", help="returned-payment fee, in the account's currency")
        r.add_argument("--on", help="date of the return (default: today)")
        add_org(r)

        s = sub.add_parser("split", help="one payment over several accounts by a stated rule")
        s.add_argument("--accounts", required=True, help="comma-separated account references")
        s.add_argument("--amount", required=True)
        s.add_argument("--currency", required=True)
        s.add_argument("--rule", required=True, choices=[SplitRule.OLDEST_FIRST, SplitRule.PROPORTIONAL])
        s.add_argument("--method", required=True, choices=PaymentMethod.values)
        s.add_argument("--received-at")
        s.add_argument("--idempotency-key", required=True)
        add_org(s)

        x = sub.add_parser("rate", help="record an exchange rate: 1 BASE = RATE QUOTE on a date")
        x.add_argument("--base", required=True)
        x.add_argument("--quote", required=True)
        x.add_argument("--rate", required=True)
        x.add_argument("--on", required=True)
        x.add_argument("--source", required=True)
        add_org(x)

        w = sub.add_parser("show", help="print a payment with its allocation")
        w.add_argument("payment_id", type=int)
        add_org(w)

        t = sub.add_parser("report", help="collections per currency and in the home currency")
        t.add_argument("--from", dest="start", required=True)
        t.add_argument("--to", dest="end", required=True)
        t.add_argument("--on", help="report date whose rates convert (default: --to)")
        add_org(t)

    def handle(self, *args, **options):
        org, actor = actor_for(options)
        action = options["action"]
        if action == "post":
            account = account_for(actor, options)
            payment = services.payment_post(
                account=account,
                amount=parse_money(options["amount"], options["currency"] or account.currency),
                method=options["method"],
                received_at=parse_when(options["received_at"], "--received-at")
                if options["received_at"]
                else utcnow(),
                actor=actor,
                idempotency_key=options["idempotency_key"],
                deposit_on=parse_date(options["deposit_on"], "--deposit-on")
                if options["deposit_on"]
                else None,
                reference=options["reference"],
            )
            self._print_payment(payment, options)
        elif action == "reverse":
            payment = selectors.payment_get(principal=actor, pk=options["payment_id"])
            fee = parse_money(options["fee"], payment.currency, "--fee") if options["fee"] else None
            on = parse_date(options["on"], "--on") if options["on"] else None
            payment = services.payment_reverse(
                payment=payment, reason=options["reason"], actor=actor, fee=fee, on=on
            )
            self._print_payment(payment, options)
        elif action == "split":
            refs = [r.strip() for r in options["accounts"].split(",") if r.strip()]
            if len(refs) < 2:
                raise usage("--accounts: name at least two accounts")
            accounts = [account_for(actor, {"account": ref}) for ref in refs]
            payments = services.payment_post_split(
                accounts=accounts,
                amount=parse_money(options["amount"], options["currency"]),
                rule=options["rule"],
                method=options["method"],
                received_at=parse_when(options["received_at"], "--received-at")
                if options["received_at"]
                else utcnow(),
                actor=actor,
                idempotency_key=options["idempotency_key"],
            )
            rows = [selectors.payment_read(p) for p in payments]
            if options["json"]:
                self.emit_json({"payments": rows})
            else:
                for row in rows:
                    self.stdout.write(
                        f"payment {row['id']}: {row['amount']} {row['currency']} to {row['account']}"
                    )
        elif action == "rate":
            rate = services.exchange_rate_set(
                organization_id=org.pk,
                base=parse_currency(options["base"], "--base"),
                quote=parse_currency(options["quote"], "--quote"),
                rate=parse_decimal(options["rate"], "--rate"),
                on=parse_date(options["on"], "--on"),
                source=options["source"],
                actor=actor,
            )
            data = {"base": rate.base, "quote": rate.quote, "rate": str(rate.rate), "on": rate.on.isoformat(),
                    "source": rate.source}  # fmt: skip
            if options["json"]:
                self.emit_json(data)
            else:
                self.stdout.write(str(rate))
        elif action == "show":
            self._print_payment(selectors.payment_get(principal=actor, pk=options["payment_id"]), options)
        elif action == "report":
            end = parse_date(options["end"], "--to")
            report = selectors.collections_in_home_currency(
                principal=actor,
                received_from=parse_date(options["start"], "--from"),
                received_to=end,
                report_on=parse_date(options["on"], "--on") if options["on"] else end,
            )
            if options["json"]:
                self.emit_json(report)
            else:
                for currency, total in report["by_currency"].items():
                    self.stdout.write(f"{currency} {total}")
                self.stdout.write(f"total {report['total_in_home_currency']} {report['home_currency']}")
                self.stdout.write(report["note"])

    def _print_payment(self, payment, options) -> None:
        row = selectors.payment_read(payment)
        if options["json"]:
            self.emit_json(row)
            return
        amount = Money(payment.amount, payment.currency).rounded()
        parts = ", ".join(f"{b} {a}" for b, a in row["allocation"].items() if a and a != "0.00")
        self.stdout.write(f"payment {payment.pk} {amount} {payment.status}" + (f": {parts}" if parts else ""))
