import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from arrears.audit.models import AuditEvent
from arrears.audit.tests.tampering import raw_write
from arrears.documents.tests.conftest import make_wav
from arrears.reports.evidence import evidence_content, evidence_packet, fingerprint, render_packet

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 11:00 in New York


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def worked_account(make_account, system, settings, tmp_path):
    """An account with calls (one blocked), a recording, a note and a document."""
    from arrears.accounts.services import account_note_add
    from arrears.contact.services import contact_attempt_record
    from arrears.documents.services import document_store

    settings.MEDIA_ROOT = tmp_path
    account = make_account(principal=Decimal("640.00"), itemization_date=NOW.date() - timedelta(days=40))
    debtor = account.debtors.get()
    phone = debtor.contact_points.get(kind="phone")
    call = contact_attempt_record(
        debtor=debtor,
        channel="call",
        direction="outbound",
        outcome="voicemail",
        accounts=[account],
        actor=system,
        at=NOW,
        contact_point=phone,
        notes="left limited-content message",
    )
    document_store(
        actor=system,
        kind="call_recording",
        stream=io.BytesIO(make_wav(0.3)),
        original_name="vm.wav",
        account=account,
        contact_attempt_id=call.pk,
    )
    contact_attempt_record(
        debtor=debtor,
        channel="call",
        direction="outbound",
        outcome="no_answer",
        accounts=[account],
        actor=system,
        at=NOW.replace(hour=2),
        contact_point=phone,
    )
    account_note_add(account=account, body="Debtor asked for a call back next week", actor=system)
    return account


def test_the_packet_holds_every_section(worked_account, system):
    packet = evidence_packet(principal=system, account=worked_account, generated_at=NOW)

    text = text_of(packet.pdf)
    assert f"Evidence packet: account {worked_account.reference}" in text
    assert "Itemization" in text and "640.00" in text
    assert "Contact attempts (2)" in text
    assert (
        "2026-03-10 15:00:00 UTC" in text and "2026-03-10 11:00 EDT" in text
    )  # UTC and the debtor's local time
    assert "Allowed" in text
    assert "Blocked" in text and "INCONVENIENT_TIME" in text  # the 02:00 UTC call (21:00/22:00 local)
    assert "vm.wav" in text
    assert "Debtor asked for a call back next week" in text
    assert "Verified." in text
    assert packet.content["documents"][0]["intact"]
    assert AuditEvent.objects.filter(event="evidence.packet_generated", account_id=worked_account.pk).exists()


def test_the_packet_is_reproducible(worked_account, system):
    first = evidence_packet(principal=system, account=worked_account, generated_at=NOW)
    second = evidence_packet(principal=system, account=worked_account, generated_at=NOW + timedelta(hours=1))

    assert first.fingerprint == second.fingerprint
    strip = lambda t: "\n".join(ln for ln in t.splitlines() if not ln.startswith("Generated "))  # noqa: E731
    assert strip(text_of(first.pdf)) == strip(text_of(second.pdf))
    # Same content, same generation time and chain length: the very same bytes.
    assert render_packet(first.content, generated_at=NOW, events_checked=5) == render_packet(
        second.content, generated_at=NOW, events_checked=5
    )


def test_a_tampered_audit_row_is_reported_in_the_packet(worked_account, system):
    victim = AuditEvent.objects.filter(organization_id=system.organization_id).order_by("seq")[3]
    raw_write(
        f"UPDATE {AuditEvent._meta.db_table} SET actor_label = %s WHERE id = %s", ["mallory", victim.pk]
    )

    packet = evidence_packet(principal=system, account=worked_account, generated_at=NOW)

    assert f"AUDIT CHAIN BROKEN at event #{victim.seq}" in text_of(packet.pdf)
    assert not packet.content["audit_chain"]["ok"]


def test_a_changed_file_is_reported(worked_account, system):
    from arrears.documents.models import Document

    doc = Document.objects.get(account=worked_account)
    with open(doc.file.path, "ab") as handle:
        handle.write(b"spliced")

    content = evidence_content(principal=system, account=worked_account)

    assert content["documents"][0]["intact"] is False
    assert content["documents"][0]["sha256"] != doc.sha256


def test_fingerprint_changes_with_the_data(worked_account, system):
    from arrears.accounts.services import account_note_add

    before = fingerprint(evidence_content(principal=system, account=worked_account))
    account_note_add(account=worked_account, body="another note", actor=system)

    assert fingerprint(evidence_content(principal=system, account=worked_account)) != before


def test_the_evidence_command(worked_account, tmp_path, capsys):
    import json

    from django.core.management import call_command

    out = tmp_path / "packet.pdf"
    call_command("evidence", "--account", worked_account.reference, "--out", str(out), "--json")

    summary = json.loads(capsys.readouterr().out)
    assert out.read_bytes()[:5] == b"%PDF-"
    assert summary["contacts"] == 2 and summary["audit_chain_ok"] is True
