import pytest
from django.db import connection

from arrears.core.errors import ArrearsError
from arrears.debtors.models import Debtor
from arrears.debtors.services import debtor_create, debtor_reveal_national_id
from arrears.tenancy.domain import Principal

SSN = "123-45-6789"


def test_national_id_is_never_stored_in_plain_text(org, system):
    debtor = debtor_create(
        organization_id=org.pk, actor=system, first_name="Ann", last_name="Lee", national_id=SSN
    )

    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {Debtor._meta.db_table} WHERE id = %s", [debtor.pk])
        raw_row = " ".join(str(v) for v in cur.fetchone())

    assert "123456789" not in raw_row
    assert SSN not in raw_row
    assert debtor.national_id_masked == "***-**-6789"
    assert debtor.national_id_plain() == "123456789"


def test_revealing_a_national_id_needs_the_permission_and_is_audited(org, system):
    from arrears.audit.models import AuditEvent

    debtor = debtor_create(
        organization_id=org.pk, actor=system, first_name="Ann", last_name="Lee", national_id=SSN
    )
    collector = Principal(organization_id=org.pk, role="collector", user_id=None, label="col")

    with pytest.raises(ArrearsError):
        debtor_reveal_national_id(debtor=debtor, actor=collector, reason="identity check")
    with pytest.raises(ArrearsError, match="why"):
        debtor_reveal_national_id(debtor=debtor, actor=system, reason=" ")
    assert debtor_reveal_national_id(debtor=debtor, actor=system, reason="identity check") == "123456789"

    viewed = AuditEvent.objects.filter(event="debtor.national_id_viewed", subject_id=str(debtor.pk))
    assert [(e.actor_label, e.data) for e in viewed] == [("test", {"reason": "identity check"})]  # who, why
    assert viewed.get().at is not None  # when


def test_nothing_decrypts_personal_data_around_the_audited_paths():
    """A full national id or bank number is decrypted only where the view (or the file it goes into) is
    audited; a new call elsewhere fails here, named."""
    import re
    from pathlib import Path

    package = Path(__file__).resolve().parents[2]
    allowed = {
        "debtors/models.py",  # national_id_plain itself
        "debtors/services.py",  # debtor_reveal_national_id: audited with who, when, why
        "payments/ach.py",  # the NACHA file: audited as ach.file_created
        "payments/models.py",  # AchFile.content, written to the file the export audits
        "core/crypto.py",
        "core/rotation.py",  # re-encrypts without reading the value out
        "debtors/reporting.py",  # Metro 2 furnishing (a permitted use): audited as metro2.exported
        "api/services.py",  # webhook signing secrets, not personal data
        "tenancy/selectors.py",  # an organization's single sign-on client secret, not personal data
        "workbench/signin.py",  # a user's second-factor secret, for allauth to check a code
    }
    calls = re.compile(r"national_id_plain\(|crypto\.decrypt(_bytes)?\(|\bdecrypt\(")
    offenders = [
        str(p.relative_to(package))
        for p in package.rglob("*.py")
        if "tests" not in p.parts
        and "migrations" not in p.parts
        and str(p.relative_to(package)) not in allowed
        and calls.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_rotating_keys_keeps_old_values_readable(org, system, settings):
    from cryptography.fernet import Fernet

    from arrears.core import crypto

    debtor = debtor_create(
        organization_id=org.pk, actor=system, first_name="Ann", last_name="Lee", national_id=SSN
    )
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS]

    assert debtor.national_id_plain() == "123456789"
    rotated = crypto.rotate(debtor.national_id_encrypted)
    settings.FIELD_ENCRYPTION_KEYS = settings.FIELD_ENCRYPTION_KEYS[:1]
    assert crypto.decrypt(rotated) == "123456789"
