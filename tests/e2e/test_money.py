"""Money in: payments, promises, plans, nightly, reconcile, ach, remittance; the books balance after each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from arrears.core.samples import samples_dir

from .conftest import CLIENT, ORG, books_balance, usage_errors

TODAY = datetime.now(UTC).date()
SOON = TODAY + timedelta(days=14)


def test_payments_post_then_a_retry_then_reverse(database):
    # given
    post = (
        "payments",
        "post",
        "--org",
        ORG,
        "--account",
        "PAY-1",
        "--amount",
        "125.00",
        "--method",
        "ach",
        "--received-at",
        "2026-01-05T15:00:00Z",
        "--idempotency-key",
        "e2e-pay-1",
        "--json",
    )

    # when
    first = database.ok(*post)
    again = database.ok(*post)
    reversed_ = database.ok(
        "payments",
        "reverse",
        str(first.json["id"]),
        "--org",
        ORG,
        "--reason",
        "nsf",
        "--fee",
        "25.00",
        "--json",
    )

    # then
    assert first.json == again.json
    assert first.json["status"] == "posted" and first.json["amount"] == "125.00"
    assert set(first.json["allocation"]) == {"principal", "interest", "fees", "costs", "credit"}
    assert reversed_.json["status"] == "reversed" and reversed_.json["reversal_reason"] == "nsf"
    rows = database.query("SELECT status FROM payments_payment WHERE idempotency_key = %s", ["e2e-pay-1"])
    assert rows == [("reversed",)]
    principal, interest, fees = database.query(
        "SELECT balance_principal, balance_interest, balance_fees FROM accounts_account "
        "WHERE reference = 'PAY-1'"
    )[0]
    assert (D(str(principal)), D(str(interest)), D(str(fees))) == (D("1000.00"), D("200.50"), D("25.00"))
    books_balance(database)


def test_promises_create(database):
    # when
    made = database.ok(
        "promises",
        "create",
        "--org",
        ORG,
        "--account",
        "PROM-1",
        "--amount",
        "50.00",
        "--due",
        (TODAY + timedelta(days=10)).isoformat(),
        "--json",
    )

    # then
    assert (made.json["amount"], made.json["status"]) == ("50.00", "pending")
    assert database.value("SELECT status FROM payments_promise WHERE id = %s", [made.json["id"]]) == "pending"


def test_plans_create(database):
    # when
    made = database.ok(
        "plans",
        "create",
        "--org",
        ORG,
        "--account",
        "PLAN-1",
        "--installments",
        "6",
        "--frequency",
        "monthly",
        "--first-due",
        SOON.isoformat(),
        "--json",
    )

    # then
    assert made.json["total"] == "600.00" and len(made.json["installments"]) == 6
    assert (
        database.value("SELECT count(*) FROM payments_installment WHERE plan_id = %s", [made.json["id"]]) == 6
    )


def test_nightly_accrues_interest_and_completes(database):
    # given: the demo portfolio has accounts that earn interest, and a date past every other test's
    # nightly run (test_automation runs the demo's nightly 30 and 60 days on: interest accrued through a
    # later date is not accrued again for an earlier one)
    on = (TODAY + timedelta(days=90)).isoformat()

    # when
    first = database.run("nightly", "--date", on, "--json")
    second = database.run("nightly", "--date", on, "--json")

    # then: every run completed, none is left `running`, and running it twice posts nothing twice
    assert first.returncode == 0, str(first)
    assert {r["status"] for r in first.json["runs"]} == {"completed"}
    assert sum(r["counts"].get("interest_postings", 0) for r in first.json["runs"]) > 0
    assert second.returncode == 0, str(second)
    assert sum(r["counts"].get("interest_postings", 0) for r in second.json["runs"]) == 0
    statuses = database.query("SELECT status FROM payments_nightlyrun WHERE run_on = %s", [on])
    assert statuses and {s for (s,) in statuses} == {"completed"}
    books_balance(database)


def test_reconcile_import_posts_the_promised_credit_and_a_second_import_is_all_duplicates(database, out_dir):
    # given: a promise on REC-1, and a bank CSV that pays it by reference
    database.ok(
        "promises",
        "create",
        "--org",
        ORG,
        "--account",
        "REC-1",
        "--amount",
        "125.50",
        "--due",
        (TODAY + timedelta(days=1)).isoformat(),
    )
    booked = TODAY.strftime("%d.%m.%Y")
    bank = out_dir / "bank.csv"
    bank.write_text(
        f"Booked;Amount;Text;Id\n{booked};125,50;Payment REC-1 thanks;E2E-T1\n"
        f"{booked};-9,00;Bank fee;E2E-T2\n{booked};1.010,00;Unknown payer;E2E-T3\n",
        encoding="utf-8",
    )
    mapping = out_dir / "map.toml"
    mapping.write_text(
        'account = "US-E2E-000123"\nbank = "FIRST"\ncurrency = "USD"\ndelimiter = ";"\n'
        'date_format = "%d.%m.%Y"\ndecimal = ","\n'
        '[columns]\ndate = "Booked"\namount = "Amount"\ndescription = "Text"\nid = "Id"\n',
        encoding="utf-8",
    )
    args = ("reconcile", "import", str(bank), "--format", "csv", "--mapping", str(mapping), "--org", ORG)

    # when
    first = database.ok(*args, "--json")
    again = database.ok(*args, "--json")

    # then
    assert first.json == {"transactions": 3, "matched": 1, "posted": 1, "review": 1, "duplicates": 0}
    assert again.json["duplicates"] == 3 and again.json["posted"] == 0
    paid = database.query(
        "SELECT p.amount FROM payments_payment p JOIN accounts_account a ON a.id = p.account_id "
        "WHERE a.reference = 'REC-1'"
    )
    assert [D(str(a)) for (a,) in paid] == [D("125.50")]
    books_balance(database)


def test_reconcile_import_of_a_real_bank_sample(database):
    # given: a BAI2 file made by others (../shared/samples)
    path = samples_dir() / "bai2" / "moov_sample1.txt"
    assert path.is_file(), f"sample missing: {path}"

    # when
    first = database.ok("reconcile", "import", str(path), "--org", ORG, "--json")
    again = database.ok("reconcile", "import", str(path), "--org", ORG, "--format", "bai2", "--json")

    # then
    assert first.json["transactions"] == 17 and first.json["duplicates"] == 0
    assert again.json == {"transactions": 17, "matched": 0, "posted": 0, "review": 0, "duplicates": 17}
    assert (
        database.value(
            "SELECT count(*) FROM payments_bankline WHERE organization_id = %s", [database.org_id()]
        )
        >= 17
    )


AUTHORIZE = """
from datetime import UTC, datetime
from arrears.accounts.models import Account
from arrears.payments.ach import ach_authorization_create
from arrears.payments.models import PaymentPlan
from arrears.tenancy.domain import system_principal
for ref, routing, number in [("A-1", "091400606", "123456789"), ("A-2", "021200025", "998412345"),
                             ("A-3", "091400606", "867530999999")]:
    plan = PaymentPlan.objects.get(account__reference=ref, account__organization__slug="e2e")
    ach_authorization_create(plan=plan, holder_name=f"Debtor {ref}", routing_number=routing,
                             account_number=number, account_type="checking",
                             authorized_at=datetime.now(UTC),
                             actor=system_principal(plan.organization_id, "e2e"))
