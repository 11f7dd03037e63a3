"""Reading files: encodings, delimiters, quoted newlines, row numbers, XLSX, and whole rows."""

import io
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from arrears.imports.domain.mapping import Mapping, mapping_from_toml, resolve_layout
from arrears.imports.domain.reading import csv_rows, detect_encoding, xlsx_rows
from arrears.imports.domain.records import Issue, Record, RowParser

TEXT = 'account_ref;last_name;balance;notes\nA1;Müller;10;"line one\nline two"\n\nA2;Smith;20;x\n'


@pytest.mark.parametrize(
    ("encoded", "encoding"),
    [
        pytest.param(TEXT.encode("utf-8"), "utf-8", id="utf-8"),
        pytest.param(b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig", id="utf-8-bom"),
        pytest.param(TEXT.encode("utf-16"), "utf-16", id="utf-16-bom"),
        pytest.param(TEXT.encode("utf-16-le"), "utf-16-le", id="utf-16-le-no-bom"),
        pytest.param(TEXT.encode("cp1252"), "cp1252", id="windows-1252"),
    ],
)
def test_encodings_are_detected_and_rows_numbered_like_a_spreadsheet(encoded, encoding):
    # given the same rows in several encodings, with a quoted newline and a blank line

    # when the file is read
    stream = io.BytesIO(encoded)
    detected = detect_encoding(stream)
    rows = list(csv_rows(stream))

    # then the text is the same, and a multi-line quoted field is still one row
    assert detected == encoding
    assert [(r.row, r.values[0], r.values[1]) for r in rows] == [
        (1, "account_ref", "last_name"),
        (2, "A1", "Müller"),
        (4, "A2", "Smith"),
    ]
    assert rows[1].values[3] == "line one\nline two"


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_delimiters_are_sniffed(delimiter):
    # given a file with one of the three delimiters and a quoted delimiter in a value
    text = delimiter.join(["account_ref", "last_name", "balance"]) + "\n"
    text += delimiter.join(["A1", '"Doe, Jane; Q"', "10"]) + "\n"

    # when it is read
    rows = list(csv_rows(io.BytesIO(text.encode())))

    # then the columns split on that delimiter only
    assert rows[1].values == ["A1", "Doe, Jane; Q", "10"]


def test_xlsx_is_read_in_read_only_mode_with_typed_cells():
    # given a workbook with typed cells
    book = Workbook()
    sheet = book.active
    sheet.append(["account_ref", "last_name", "balance", "opened_on"])
    sheet.append(["A1", "Doe", 1234.5, datetime(2024, 3, 4)])
    sheet.append([None, None, None, None])
    sheet.append(["A2", "Roe", 10, date(2024, 1, 2)])
    buffer = io.BytesIO()
    book.save(buffer)

    # when it is read
    rows = list(xlsx_rows(buffer))

    # then numbers and dates come back as clean text, blank rows skipped, numbering kept
    assert [(r.row, r.values) for r in rows] == [
        (1, ["account_ref", "last_name", "balance", "opened_on"]),
        (2, ["A1", "Doe", "1234.5", "2024-03-04"]),
        (4, ["A2", "Roe", "10", "2024-01-02"]),
    ]


def parser_for(header, mapping=None, date_order=None):
    mapping = mapping or Mapping()
    layout, missing = resolve_layout(header, 1, mapping)
    assert not missing
    return RowParser(layout=layout, mapping=mapping, country="US", currency="USD", date_order=date_order)


def test_header_is_matched_case_insensitively_in_any_order_and_unknown_columns_reported():
    # given a header in a different order and case, with a column we do not know
    header = [" Balance ", "ACCOUNT_REF", "Favourite Colour", "Full_Name"]

    # when the layout is resolved
    layout, missing = resolve_layout(header, 1, Mapping())

    # then the fields are found and the unknown column is reported, not fatal
    assert missing == []
    assert layout.index == {"balance": 0, "account_ref": 1, "full_name": 3}
    assert layout.unknown == ("Favourite Colour",)


@pytest.mark.parametrize(
    ("header", "missing"),
    [
        pytest.param(["account_ref", "first_name", "last_name"], ["balance"], id="no-balance"),
        pytest.param(["balance", "company_name"], ["account_ref"], id="no-reference"),
        pytest.param(
            ["account_ref", "balance", "first_name"],
            ["first_name+last_name|full_name|company_name"],
            id="first-name-alone-is-not-a-name",
        ),
    ],
)
def test_required_columns(header, missing):
    assert resolve_layout(header, 1, Mapping())[1] == missing


def test_a_complete_row_becomes_a_normalised_record():
    # given a row with every kind of field
    header = [
        "account_ref",
        "first_name",
        "last_name",
        "date_of_birth",
        "ssn",
        "email",
        "phone",
        "phone_kind",
        "address_line1",
        "city",
        "state",
        "postal_code",
        "balance",
        "principal",
        "interest",
        "fees",
        "interest_rate",
        "opened_on",
        "debt_type",
    ]
    values = [
        "A-1",
        " Jane ",
        "DOE",
        "01/02/1980",
        "123-45-6789",
        "Jane@Example.com",
        "(212) 555-0142",
        "cell",
        "12 Main St",
        "New York",
        "ny",
        "10001",
        "$1,200.50",
        "1,000.00",
        "200.50",
        "",
        "12.5%",
        "2020-01-05",
        "Commercial",
    ]

    # when it is parsed
    record = parser_for(header).parse(2, values)

    # then every value is normalised, and names are stored as given but matched case-folded
    assert isinstance(record, Record)
    assert (record.first_name, record.last_name, record.name_key) == ("Jane", "DOE", "jane doe")
    assert record.date_of_birth == date(1980, 1, 2)
    assert record.national_id == "123456789"
    assert record.email == "jane@example.com"
    assert record.phones == (("+12125550142", "mobile"),)
    assert tuple(record.address) == ("12 Main St", "", "New York", "NY", "10001", "US")
    assert (record.balance, record.principal, record.interest, record.fees) == (
        Decimal("1200.50"),
        Decimal("1000.00"),
        Decimal("200.50"),
        Decimal(0),
    )
    assert record.interest_rate == Decimal("12.5")
    assert record.debt_type == "commercial"
    assert record.dates["opened_on"] == date(2020, 1, 5)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        pytest.param(
            {"principal": "90", "interest": "5", "fees": "4"},
            "does not equal the balance",
            id="parts-must-sum-to-balance",
        ),
        pytest.param({"interest": "60", "fees": "50"}, "exceed the balance", id="parts-exceed-balance"),
        pytest.param({"balance": "-5"}, "must not be negative", id="negative-balance"),
        pytest.param({"balance": "12,34.5x"}, "not an amount", id="bad-amount"),
        pytest.param({"balance": ""}, "required", id="balance-required"),
        pytest.param({"account_ref": ""}, "required", id="reference-required"),
        pytest.param({"first_name": "", "last_name": ""}, "a debtor name is required", id="name-required"),
        pytest.param({"last_name": ""}, "a last name is required", id="first-name-needs-last-name"),
        pytest.param({"currency": "dollars"}, "ISO 4217", id="currency-code"),
        pytest.param({"phone_kind": "pager"}, "not a phone kind", id="phone-kind"),
        pytest.param({"account_ref": "x" * 101}, "longer than 100", id="too-long-for-the-column"),
    ],
)
def test_row_rules(cells, expected):
    # given a valid row with one cell made wrong
    row = {
        "account_ref": "A1",
        "first_name": "Jane",
        "last_name": "Doe",
        "balance": "100",
        "currency": "",
        "principal": "",
        "interest": "",
        "fees": "",
        "phone_kind": "",
    }
    row.update(cells)

    # when it is parsed
    result = parser_for(list(row)).parse(7, list(row.values()))

    # then the row is rejected with its number, column, value and reason
    assert isinstance(result, list)
    assert any(expected in issue.message for issue in result), result
    issue = next(i for i in result if expected in i.message)
    assert isinstance(issue, Issue)
    assert issue.row == 7
    assert issue.value == row.get(issue.column, "")


