"""Hypothesis feeds the importer random bytes and malformed rows: it always ends with a report."""

import csv
import io
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.imports.domain.mapping import CANONICAL_FIELDS
from arrears.imports.models import ImportJob
from arrears.imports.selectors import import_job_summary
from arrears.imports.services import import_job_create, import_job_run
from arrears.ledger.selectors import ledger_cache_mismatches
from arrears.tenancy.domain import system_principal

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
_names = itertools.count()

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            "12,34.5x",
            "$1,000.00",
            "(5)",
            "-3",
            "13/45/2020",
            "2024-02-30",
            "not@",
            "+1",
            "123-45-6789",
            "ZZ",
            "99999",
            "1e9",
            "NaN",
            "x" * 400,
            "\x00",
            '"',
            "\r\n",
        ]
    ),
)


def import_bytes(org, client, tmp_path, data: bytes) -> ImportJob:
    path = tmp_path / f"fuzz-{next(_names)}.csv"
    path.write_bytes(data)
    job = import_job_create(
        organization=org, client=client, path=path, actor=system_principal(org.pk, "fuzz"), skip_invalid=True
    )
    return import_job_run(job=job)


def assert_reported(job: ImportJob) -> None:
    summary = import_job_summary(job=job)
    assert job.status in ("completed", "rejected", "failed")
    assert summary["rows"] == job.rows
    assert summary["rejected"] <= summary["rows"]
    assert summary["accounts_created"] + summary["accounts_updated"] <= summary["rows"] - summary["rejected"]
    for error in summary["errors"]:
        assert set(error) == {"row", "column", "value", "message"}
        assert error["row"] >= 1


@pytest.mark.django_db
@FUZZ
@given(data=st.binary(max_size=600))
def test_random_bytes_end_in_a_report(org, client_, tmp_path, data):
    assert_reported(import_bytes(org, client_, tmp_path, data))


@pytest.mark.django_db
@FUZZ
@given(
    columns=st.lists(st.sampled_from(CANONICAL_FIELDS), min_size=1, max_size=12, unique=True),
    rows=st.lists(st.lists(cell, min_size=0, max_size=14), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp1252"]),
)
def test_malformed_rows_end_in_a_report(org, client_, tmp_path, columns, rows, delimiter, encoding):
    # given a header of real columns (maybe too few) and rows of hostile cells
    header = ["account_ref", "full_name", "balance", *columns] if len(rows) % 2 else columns
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)

    # when the file is imported
    job = import_bytes(org, client_, tmp_path, buffer.getvalue().encode(encoding, errors="replace"))

    # then there is a report, and whatever was written keeps the ledger invariant
    assert_reported(job)
    assert list(ledger_cache_mismatches()) == []


@pytest.mark.django_db
@FUZZ
@given(tail=st.binary(max_size=300))
def test_corrupt_workbooks_end_in_a_report(org, client_, tmp_path, tail):
    # given bytes that start like an XLSX (a zip) and are not one
    job = import_bytes(org, client_, tmp_path, b"PK\x03\x04" + tail)

    # then the file is reported unusable, never a traceback
    assert job.status == "failed"
    assert_reported(job)
