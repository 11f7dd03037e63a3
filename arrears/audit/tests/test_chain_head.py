"""The chain is checked against its stored head (a deleted tail is caught), every column is inside the
hash, and ARREARS_AUDIT_KEY keys the chain so that a database writer cannot rewrite it unseen."""

import hashlib
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.audit.domain import GENESIS, canonical
from arrears.audit.models import AuditChainHead, AuditEvent
from arrears.audit.selectors import audit_chain_verify
from arrears.audit.services import audit_record
from arrears.audit.tests.tampering import raw_write

TABLE = AuditEvent._meta.db_table


def _record(system, n):
    for i in range(n):
        audit_record(actor=system, event="account.note_added", subject_type="account", subject_id=i)


def _sql(statement, params=()):
    raw_write(statement, params)


def test_deleting_the_last_events_is_detected(org, system):
    # given a chain of five events
    _record(system, 5)
    last = AuditEvent.objects.filter(organization=org).order_by("-seq")[:2]
    seqs = sorted(e.seq for e in last)

    # when the last two are deleted
    _sql(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [e.pk for e in last])

    # then the stored head names them
    report = audit_chain_verify(organization_id=org.pk)
    assert not report.ok
    assert report.first_break.seq == seqs[0]
    assert "missing from the end" in report.first_break.reason


def test_deleting_every_event_is_detected(org, system):
    _record(system, 3)

    _sql(f"DELETE FROM {TABLE} WHERE organization_id = %s", [org.pk])

    report = audit_chain_verify(organization_id=org.pk)
    assert not report.ok
    assert report.first_break.seq == 1


def test_deleting_the_head_too_is_detected(org, system):
    _record(system, 3)

    AuditChainHead.objects.filter(pk=org.pk).delete()

    assert "no stored head" in audit_chain_verify(organization_id=org.pk).first_break.reason


def test_changing_the_actor_user_is_detected(org, system, make_user):
    # given an event recorded by a user
    from arrears.tenancy.domain import Principal

    user = make_user(org)
    actor = Principal(organization_id=org.pk, role="collector", user_id=user.pk, label=user.username)
    row = audit_record(actor=actor, event="account.note_added", subject_type="account", subject_id=1)

    # when someone points it at another user (the label unchanged)
    _sql(f"UPDATE {TABLE} SET actor_user_id = NULL WHERE id = %s", [row.pk])

    # then the row no longer matches its hash
    report = audit_chain_verify(organization_id=org.pk)
    assert report.first_break.seq == row.seq
    assert "edited" in report.first_break.reason


def test_audit_verify_exits_1_when_the_tail_was_deleted(org, system):
    _record(system, 3)
    call_command("audit", "verify", "--org", org.slug)  # intact: exits 0
    last = AuditEvent.objects.filter(organization=org).order_by("-seq").first()

    _sql(f"DELETE FROM {TABLE} WHERE id = %s", [last.pk])

    with pytest.raises(SystemExit) as exc:
        call_command("audit", "verify", "--org", org.slug)
    assert exc.value.code == 1


def _start_keyed(org, settings, key="kept-in-a-vault"):
    """The organization's chain started afresh under a key (its fixture events were written without)."""
    settings.AUDIT_CHAIN_KEY = key
    _sql(f"DELETE FROM {TABLE} WHERE organization_id = %s", [org.pk])
    AuditChainHead.objects.filter(pk=org.pk).delete()


def _forge_unkeyed(org_id):
    """What someone with write access to the database but not the key can do: rewrite every row's
    content and recompute every hash with plain SHA-256, and move the head."""
    prev = GENESIS
    for e in AuditEvent.objects.filter(organization_id=org_id).order_by("seq"):
        row = {
            "organization_id": e.organization_id,
            "seq": e.seq,
            "at": e.at.isoformat(timespec="microseconds"),
            "actor": "mallory",
            "actor_user_id": e.actor_user_id,
            "event": e.event,
            "subject_type": e.subject_type,
            "subject_id": e.subject_id,
            "account_id": e.account_id,
            "data": e.data,
            "prev_hash": prev,
        }
        digest = hashlib.sha256(canonical(row)).hexdigest()
        _sql(
            f"UPDATE {TABLE} SET actor_label = %s, prev_hash = %s, hash = %s WHERE id = %s",
            ["mallory", prev, digest, e.pk],
        )
        prev = digest
    _sql(f"UPDATE {AuditChainHead._meta.db_table} SET hash = %s WHERE organization_id = %s", [prev, org_id])


