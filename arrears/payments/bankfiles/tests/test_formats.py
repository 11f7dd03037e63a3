"""Format detection, the one entry point, and fuzzing: whatever bytes come in, the answer is a parsed
file or a BankFileError, never another exception."""

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.payments.bankfiles import FORMATS, BankFile, BankFileError, detect_format, parse_statement

from ._samples import SAMPLES

KINDS = ("camt053", "camt054", "bai2", "ofx", "nacha")
SAMPLE_FILES = sorted(
    path for kind in KINDS if (SAMPLES / kind).is_dir() for path in (SAMPLES / kind).iterdir()
)


def test_the_shared_samples_are_beside_the_repository():
    missing = [kind for kind in KINDS if not (SAMPLES / kind).is_dir()]

    assert not missing, f"{SAMPLES} lacks {missing}: these tests read the real files in ../shared/samples/"
    assert len(SAMPLE_FILES) == 22


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.name)
def test_every_sample_is_detected_and_parsed(path: Path):
    data = path.read_bytes()

    result = parse_statement(data)

    assert detect_format(data) == result.format == path.parent.name
    assert isinstance(result, BankFile)
    if result.format == "nacha":
        assert result.ach is not None and result.ach.entries and result.statements == ()
    else:
        assert result.statements and result.transactions and result.ach is None


def test_transaction_counts_across_formats():
    counts = {path.name: len(parse_statement(path.read_bytes()).transactions) for path in SAMPLE_FILES}

    assert counts["moov_sample3.txt"] == 26
    assert counts["FI_camt_053_sample.xml"] == 13
    assert counts["ofxparse_checking.ofx"] == 3
    assert counts["genkgo_camt054.v8.xml"] == 1


@pytest.mark.parametrize(
    "name",
    [
        "metro2/cfpb_m2_file_small.txt",
        "quickbooks_iif/minimul_comma-delim.iif",
        "metro2/moov_packed_file.dat",
    ],
)
def test_other_files_are_not_bank_files(name):
    with pytest.raises(BankFileError, match="not a bank file"):
        parse_statement((SAMPLES / name).read_bytes())


def test_named_format_skips_detection_and_checks_camt_kind():
    data = (SAMPLES / "camt053" / "FI_camt_053_sample.xml").read_bytes()

    assert parse_statement(data, format="camt053").format == "camt053"
    with pytest.raises(BankFileError, match="asked for camt054"):
        parse_statement(data, format="camt054")
    with pytest.raises(BankFileError, match="unknown format 'mt940'"):
        parse_statement(data, format="mt940")


def test_idempotency_keys_are_stable_and_distinct_across_accounts():
    data = (SAMPLES / "bai2" / "moov_sample1.txt").read_bytes()

    first = [t.idempotency_key for t in parse_statement(data).transactions]
    again = [t.idempotency_key for t in parse_statement(data).transactions]

    assert first == again
    assert len(set(first)) == len(first) == 17


def _outcome(data: bytes, format: str = "auto") -> None:  # noqa: A002
    try:
        result = parse_statement(data, format=format)
    except BankFileError as error:
        assert str(error)
        return
    assert isinstance(result, BankFile)
    for transaction in result.transactions:
        assert transaction.amount >= 0
        assert transaction.transaction_id


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=2048), st.sampled_from(["auto", *FORMATS]))
def test_fuzz_random_bytes(data, format):  # noqa: A002
    _outcome(data, format)


@st.composite
def mutated_samples(draw):
    path = draw(st.sampled_from(SAMPLE_FILES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        action = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]))
        if not data:
            break
        at = draw(st.integers(min_value=0, max_value=len(data) - 1))
        if action == "flip":
            data[at] = draw(st.integers(min_value=0, max_value=255))
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif action == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=64))]
        elif action == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at : at + draw(st.integers(min_value=1, max_value=200))]
    return bytes(data)


@FUZZ
@given(mutated_samples())
def test_fuzz_mutated_samples(data):
    _outcome(data)


@FUZZ
@given(
    st.sampled_from(["camt053", "bai2", "ofx", "nacha"]),
    st.lists(
        st.sampled_from(
            [
                "01,",
                "02,",
                "03,",
                "16,",
                "88,",
                "49,",
                "98,",
                "99,",
                "/",
                ",",
                "\n",
                "\r",
                "V,",
                "S,",
                "D,",
                "<OFX>",
                "<STMTRS>",
                "<STMTTRN>",
                "<TRNAMT>",
                "<FITID>",
                "</STMTTRN>",
                "<CURDEF>",
                "<![CDATA[",
                "<Ntry>",
                "</Ntry>",
                "<Amt Ccy='EUR'>",
                "<Stmt>",
                "<Document>",
                "<BkToCstmrStmt>",
                "1",
                "5",
                "6",
                "7",
                "8",
                "9",
                "0",
                "-",
                ".",
                " ",
                "X",
                "&amp;",
                "]]>",
            ]
        ),
        max_size=60,
    ),
)
def test_fuzz_format_shaped_noise(format, pieces):  # noqa: A002
    _outcome("".join(pieces).encode(), format)