"""


def test_ach_export_then_the_banks_returns_reverse_their_payments(database, out_dir):
    # given: plans due SOON on A-1..A-3 (123.54, 50.00, 45.65), their debit authorisations, an originator
    for ref in ("A-1", "A-2", "A-3"):
        database.ok(
            "plans",
            "create",
            "--org",
            ORG,
            "--account",
            ref,
            "--installments",
            "1",
            "--frequency",
            "monthly",
            "--first-due",
            SOON.isoformat(),
        )
    database.ok(
        "ach",
        "originator",
        "--org",
        ORG,
        "--odfi-routing",
        "091400606",
        "--company-name",
        "E2E Recovery",
        "--company-id",
        "1234567890",
        "--destination-name",
        "First Bank & Trust",
        "--origin-name",
        "E2E Recovery LLC",
    )
    # No command records a debtor's ACH authorisation (the web and API do not either): the service does.
    database.ok("shell", "-c", AUTHORIZE)
    out = out_dir / "debits.ach"

    # when
    exported = database.ok(
        "ach", "export", "--org", ORG, "--date", SOON.isoformat(), "--out", str(out), "--json"
    )
    # the moov WEB return file returns traces 091400600000001 (R01, 123.54) and …0000003 (R03, 45.65)
    returns = samples_dir() / "nacha" / "moov_return-WEB.ach"
    returned = database.ok("ach", "returns", str(returns), "--org", ORG, "--json")
    again = database.ok("ach", "returns", str(returns), "--org", ORG, "--json")

    # then
    lines = out.read_text(encoding="ascii").splitlines()
    assert all(len(line) == 94 for line in lines) and len(lines) % 10 == 0
    assert (exported.json["entries"], exported.json["total"]) == (3, "219.19")
    assert (returned.json["returns"], returned.json["reversed"], returned.json["codes"]) == (
        2,
        2,
        {"R01": 1, "R03": 1},
    )
    assert (again.json["reversed"], again.json["already"]) == (0, 2)
    statuses = dict(
        database.query(
            "SELECT a.reference, p.status FROM payments_payment p "
            "JOIN accounts_account a ON a.id = p.account_id "
            "WHERE p.method = 'ach' AND a.reference IN ('A-1', 'A-2', 'A-3')"
        )
    )
    assert statuses == {"A-1": "reversed", "A-2": "posted", "A-3": "reversed"}
    books_balance(database)


TERMS = """
from decimal import Decimal
from arrears.payments.remittance import client_terms_set
from arrears.tenancy.domain import system_principal
from arrears.tenancy.models import Client
client = Client.objects.get(organization__slug="e2e", code="bank")
client_terms_set(client=client, rate=Decimal("30"), remit_mode="net",
                 actor=system_principal(client.organization_id, "e2e"))
