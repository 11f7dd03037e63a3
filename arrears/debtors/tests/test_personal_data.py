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
        debtor_reveal_national_id(debtor=debtor, actor=collector)
    assert debtor_reveal_national_id(debtor=debtor, actor=system) == "123456789"

    assert (
        AuditEvent.objects.filter(event="debtor.national_id_viewed", subject_id=str(debtor.pk)).count() == 1
    )


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
