import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.attempts.models import ContactAttempt
from arrears.compliance.models import Decision
from arrears.documents.models import Document
from arrears.documents.tests.conftest import make_wav

AFTERNOON = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)  # 14:00 in New York
NIGHT = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)  # 23:00 in New York


def log(capsys, *args):
    """Run `arrears calls log … --json`; return (exit code, parsed JSON)."""
    try:
        call_command("calls", "log", *args, "--json")
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, json.loads(capsys.readouterr().out)


def test_a_call_is_logged_with_its_decision(make_account, capsys, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    account = make_account()
    wav = tmp_path / "vm.wav"
    wav.write_bytes(make_wav(0.2))

    code, out = log(
        capsys,
        "--account",
        account.reference,
        "--number",
        "(212) 555-0001",
        "--direction",
        "outbound",
        "--outcome",
        "voicemail",
        "--started-at",
        AFTERNOON.isoformat(),
        "--ended-at",
        (AFTERNOON + timedelta(seconds=40)).isoformat(),
        "--note",
        "left a message",
        "--recording",
        str(wav),
    )

    assert code == 0
    assert out["blocked"] is False and out["decision"]["allowed"] is True
    assert out["number"] == "+12125550001"
    attempt = ContactAttempt.objects.get(pk=out["attempt_id"])
    assert attempt.decision_id == out["decision"]["id"]
    assert attempt.ended_at == AFTERNOON + timedelta(seconds=40)
    assert attempt.contact_point.value == "+12125550001"
    assert Document.objects.get(pk=out["recording_id"]).contact_attempt_id == attempt.pk


def test_a_blocked_call_exits_1_with_the_reasons_and_is_kept_as_blocked(make_account, capsys):
    account = make_account()

    code, out = log(
        capsys,
        "--account",
        account.reference,
        "--number",
        "+12125550001",
        "--direction",
        "outbound",
        "--outcome",
        "conversation",
        "--started-at",
        NIGHT.isoformat(),
    )

    assert code == 1
    assert out["blocked"] is True
    assert [r["code"] for r in out["decision"]["reasons"]] == ["INCONVENIENT_TIME"]
    assert ContactAttempt.objects.get(pk=out["attempt_id"]).outcome == "blocked"


def test_a_managers_override_logs_a_blocked_call_and_is_audited(make_account, capsys, org, make_user):
    from arrears.audit.models import AuditEvent

    account = make_account()
    manager = make_user(org, "manager", username="mona")

    code, out = log(
        capsys,
        "--account",
        account.reference,
        "--number",
        "+12125550001",
        "--direction",
        "outbound",
        "--outcome",
        "conversation",
        "--started-at",
        NIGHT.isoformat(),
        "--user",
        manager.username,
        "--override-reason",
        "debtor asked in writing to be called at 11pm",
    )

    assert code == 0
    assert out["decision"]["allowed"] is False and out["decision"]["overridden"] is True
    assert ContactAttempt.objects.get(pk=out["attempt_id"]).outcome == "conversation"
    decision = Decision.objects.get(pk=out["decision"]["id"])
    assert decision.override_reason == "debtor asked in writing to be called at 11pm"
    assert AuditEvent.objects.filter(actor_label="mona", data__icontains="11pm").exists()


def test_a_collector_cannot_override(make_account, org, make_user):
    account = make_account()
    collector = make_user(org, "collector", username="cole")

    with pytest.raises(CommandError, match="override"):
        call_command(
            "calls",
            "log",
            "--account",
            account.reference,
            "--number",
            "+12125550001",
            "--direction",
            "outbound",
            "--outcome",
            "conversation",
            "--started-at",
            NIGHT.isoformat(),
            "--user",
            collector.username,
            "--override-reason",
            "because",
        )


@pytest.mark.parametrize("started", ["yesterday", "2026-03-10T18:00:00"])
def test_bad_times_exit_2_naming_the_flag(make_account, capsys, started):
    account = make_account()

    with pytest.raises(SystemExit) as exit_:
        call_command(
            "calls",
            "log",
            "--account",
            account.reference,
            "--number",
            "+12125550001",
            "--direction",
            "outbound",
            "--outcome",
            "voicemail",
            "--started-at",
            started,
        )

    assert exit_.value.code == 2
    assert "--started-at" in capsys.readouterr().err


def test_an_inbound_call_needs_no_decision(make_account, capsys):
    account = make_account()

    code, out = log(
        capsys,
        "--account",
        account.reference,
        "--number",
        "+12125550001",
        "--direction",
        "inbound",
        "--outcome",
        "right_party_contact",
        "--started-at",
        NIGHT.isoformat(),
    )

    assert code == 0
    assert out["decision"] is None
