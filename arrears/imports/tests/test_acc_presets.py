# ruff: noqa: E501  (sample export rows are kept whole, as the vendors write them)
"""Presets for accounting exports: QuickBooks, Xero, Sage 50.

QuickBooks IIF is tested on the real files in shared/samples/quickbooks_iif (byte-for-byte copies, see
SOURCES.md there). No genuine QuickBooks Online, Xero or Sage CSV export with a clear licence exists in
shared/samples/, so those files are written here in the vendors' documented layouts.
"""

import json
from datetime import date
from decimal import Decimal

import pytest

from arrears.accounts.models import Account
from arrears.cli import main
from arrears.core.samples import samples_dir

SAMPLES = samples_dir() / "quickbooks_iif"
needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="shared/samples is not next to the repository"
)

QBO_AGING_DETAIL = """A/R Aging Detail
Craig's Design and Landscaping Services
As of November 23, 2026

,Date,Transaction Type,Num,Customer,Due Date,Amount,Open Balance
Current,,,,,,,
,11/01/2026,Invoice,1037,Sonnenschein Family Store,12/01/2026,362.07,362.07
,11/05/2026,Payment,,Sonnenschein Family Store,11/05/2026,-100.00,-100.00
Total for Current,,,,,,$262.07,$262.07
1 - 30 days past due,,,,,,,
,10/14/2026,Invoice,1036,Freeman Sporting Goods:0969 Ocean View Road,11/13/2026,"1,477.50","1,226.00"
,10/20/2026,Credit Memo,1040,Freeman Sporting Goods:0969 Ocean View Road,10/20/2026,-50.00,-50.00
Total for 1 - 30 days past due,,,,,,"$1,427.50","$1,176.00"
TOTAL,,,,,,"$1,689.57","$1,438.07"



"""

XERO_INVOICES = (
    "*ContactName,EmailAddress,POAddressLine1,POAddressLine2,POAddressLine3,POAddressLine4,POCity,PORegion,"
    "POPostalCode,POCountry,*InvoiceNumber,Reference,*InvoiceDate,*DueDate,Total,TaxTotal,InvoiceAmountPaid,"
    "InvoiceAmountDue,InventoryItemCode,*Description,*Quantity,*UnitAmount,Discount,*AccountCode,*TaxType,"
    "TaxAmount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2,Currency,Type,Sent,Status\n"
    "Bayside Club,secretary@baysideclub.co,148 Bay Harbour Road,,,,Ridge Heights,Madeupville,VIC 9876,Australia,"
    "INV-0001,Ref MK815,02/11/2026,16/11/2026,2145.00,195.00,500.00,1645.00,,Golf balls,10,195.00,,200,OUTPUT,"
    "195.00,,,,,AUD,Sales invoice,Sent,AUTHORISED\n"
    "Bayside Club,secretary@baysideclub.co,148 Bay Harbour Road,,,,Ridge Heights,Madeupville,VIC 9876,Australia,"
    "INV-0001,Ref MK815,02/11/2026,16/11/2026,2145.00,195.00,500.00,1645.00,,Shipping,1,0.00,,200,OUTPUT,"
    "0.00,,,,,AUD,Sales invoice,Sent,AUTHORISED\n"
    "Marine Systems,,,,,,,,,,INV-0002,,05/11/2026,05/12/2026,330.00,30.00,0.00,330.00,,Repairs,1,300.00,,200,"
    "OUTPUT,30.00,,,,,AUD,Sales invoice,Sent,AUTHORISED\n"
)

SAGE_CUSTOMERS = (
    "Account Reference,Account Name,Street1,Street2,Town,County,Post Code,Contact Name,Telephone,Fax,E-Mail,"
    "Balance,Credit Limit,Country Code\n"
    "ABS001,A1 Design Services,67a Station Road,,Blackpool,Lancashire,BP12 7HT,Jim Thompson,01742 876 234,,"
    'jim@a1design.example,"1,265.20",2000.00,GB\n'
    "BRO001,Bobs Building Supplies,Unit 5,Industrial Estate,Leeds,West Yorkshire,LS1 4AB,Bob,0113 496 0000,,,"
    "0.00,5000.00,GB\n"
)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def run(capsys, path, *args):
    try:
        main(["import", "accounts", str(path), "--client", "bank", "--json", *args])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_quickbooks_online_aging_detail_takes_only_open_invoices(client_, tmp_path, capsys):
    # given an A/R Aging Detail export with title lines, group lines, totals, a payment and a credit memo
    path = tmp_path / "aging.csv"
    path.write_text(QBO_AGING_DETAIL)

    # when it is imported with the QuickBooks preset
    code, summary, _ = run(capsys, path, "--format", "quickbooks")

    # then each invoice is an account owing its open balance, and nothing else is
    assert code == 0, summary
    assert (summary["rows"], summary["accounts_created"], summary["rejected"]) == (2, 2, 0)
    freeman = Account.objects.get(reference="1036")
    assert freeman.balance_principal == Decimal("1226.00")
    assert freeman.debtors.get().company_name == "Freeman Sporting Goods:0969 Ocean View Road"
    assert (freeman.opened_on, freeman.due_on, freeman.debt_type) == (
        date(2026, 10, 14),
        date(2026, 11, 13),
        "commercial",
    )


