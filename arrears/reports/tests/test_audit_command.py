"""`arrears audit verify [--org SLUG] [--json]`: exit 1 at the first broken link, 2 for an unknown
organization, and every organization by slug when none is named."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from arrears.audit.events import Event
from arrears.audit.models import AuditEvent
from arrears.audit.services import audit_record
from arrears.audit.tests.tampering import raw_write
from arrears.tenancy.domain import system_principal


def test_verify_exits_1_on_a_broken_chain(org, system, capsys):
    audit_record(actor=system, event=Event.ACCOUNT_NOTE_ADDED, subject_type="t", subject_id=1)
    raw_write(
        f"UPDATE {AuditEvent._meta.db_table} SET actor_label = 'mallory' WHERE organization_id = %s", [org.pk]
    )

    with pytest.raises(SystemExit) as exit_:
        call_command("audit", "verify", "--org", org.slug)

    assert exit_.value.code == 1
    assert "BROKEN at #1" in capsys.readouterr().out


def test_verify_of_an_unknown_organization_is_a_usage_error(org):
    with pytest.raises(CommandError) as error:
        call_command("audit", "verify", "--org", "no-such-org")

    assert error.value.returncode == 2
    assert str(error.value).startswith("ORG_NOT_FOUND:")
    assert "no-such-org" in str(error.value)


def test_verify_without_org_checks_every_organization_by_slug(org, other_org, system, capsys):
    audit_record(actor=system, event=Event.ACCOUNT_NOTE_ADDED, subject_type="t", subject_id=1)
    audit_record(
        actor=system_principal(other_org.pk, "test"),
        event=Event.ACCOUNT_NOTE_ADDED,
        subject_type="t",
        subject_id=2,
    )

    call_command("audit", "verify", "--json")

    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True
    slugs = [r["org"] for r in document["organizations"]]
    assert slugs == sorted([org.slug, other_org.slug])
    assert all(r["checked"] >= 1 and r["first_break"] is None for r in document["organizations"])
