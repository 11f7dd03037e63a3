"""Agency remittance: each month, per client, collections per account, the agency's fees and what the
client is due, as a PDF and a CSV, cross-checked against the ledger before anything is issued.

Collections are the client's payments received in the month (posted, or since reversed) plus, as
negative lines, payments reversed in the month (whatever month they were received in). The same
figure is computed independently from the ledger: every `payment` entry, and every reversal of one,
effective in the month (owed buckets count negative, the credit bucket positive). The statement is
issued only when the two agree to the cent.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.errors import ArrearsError
from arrears.core.money import quantize
from arrears.core.spreadsheet import csv_writer
from arrears.ledger.choices import Bucket
from arrears.ledger.selectors import ledger_payment_movements, ledger_payment_reversals
from arrears.tenancy.domain import Principal

from . import remittance_domain as rd
from .choices import PaymentStatus, RemitMode
from .errors import RemittanceError
from .models import ClientTerms, CommissionRule, ContingencyRate, Payment, RemittanceStatement

if TYPE_CHECKING:
    from arrears.tenancy.models import Client

ZERO = Decimal(0)


def period_bounds(period: str) -> tuple[date, date]:
    """`2026-10` → (2026-10-01, 2026-10-31)."""
    try:
        year, month = (int(x) for x in period.split("-"))
        start = date(year, month, 1)
    except ValueError:
        raise ArrearsError(RemittanceError.RATE_INVALID, f"a period is YYYY-MM, not {period!r}") from None
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return start, end


@transaction.atomic
def client_terms_set(
    *,
    client: Client,
    rate: Decimal,
    remit_mode: str,
    actor: Principal,
    age_bands: Sequence[tuple[int, Decimal]] = (),
    account_rates: Mapping[int, Decimal] = {},  # noqa: B006 - read only
) -> ClientTerms:
    """Set a client's contingency terms; the bands and account rates given replace the previous ones."""
    if remit_mode not in RemitMode.values:
        raise ArrearsError(RemittanceError.RATE_INVALID, f"remit mode is one of {RemitMode.values}")
    for value in (rate, *(r for _, r in age_bands), *account_rates.values()):
        if not ZERO <= value <= 100:
            raise ArrearsError(RemittanceError.RATE_INVALID, f"a rate is between 0 and 100%, not {value}")
    terms, _ = ClientTerms.objects.update_or_create(
        client=client,
        defaults={"organization_id": client.organization_id, "rate": rate, "remit_mode": remit_mode},
    )
    ContingencyRate.objects.filter(client=client).delete()
    ContingencyRate.objects.bulk_create(
        [
            *(
                ContingencyRate(organization_id=client.organization_id, client=client, min_age_days=d, rate=r)
                for d, r in age_bands
            ),
            *(
                ContingencyRate(organization_id=client.organization_id, client=client, account_id=a, rate=r)
                for a, r in account_rates.items()
            ),
        ]
    )
    audit_record(
        actor=actor,
        event=Event.CLIENT_TERMS_SET,
        subject_type="client",
        subject_id=client.pk,
        data={
            "rate": rate,
            "remit_mode": remit_mode,
            "age_bands": [[d, r] for d, r in age_bands],
            "account_rates": {str(a): r for a, r in account_rates.items()},
        },
    )
    return terms


@dataclass
class Remittance:
    client: Client
    start: date
    end: date
    mode: str
    lines: list[rd.Line]
    totals: dict[str, rd.Totals] = field(default_factory=dict)
    ledger: dict[str, Decimal] = field(default_factory=dict)

    @property
    def agrees(self) -> bool:
        currencies = set(self.totals) | {c for c, v in self.ledger.items() if v}
        return all(
            (self.totals[c].collections if c in self.totals else ZERO) == self.ledger.get(c, ZERO)
            for c in currencies
        )


def _rules(client: Client) -> tuple[ClientTerms, list[rd.RateRule]]:
    try:
        terms = ClientTerms.objects.get(client=client)
    except ClientTerms.DoesNotExist:
        raise ArrearsError(
            RemittanceError.NO_TERMS, f"client {client.code} has no contingency terms (rate, net or gross)"
        ) from None
    rules = [
        rd.RateRule(rate=r.rate, account_id=r.account_id, min_age_days=r.min_age_days)
        for r in ContingencyRate.objects.filter(client=client)
    ]
    return terms, rules


def remittance_ledger_collections(*, client: Client, start: date, end: date) -> dict[str, Decimal]:
    """Money received for the client's accounts in the period, from the ledger alone."""
    entries = ledger_payment_movements(
        organization_id=client.organization_id, client_id=client.pk, start=start, end=end
    )
    received: dict[str, Decimal] = defaultdict(Decimal)
    for bucket, amount, currency in entries:
        received[currency] += amount if bucket == Bucket.CREDIT else -amount
    return {c: quantize(v, c) for c, v in received.items()}


