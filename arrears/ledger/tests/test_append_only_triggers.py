"""On PostgreSQL the database itself refuses UPDATE and DELETE on ledger entries and audit events."""

import pytest
from django.db import DatabaseError, connection, transaction

from arrears.audit.models import AuditEvent
from arrears.ledger.models import LedgerEntry

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the triggers are PostgreSQL's (SQLite is the evaluation mode)"
)


@pytest.mark.parametrize("model", [LedgerEntry, AuditEvent], ids=["ledger", "audit"])
@pytest.mark.parametrize(
    "statement", ["UPDATE {table} SET id = id WHERE id = %s", "DELETE FROM {table} WHERE id = %s"]
)
def test_the_database_refuses_to_change_append_only_rows(model, statement, make_account):
    # given a row (opening an account writes ledger entries and audit events)
    make_account()
    row = model.objects.order_by("-pk").first()

    # when it is changed with plain SQL, then the trigger refuses
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cur:
        cur.execute(statement.format(table=model._meta.db_table), [row.pk])

    assert model.objects.filter(pk=row.pk).exists()


def test_inserting_still_works(make_account):
    account = make_account()

    assert LedgerEntry.objects.filter(account=account).exists()
