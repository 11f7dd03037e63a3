"""Parsing in worker processes gives what parsing in the importing process gives, row for row."""

import io
import json
import random

from arrears.cli import main
from arrears.imports.domain.mapping import Mapping, resolve_layout
from arrears.imports.domain.reading import csv_rows
from arrears.imports.domain.records import RowParser
from arrears.imports.parsing import CHUNK_ROWS, PARSED, REJECTED, parse_rows

HEADER = (
    "account_ref,full_name,date_of_birth,ssn,email,phone,address_line1,city,state,postal_code,balance,notes"
)


def messy_file(rows: int, seed: int = 7) -> bytes:
    """Good rows, bad cells of every kind, repeated references, blank lines, quoted line breaks."""
    rng = random.Random(seed)
    lines = [HEADER]
    for n in range(rows):
        ref = f"R{rng.randrange(rows * 9 // 10)}"  # about one in ten repeats an earlier reference
        balance = rng.choice(["$1,200.50", "300", "(12.00)", "12,34.5x", "", "1e99", "45.678"])
        dob = rng.choice(["1980-01-02", "02/30/1990", "13/01/1990", "", "31.12.1970"])
        phone = rng.choice(["(212) 555-0142", "555", "+44 20 7946 0958", ""])
        email = rng.choice(["a@example.com", "not-an-email", ""])
        ssn = rng.choice(["078-05-1120", "000-12-3456", ""])
        address = rng.choice(
            [
                "12 Main St,New York,NY,10001",
                '"5 Oak Ave, Springfield, IL 62704",,,',
                "1 Elm St,Boston,MA,10001",
                ",,,",
            ]
        )
        note = rng.choice(["", '"two\nlines"', "plain"])
        lines.append(f"{ref},Jane Q Doe{n % 50},{dob},{ssn},{email},{phone},{address},{balance},{note}")
        if n % 97 == 0:
            lines.append("")
    return ("\n".join(lines) + "\n").encode()


def outcomes(data: bytes, workers: int):
    rows = csv_rows(io.BytesIO(data))
    header = next(rows)
    layout, missing = resolve_layout(header.values, header.row, Mapping())
    assert not missing
    parser = RowParser(layout=layout, mapping=Mapping(), country="US", currency="USD", date_order=None)
    return list(parse_rows(parser, rows, workers=workers))


def test_worker_processes_give_the_same_outcomes_in_the_same_order():
    data = messy_file(CHUNK_ROWS * 3 + 17)  # several chunks in flight, and a short last one
    alone = outcomes(data, workers=1)
    pooled = outcomes(data, workers=2)
    assert pooled == alone
    kinds = {kind for _, kind, _, _ in alone}
    assert kinds == {PARSED, REJECTED}  # the file exercises both


def test_the_import_reports_the_same_with_and_without_workers(
    client_, tmp_path, capsys, settings, monkeypatch
):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)  # the CLI closes connections on exit
    path = tmp_path / "messy.csv"
    path.write_bytes(messy_file(2500, seed=11))
    reports = []
    for workers, min_bytes in ((1, 10**12), (2, 1)):
        settings.IMPORT_WORKERS = workers
        settings.IMPORT_PARALLEL_MIN_BYTES = min_bytes
        try:
            main(
                ["import", "accounts", str(path), "--client", "bank", "--dry-run", "--skip-invalid", "--json"]
            )
        except SystemExit as exc:
            assert exc.code in (0, 1)
        reports.append(json.loads(capsys.readouterr().out))
    assert reports[0] == reports[1]
    assert reports[0]["rejected"] > 0 and reports[0]["accounts_created"] > 0
