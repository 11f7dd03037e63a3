"""`arrears rotate-keys`: every encrypted value re-encrypted under the newest key, in batches that
commit one by one, so an interrupted rotation resumes where it stopped."""

import json
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from arrears.core import crypto
from arrears.debtors.models import Debtor
from arrears.debtors.services import debtor_create
from arrears.strategies import rotation

OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def _stored(table, column):
    with connection.cursor() as cur:
        cur.execute(f"SELECT {column} FROM {table} WHERE {column} <> '' ORDER BY id")
        return [row[0] for row in cur.fetchall()]


def _rotate(capsys, *args):
    capsys.readouterr()
    call_command("rotate_keys", *args, "--json", stderr=StringIO())
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def old_data(org, system, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    for n in range(7):
        debtor_create(
            organization_id=org.pk, actor=system, last_name=f"Doe {n}", national_id=f"123-45-{6000 + n}"
        )
    debtor_create(organization_id=org.pk, actor=system, last_name="No id")
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]  # the operator prepends the new key


@pytest.mark.django_db(transaction=True)
def test_rotation_interrupted_and_resumed_re_encrypts_everything_once(
    old_data, capsys, settings, monkeypatch
):
    # given a rotation that dies after its second batch of two
    real = rotation.ENCRYPTED[0]
    calls = {"n": 0}

    def dying(*, after_id, batch):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real.rotate(after_id=after_id, batch=batch)

    monkeypatch.setattr(rotation, "ENCRYPTED", (rotation.EncryptedColumn(real.name, dying, real.stale),))
    with pytest.raises(KeyboardInterrupt):
        _rotate(capsys, "--batch", "2")
    halfway = _stored(Debtor._meta.db_table, "national_id_encrypted")
    assert sum(crypto.is_current(t) for t in halfway) == 4  # two batches committed
    monkeypatch.undo()

    # when it runs again
    result = _rotate(capsys, "--batch", "2")

    # then it re-encrypted only what was left, and nothing needs the old key any more
    assert result == {"re_encrypted": 3, "remaining": 0}
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    ids = sorted(d.national_id_plain() for d in Debtor.objects.exclude(national_id_encrypted=""))
    assert ids == [f"12345{6000 + n}" for n in range(7)]
    assert _rotate(capsys) == {"re_encrypted": 0, "remaining": 0}


@pytest.mark.django_db(transaction=True)
def test_rotation_covers_bank_account_numbers_and_ach_files(
    org, system, make_account, settings, capsys, tmp_path
):
    # given ACH authorisations and an exported file, under the old key
    from arrears.payments.tests.test_ach import DEBTORS

    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    _authorise(org, system, make_account)
    call_command("ach", "export", "--date", "2026-12-01", "--out", str(tmp_path / "d.ach"), stderr=StringIO())
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]

    # when
    result = _rotate(capsys, "--batch", "2")

    # then every value is under the new key alone
    assert result["remaining"] == 0 and result["re_encrypted"] >= len(DEBTORS) + 1
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    from arrears.payments.models import AchAuthorization, AchFile

    assert AchFile.objects.get().content == (tmp_path / "d.ach").read_text()
    assert all(crypto.decrypt(a.account_number_encrypted) for a in AchAuthorization.objects.all())


def _authorise(org, system, make_account):
    from datetime import UTC, date, datetime
    from decimal import Decimal

    from arrears.payments.ach import ach_authorization_create, ach_originator_set
    from arrears.payments.services import PlanTerms, plan_create
    from arrears.payments.tests.test_ach import DEBTORS

    ach_originator_set(
        organization_id=org.pk,
        odfi_routing="091400606",
        company_name="Acme Recovery",
        company_id="1234567890",
        destination_name="First Bank",
        origin_name="Acme Recovery LLC",
        actor=system,
    )
    for reference, amount, routing, number in DEBTORS:
        account = make_account(reference=reference, principal=Decimal(amount))
        plan = plan_create(
            account=account,
            terms=PlanTerms(frequency="monthly", first_due=date(2026, 12, 1), installments=1),
            actor=system,
            today=date(2026, 11, 20),
        )
        ach_authorization_create(
            plan=plan,
            holder_name=f"Jane Doe {reference}",
            routing_number=routing,
            account_number=number,
            account_type="checking",
            authorized_at=datetime(2026, 11, 20, 15, tzinfo=UTC),
            actor=system,
        )