def test_xero_invoice_export_reads_one_account_per_invoice(client_, tmp_path, capsys):
    # given a Xero invoices export where INV-0001 has two lines, day-first dates and an Australian address
    path = tmp_path / "xero.csv"
    path.write_text(XERO_INVOICES)

    # when it is imported with the Xero preset
    code, summary, err = run(capsys, path, "--format", "xero")

    # then the amount due (not the total) is the balance, once per invoice, in the invoice's currency
    assert code == 0, summary
    assert (summary["rows"], summary["accounts_created"]) == (2, 2)
    inv = Account.objects.get(reference="INV-0001")
    assert (inv.balance_principal, inv.currency, inv.due_on) == (
        Decimal("1645.00"),
        "AUD",
        date(2026, 11, 16),
    )
    assert inv.jurisdiction_country == "AU"
    assert inv.debtors.get().contact_points.get(kind="email").value == "secretary@baysideclub.co"
    assert "unknown column" not in err


def test_sage_customer_list_reads_each_customer_balance(client_, tmp_path, capsys):
    path = tmp_path / "sage.csv"
    path.write_text(SAGE_CUSTOMERS)

    code, summary, _ = run(capsys, path, "--format", "sage")

    assert code == 0, summary
    account = Account.objects.get(reference="ABS001")
    assert (account.balance_principal, account.currency, account.jurisdiction_country) == (
        Decimal("1265.20"),
        "GBP",
        "GB",
    )
    debtor = account.debtors.get()
    assert (debtor.company_name, debtor.ref) == ("A1 Design Services", "ABS001")
    assert debtor.contact_points.get(kind="phone").value == "+441742876234"
    assert Account.objects.get(reference="BRO001").balance_total == 0


@needs_samples
@pytest.mark.parametrize("name", ["minimul_comma-delim.iif", "minimul_dos-carriage-returns.iif"])
def test_real_quickbooks_iif_files_without_invoices_import_no_debts(client_, capsys, name):
    # given a real IIF file of cash sales or journal entries (no invoices; CRLF or CR-only lines)

    # when it is imported with the QuickBooks preset
    code, summary, _ = run(capsys, SAMPLES / name, "--format", "quickbooks")

    # then it is read without error and no payment or journal line becomes a debt
    assert code == 0, summary
    assert (summary["rows"], summary["accounts_created"]) == (0, 0)


@needs_samples
def test_a_real_iif_without_document_numbers_is_refused_with_the_reason(client_, capsys):
    # given the PayPal IIF sample: transactions with no DOCNUM column at all

    # when it is imported with the QuickBooks preset
    code, summary, _ = run(capsys, SAMPLES / "minimul_tab-delim-all-quoted.iif", "--format", "quickbooks")

    # then the file cannot be used (exit 2), and the report says which column is missing
    assert code == 2
    assert "account_ref" in summary["errors"][0]["message"]
    assert Account.objects.count() == 0


@needs_samples
def test_real_quickbooks_iif_invoices_become_accounts(client_, tmp_path, capsys):
    # given the real comma-delimited IIF sample, its cash sale turned into an invoice (other bytes kept)
    data = (SAMPLES / "minimul_comma-delim.iif").read_bytes().replace(b"TRNS,CASH SALE", b"TRNS,INVOICE")
    path = tmp_path / "invoice.iif"
    path.write_bytes(data)

    # when it is imported
    code, summary, _ = run(capsys, path, "--format", "quickbooks")

    # then the TRNS line is the account: document number, customer, amount and date; split lines are not
    assert code == 0, summary
    assert summary["accounts_created"] >= 1
    account = Account.objects.get(reference="108")
    assert account.balance_principal == Decimal("180.00")
    assert account.debtors.get().company_name == "Kate Spraug"
    assert account.opened_on == date(2014, 11, 7)


@needs_samples
def test_the_windows_1252_iif_sample_is_read_without_a_traceback(client_, capsys):
    code, summary, err = run(capsys, SAMPLES / "minimul_windows-1252.iif", "--format", "quickbooks")

    assert code in (0, 2)
    assert summary is not None