def test_a_missing_principal_is_the_balance_less_interest_and_fees():
    result = parser_for(["account_ref", "company_name", "balance", "interest", "fees"]).parse(
        2, ["A1", "Acme LLC", "100", "10", "5"]
    )

    assert isinstance(result, Record)
    assert (result.principal, result.kind, result.debt_type) == (Decimal(85), "company", "commercial")


def test_mapping_toml_maps_headers_sets_defaults_and_skips_summary_lines():
    # given a user's mapping
    mapping = mapping_from_toml(
        """
        name = "my bank"
        date_order = "dmy"
        skip_when_blank = ["account_ref"]
        [columns]
        account_ref = ["Loan No", "Loan Number"]
        full_name = "Borrower"
        balance = "Outstanding"
        [defaults]
        currency = "EUR"
        """
    )
    parser = parser_for(["Loan Number", "Borrower", "Outstanding", "opened_on"], mapping)

    # when rows are parsed
    record = parser.parse(2, ["L-9", "Doe, Jane", "1.50", "03/04/2024"])

    # then headers map, defaults apply, and the mapping's date order holds
    assert isinstance(record, Record)
    assert (record.account_ref, record.first_name, record.last_name) == ("L-9", "Jane", "Doe")
    assert record.currency == "EUR"
    assert record.dates["opened_on"] == date(2024, 4, 3)
    assert parser.skip(["", "Total", "99", ""])


@pytest.mark.parametrize("data", [b"\x00\x01\x00\x01\x00", b"\x00a\x00b\x00c\x00", b"a\x00b\x00c\x00\xd8"])
def test_truncated_utf16_is_an_unreadable_file_not_a_crash(data):
    # Found by the fuzz test: NUL-patterned bytes are taken for UTF-16, then end mid-character.
    from arrears.imports.domain.reading import UnreadableFile

    with pytest.raises(UnreadableFile, match="not valid utf-16"):
        list(csv_rows(io.BytesIO(data)))