def remittance_build(*, client: Client, start: date, end: date) -> Remittance:
    """The statement's lines and totals for a period, and the ledger's own figure (read only)."""
    terms, rules = _rules(client)
    payments = Payment.objects.filter(
        organization_id=client.organization_id,
        account__client=client,
        status__in=(PaymentStatus.POSTED, PaymentStatus.REVERSED),
    ).select_related("account")
    reversed_on: dict[int, date] = {}
    for source_id, on in ledger_payment_reversals(
        organization_id=client.organization_id, client_id=client.pk, start=start, end=end
    ):
        reversed_on[int(source_id)] = min(on, reversed_on.get(int(source_id), on))
    chosen = payments.filter(Q(received_on__range=(start, end)) | Q(pk__in=list(reversed_on))).order_by(
        "account__reference", "received_on", "pk"
    )
    lines: list[rd.Line] = []
    for p in chosen:
        try:
            rate = rd.contingency_rate(
                default=terms.rate,
                rules=rules,
                account_id=p.account_id,
                placement_age_days=rd.placement_age(p.account.placed_on, p.received_on),
            )
        except rd.RateError as exc:
            raise ArrearsError(RemittanceError.RATE_INVALID, str(exc)) from exc

        def add(on: date, kind: str, amount: Decimal, p: Payment = p, rate: Decimal = rate) -> None:
            lines.append(
                rd.line(
                    account_id=p.account_id,
                    reference=p.account.reference,
                    payment_id=p.pk,
                    on=on,
                    kind=kind,
                    amount=amount,
                    currency=p.currency,
                    rate=rate,
                    collector=p.actor_label,
                )
            )

        if start <= p.received_on <= end:
            add(p.received_on, "payment", p.amount)
        if p.pk in reversed_on:
            add(reversed_on[p.pk], "reversal", -p.amount)
    lines.sort(key=lambda x: (x.reference, x.on, x.payment_id))
    remittance = Remittance(client, start, end, terms.remit_mode, lines)
    for currency in sorted({x.currency for x in lines}):
        remittance.totals[currency] = rd.totals(lines, mode=terms.remit_mode, currency=currency)
    remittance.ledger = remittance_ledger_collections(client=client, start=start, end=end)
    return remittance


@transaction.atomic
def remittance_issue(*, client: Client, period: str, actor: Principal) -> Remittance:
    """Build the month's statement, refuse it if the ledger disagrees, and record its figures.
    Issuing a month again replaces its figures (the same inputs give the same statement)."""
    start, end = period_bounds(period)
    remittance = remittance_build(client=client, start=start, end=end)
    if not remittance.agrees:
        raise ArrearsError(
            RemittanceError.LEDGER_DISAGREES,
            f"statement collections { ({c: str(t.collections) for c, t in remittance.totals.items()}) } "
            f"differ from the ledger { ({c: str(v) for c, v in remittance.ledger.items()}) }",
        )
    for currency, t in remittance.totals.items():
        statement, _ = RemittanceStatement.objects.update_or_create(
            client=client,
            period_start=start,
            currency=currency,
            defaults={
                "organization_id": client.organization_id,
                "period_end": end,
                "remit_mode": t.mode,
                "collections": t.collections,
                "fees": t.fees,
                "due_to_client": t.due_to_client,
                "invoiced": t.invoiced,
                "lines": t.lines,
            },
        )
        audit_record(
            actor=actor,
            event=Event.REMITTANCE_ISSUED,
            subject_type="remittance_statement",
            subject_id=statement.pk,
            data={
                "client": client.code,
                "period": period,
                "currency": currency,
                "collections": t.collections,
                "fees": t.fees,
                "due_to_client": t.due_to_client,
                "invoiced": t.invoiced,
            },
        )
    return remittance


CSV_HEADER = ["account", "payment", "date", "kind", "currency", "amount", "rate_pct", "fee", "net"]


def remittance_csv(remittance: Remittance) -> str:
    """One row per line, then per currency: collections, fees, due to client, invoiced."""
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for x in remittance.lines:
        writer.writerow([x.reference, x.payment_id, x.on, x.kind, x.currency, x.amount, x.rate, x.fee, x.net])
    for currency, t in remittance.totals.items():
        writer.writerow(["TOTAL collections", "", "", "", currency, t.collections, "", "", ""])
        writer.writerow(["TOTAL fees", "", "", "", currency, t.fees, "", "", ""])
        writer.writerow(
            [f"TOTAL due to client ({t.mode})", "", "", "", currency, t.due_to_client, "", "", ""]
        )
        writer.writerow(["TOTAL invoiced", "", "", "", currency, t.invoiced, "", "", ""])
    return out.getvalue()


def remittance_html(remittance: Remittance) -> str:
    return render_to_string(
        "payments/remittance.html", {"r": remittance, "totals": remittance.totals.values()}
    )


def remittance_pdf(remittance: Remittance) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=remittance_html(remittance)).write_pdf()
    return pdf


def commissions_for_period(*, organization_id: int, start: date, end: date) -> list[dict[str, object]]:
    """Per payment received in the period: the collector who took it, the agency's fee and the
    collector's commission (their rule, else the rule for everyone; none without a rule)."""
    rules = {r.collector: r.rate for r in CommissionRule.objects.filter(organization_id=organization_id)}
    rows: list[dict[str, object]] = []
    clients = ClientTerms.objects.filter(organization_id=organization_id).select_related("client")
    for terms in clients:
        remittance = remittance_build(client=terms.client, start=start, end=end)
        for x in remittance.lines:
            rate = rules.get(x.collector, rules.get(""))
            rows.append(
                {
                    "payment": x.payment_id,
                    "account": x.reference,
                    "client": terms.client.code,
                    "collector": x.collector,
                    "kind": x.kind,
                    "amount": x.amount,
                    "currency": x.currency,
                    "fee": x.fee,
                    "commission": rd.commission(x.fee, rate, x.currency) if rate is not None else ZERO,
                }
            )
    return rows
