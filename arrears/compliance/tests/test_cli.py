"""`arrears compliance …`: the exact CLI contract."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from arrears.compliance.models import Decision

from .scenarios import calls, scenario

REPO = Path(__file__).resolve().parents[3]


def arrears(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real console command with a database URL that cannot connect: evaluate must not need one."""
    env = {**os.environ, "DATABASE_URL": "postgres://nobody@127.0.0.1:9/does_not_exist"}
    return subprocess.run(  # noqa: S603 (our own entry point, fixed arguments)
        [sys.executable, "-c", "from arrears.cli import main; main()", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
        timeout=120,
        check=False,
    )


def test_evaluate_contract_from_stdin_without_a_database():
    data = scenario(history=calls(7, start="2026-03-09T13:00:00Z"))

    result = arrears("compliance", "evaluate", "-", stdin=json.dumps(data))

    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert list(out) == ["allowed", "reasons", "requirements", "next_allowed_at"]
    assert out["allowed"] is False
    assert list(out["reasons"][0]) == ["code", "effect", "citation", "message"]
    assert out["reasons"][0]["code"] == "REG_F_CALL_FREQUENCY"
    assert out["reasons"][0]["citation"] == "12 CFR 1006.14(b)(2)(i)(A)"
    assert out["requirements"][0] == {
        "code": "MINI_MIRANDA",
        "citation": "12 CFR 1006.18(e)",
        "message": out["requirements"][0]["message"],
    }
    assert out["next_allowed_at"] == "2026-03-16T12:00:00Z"


def test_evaluate_from_a_file_with_only_the_required_fields(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(
        json.dumps({"now": "2026-03-10T16:00:00Z", "action": {"channel": "letter"}, "debt": {"id": "D1"}})
    )

    result = arrears("compliance", "evaluate", str(path))

    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["allowed"] is True
    assert [r["code"] for r in out["reasons"]] == ["LOCATION_UNKNOWN"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        pytest.param({"action": {"channel": "call"}, "debt": {"id": "D1"}}, "now", id="missing-now"),
        pytest.param(
            {"now": "2026-03-10T14:30:00", "action": {"channel": "call"}, "debt": {"id": "D1"}},
            "now",
            id="naive-now",
        ),
        pytest.param(
            {"now": "2026-03-10T14:30:00Z", "action": {}, "debt": {"id": "D1"}},
            "action.channel",
            id="missing-channel",
        ),
        pytest.param(
            {"now": "2026-03-10T14:30:00Z", "action": {"channel": "fax"}, "debt": {"id": "D1"}},
            "action.channel",
            id="unknown-channel",
        ),
        pytest.param(
            {"now": "2026-03-10T14:30:00Z", "action": {"channel": "call"}, "debt": {}},
            "debt.id",
            id="missing-debt-id",
        ),
        pytest.param(
            scenario(consumer={"phones": [{"number": "not a phone"}]}),
            "consumer.phones[0].number",
            id="bad-phone",
        ),
        pytest.param(
            scenario(history=[{"at": "yesterday", "channel": "call"}]), "history[0].at", id="bad-history"
        ),
        pytest.param(
            scenario(
                consumer={"phones": [{"number": "+12125550142", "zones": ["America/New_York", "Mars/X"]}]}
            ),
            "consumer.phones[0].zones[1]",
            id="bad-phone-zone",
        ),
        pytest.param(
            scenario(consumer={"phones": [{"number": "+12125550142", "zones": "America/New_York"}]}),
            "consumer.phones[0].zones",
            id="phone-zones-not-a-list",
        ),
        pytest.param(scenario(consumer={"flags": ["sad"]}), "consumer.flags[0]", id="unknown-flag"),
        pytest.param(scenario(consumer={"timezone": "Mars/Olympus"}), "consumer.timezone", id="bad-zone"),
        pytest.param(
            scenario(history=[{"at": "9999-12-31T23:00:00Z", "channel": "call"}]),
            "history[0].at",
            id="year-out-of-range",
        ),
        pytest.param(
            scenario(debt={"validation_notice_sent_on": "9999-12-31"}),
            "debt.validation_notice_sent_on",
            id="date-out-of-range",
        ),
    ],
)
def test_evaluate_invalid_input_exits_2_naming_the_field(data, field, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    out = io.StringIO()

    with pytest.raises(CommandError) as err:
        call_command("compliance", "evaluate", str(path), stdout=out)

    assert err.value.returncode == 2
    assert field in str(err.value)
    assert out.getvalue() == ""


def test_invalid_input_through_the_console_command():
    result = arrears("compliance", "evaluate", "-", stdin=json.dumps({"now": "2026-03-10T14:30:00Z"}))

    assert result.returncode == 2
    assert "action" in result.stderr
    assert result.stdout == ""


def test_evaluate_not_json_or_unreadable_exits_2(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{nope")

    with pytest.raises(CommandError) as not_json:
        call_command("compliance", "evaluate", str(path))
    with pytest.raises(CommandError) as missing:
        call_command("compliance", "evaluate", str(tmp_path / "missing.json"))

    assert not_json.value.returncode == 2 and "not JSON" in str(not_json.value)
    assert missing.value.returncode == 2 and "cannot read" in str(missing.value)


def test_validation_period_exact_output():
    result = arrears("compliance", "validation-period", "--provided-on", "2026-12-21")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '{"provided_on": "2026-12-21", "assumed_receipt_on": "2026-12-29", "ends_on": "2027-01-28"}'
    )


def test_validation_period_bad_date_exits_2():
    with pytest.raises(CommandError) as err:
        call_command("compliance", "validation-period", "--provided-on", "21/12/2026")

    assert err.value.returncode == 2
    assert "--provided-on" in str(err.value)


@pytest.mark.django_db
def test_check_decides_over_stored_data_and_stores_the_decision(make_account):
    account = make_account(reference="REF-1")
    out = io.StringIO()

    call_command(
        "compliance",
        "check",
        "--account",
        "REF-1",
        "--channel",
        "call",
        "--at",
        "2026-03-11T01:30:00Z",
        stdout=out,
    )

    result = json.loads(out.getvalue())
    assert result["allowed"] is False
    assert [r["code"] for r in result["reasons"]] == ["INCONVENIENT_TIME"]
    assert result["next_allowed_at"] == "2026-03-11T12:00:00Z"
    assert Decision.objects.get(pk=result["decision_id"]).account == account


@pytest.mark.django_db
def test_check_unknown_account_is_a_usage_error(org):
    with pytest.raises(CommandError) as err:
        call_command("compliance", "check", "--account", "NOPE", "--channel", "call")

    assert err.value.returncode == 2


@pytest.mark.django_db
def test_validation_notice_command_writes_the_pdf(make_account, tmp_path):
    make_account(reference="REF-2", principal=Decimal("250.00"), itemization_date=date(2026, 1, 31))
    target = tmp_path / "notice.pdf"
    out = io.StringIO()

    call_command(
        "compliance",
        "validation-notice",
        "--account",
        "REF-2",
        "--out",
        str(target),
        "--provided-on",
        "2026-12-21",
        stdout=out,
    )

    summary = json.loads(out.getvalue())
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(target).pages)
    assert summary["ends_on"] == "2027-01-28" and summary["recorded"] is False
    assert "Total amount of the debt now: $250.00" in text
    assert "January 28, 2027" in text


@pytest.mark.django_db
def test_validation_notice_provided_today_on_a_day_before_christmas(make_account, tmp_path):
    import time_machine

    make_account(reference="REF-3", principal=Decimal("99.00"), itemization_date=date(2026, 11, 30))
    out = io.StringIO()

    with time_machine.travel("2026-12-21T15:00:00Z", tick=False):
        call_command(
            "compliance",
            "validation-notice",
            "--account",
            "REF-3",
            "--out",
            str(tmp_path / "n.pdf"),
            stdout=out,
        )

    summary = json.loads(out.getvalue())
    assert summary["provided_on"] == "2026-12-21"
    assert summary["assumed_receipt_on"] == "2026-12-29"
    assert summary["ends_on"] == "2027-01-28"


@pytest.mark.parametrize(
    "content",
    [b'{"now": "2026-03-10T16:00:00Z", "debt": {"id": "Jos\xe9"}}', b"\xff\xfe\x00\x00garbage", b""],
    ids=["latin-1-byte", "binary", "empty"],
)
def test_evaluate_on_unreadable_input_exits_2_with_one_line(tmp_path, content):
    path = tmp_path / "s.json"
    path.write_bytes(content)

    result = arrears("compliance", "evaluate", str(path))

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "invalid input" in result.stderr


def test_evaluate_on_a_directory_exits_2(tmp_path):
    result = arrears("compliance", "evaluate", str(tmp_path))

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