"""


def test_remittance_writes_the_clients_statement(database, out_dir):
    # given: the client's contingency terms (no command sets them: the service does)
    database.ok("shell", "-c", TERMS)

    # when
    period = TODAY.strftime("%Y-%m")
    made = database.ok(
        "remittance", "--org", ORG, "--client", CLIENT, "--period", period, "--out", str(out_dir), "--json"
    )

    # then
    assert made.json["client"] == CLIENT and made.json["period"] == period
    pdf, csv = out_dir / f"remittance-{CLIENT}-{period}.pdf", out_dir / f"remittance-{CLIENT}-{period}.csv"
    assert pdf.read_bytes().startswith(b"%PDF") and csv.read_text(encoding="utf-8").strip()
    assert database.value("SELECT count(*) FROM payments_remittancestatement") >= 1


def test_bad_input_is_a_one_line_usage_error(database, out_dir):
    missing = str(out_dir / "missing.file")
    cases = {
        "unknown account": (
            "payments",
            "post",
            "--org",
            ORG,
            "--account",
            "NO-SUCH-REF",
            "--amount",
            "1.00",
            "--method",
            "ach",
            "--idempotency-key",
            "e2e-bad-1",
        ),
        "malformed instant": (
            "payments",
            "post",
            "--org",
            ORG,
            "--account",
            "PAY-1",
            "--amount",
            "1.00",
            "--method",
            "ach",
            "--idempotency-key",
            "e2e-bad-2",
            "--received-at",
            "yesterday",
        ),
        "malformed due date": (
            "promises",
            "create",
            "--org",
            ORG,
            "--account",
            "PROM-1",
            "--amount",
            "5.00",
            "--due",
            "2026-02-30",
        ),
        "plan on an unknown account": (
            "plans",
            "create",
            "--org",
            ORG,
            "--account",
            "NO-SUCH-REF",
            "--installments",
            "2",
            "--frequency",
            "monthly",
            "--first-due",
            SOON.isoformat(),
        ),
        "nightly malformed date": ("nightly", "--date", "2026-13-01"),
        "reconcile missing file": ("reconcile", "import", missing, "--org", ORG),
        "ach malformed date": ("ach", "export", "--org", ORG, "--date", "01/12/2026", "--out", missing),
        "ach missing file": ("ach", "returns", missing, "--org", ORG),
        "remittance unknown client": (
            "remittance",
            "--org",
            ORG,
            "--client",
            "nope",
            "--period",
            "2026-01",
            "--out",
            str(out_dir),
        ),
        "remittance malformed period": (
            "remittance",
            "--org",
            ORG,
            "--client",
            CLIENT,
            "--period",
            "2026-13",
            "--out",
            str(out_dir),
        ),
    }
    before = database.value("SELECT count(*) FROM payments_payment")

    # when
    results = database.run_many(cases)

    # then
    usage_errors(results)
    assert database.value("SELECT count(*) FROM payments_payment") == before