def test_without_a_key_a_rewritten_chain_passes_but_with_one_it_is_caught(org, system, settings):
    # given a chain written without a key, rewritten wholesale: plain SHA-256 cannot tell
    _record(system, 3)
    _forge_unkeyed(org.pk)
    assert audit_chain_verify(organization_id=org.pk).ok

    # when the chain is keyed
    _start_keyed(org, settings)
    _record(system, 3)
    assert audit_chain_verify(organization_id=org.pk).ok

    # then the same rewrite is caught at its first row
    _forge_unkeyed(org.pk)
    report = audit_chain_verify(organization_id=org.pk)
    assert report.first_break.seq == 1


def test_with_a_key_moving_the_head_back_after_deleting_the_tail_is_caught(org, system, settings):
    _start_keyed(org, settings)
    _record(system, 4)
    third = AuditEvent.objects.get(organization=org, seq=3)

    _sql(f"DELETE FROM {TABLE} WHERE organization_id = %s AND seq = 4", [org.pk])
    _sql(
        f"UPDATE {AuditChainHead._meta.db_table} SET seq = 3, hash = %s WHERE organization_id = %s",
        [third.hash, org.pk],
    )

    report = audit_chain_verify(organization_id=org.pk)
    assert "seal" in report.first_break.reason


def test_verify_with_the_wrong_key_fails(org, system, settings):
    _start_keyed(org, settings, key="one")
    _record(system, 2)

    settings.AUDIT_CHAIN_KEY = "another"

    assert audit_chain_verify(organization_id=org.pk).first_break.seq == 1


def _run_migration(migration):
    """The re-hash runs before the append-only triggers exist (migration 0005): so here, past them."""
    from django.db import connection

    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = replica")
        migration.rehash(django_apps, None)
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL session_replication_role = origin")


def _v1_rewrite(org_id):
    """The chain as it was hashed before the actor's user id was inside the hash."""
    migration = importlib.import_module("arrears.audit.migrations.0004_chain_every_column_and_head_seal")
    prev = GENESIS
    for e in AuditEvent.objects.filter(organization_id=org_id).order_by("seq"):
        e.prev_hash = prev
        digest = migration._v1_hash(e)
        _sql(f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE id = %s", [prev, digest, e.pk])
        prev = digest
    _sql(
        f"UPDATE {AuditChainHead._meta.db_table} SET hash = %s, seal = '' WHERE organization_id = %s",
        [prev, org_id],
    )
    return migration


def test_the_migration_rehashes_an_intact_chain_and_seals_its_head(org, system, settings):
    # given a chain in the old hashing (no actor user id), and a key configured for the migration
    _record(system, 4)
    migration = _v1_rewrite(org.pk)
    assert not audit_chain_verify(organization_id=org.pk).ok
    settings.AUDIT_CHAIN_KEY = "kept-in-a-vault"

    # when the migration runs
    _run_migration(migration)

    # then it verifies, keyed
    assert audit_chain_verify(organization_id=org.pk).ok
    assert AuditChainHead.objects.get(pk=org.pk).seal


def test_the_migration_does_not_launder_earlier_tampering(org, system):
    # given an old-style chain whose third row was edited before the migration, and whose tail is gone
    _record(system, 5)
    migration = _v1_rewrite(org.pk)
    third = AuditEvent.objects.get(organization=org, seq=3)
    _sql(f"UPDATE {TABLE} SET subject_id = 'x' WHERE id = %s", [third.pk])

    # when the migration runs
    _run_migration(migration)

    # then the break is still reported where it was
    assert audit_chain_verify(organization_id=org.pk).first_break.seq == 3


def test_verify_json_reports_the_break(org, system, capsys):
    _record(system, 2)
    _sql(f"DELETE FROM {TABLE} WHERE organization_id = %s AND seq = 2", [org.pk])

    with pytest.raises((SystemExit, CommandError)):
        call_command("audit", "verify", "--org", org.slug, "--json")

    assert '"ok": false' in capsys.readouterr().out
