"""Merging moved from imports to debtors: a database the old migrations made keeps every row."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("imports", "0003_lean_indexes"), ("debtors", "0004_contact_point_time_zones")]
AFTER = [("imports", "0004_merging_moves_to_debtors"), ("debtors", "0005_merging_from_imports")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_the_latest_migrations():
    """Migrating backwards unapplies everything that depends on the targets (e.g. strategies 0003, which
    depends on debtors 0005): put the database back at every app's latest migration afterwards, or the
    tests that run next find tables missing."""
    yield
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("back_to_the_latest_migrations")
def test_merges_and_candidates_made_in_imports_are_the_debtors_app_s_after_migrating():
    # given rows written while merging lived in imports
    old = migrate(BEFORE)
    org = old.get_model("tenancy", "Organization").objects.create(
        slug="old", name="Old", kind="agency", collection_mode="agency", currency="USD", country="US",
        timezone="America/New_York",
    )  # fmt: skip
    client = old.get_model("tenancy", "Client").objects.create(organization=org, code="c", name="C")
    debtor = old.get_model("debtors", "Debtor")
    a, b, c = (debtor.objects.create(organization=org, last_name=n, name_key=n) for n in "abc")
    job = old.get_model("imports", "ImportJob").objects.create(
        organization=org, client=client, file_name="f.csv", file_path="f.csv", file_sha256="0" * 64
    )
    at = datetime(2026, 11, 23, 12, tzinfo=UTC)
    merge = old.get_model("imports", "DebtorMerge").objects.create(
        organization=org, kept=a, merged=c, moved={"debtors.ContactPoint.debtor": [7]}, merged_at=at
    )
    old.get_model("imports", "MergeCandidate").objects.create(
        organization=org, debtor_a=a, debtor_b=b, score=91, reason="alike", job=job, merge=merge
    )

    # when the database migrates to the debtors app's models
    new = migrate(AFTER)

    # then the same rows are there, read through debtors, and the import job is kept as its id
    record = new.get_model("debtors", "DebtorMerge").objects.get()
    assert (record.pk, record.kept_id, record.merged_id, record.moved) == (
        merge.pk,
        a.pk,
        c.pk,
        {"debtors.ContactPoint.debtor": [7]},
    )
    candidate = new.get_model("debtors", "MergeCandidate").objects.get()
    assert (candidate.debtor_a_id, candidate.debtor_b_id, candidate.job_id, candidate.merge_id) == (
        a.pk,
        b.pk,
        job.pk,
        merge.pk,
    )
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "imports_mergecandidate")
    assert not [c for c in constraints.values() if c["foreign_key"] and c["columns"] == ["job_id"]]
