"""Merging duplicate debtors, and undoing it: everything comes back as it was."""

import json

import pytest

from arrears.accounts.models import AccountDebtor
from arrears.audit.models import AuditEvent
from arrears.cli import main
from arrears.core.errors import ArrearsError
from arrears.debtors.merging import debtor_merge, debtor_relations, debtor_unmerge, merge_candidate_decide
from arrears.debtors.models import ConsentRecord, ContactPoint, Debtor, MergeCandidate
from arrears.debtors.services import consent_record, contact_point_add


def ownership():
    """Who owns what: every row pointing at a debtor, with the debtor it points at."""
    rows = set()
    for model, field in debtor_relations():
        for pk, debtor_id in model._base_manager.values_list("pk", field.attname):
            rows.add((model._meta.label, field.name, pk, debtor_id))
    return rows


@pytest.fixture
def duplicates(make_account, system):
    """Jane Doe1 twice: the same phone on both, one account each, and a consent on the second."""
    first = make_account().debtors.get()
    second = make_account().debtors.get()
    phone = ContactPoint.objects.get(debtor=first, kind="phone")
    contact_point_add(debtor=second, kind="phone", value=phone.value, actor=system)
    consent_record(debtor=second, channel="sms", kind="consent", granted=True, actor=system)
    return first, second


def test_merge_keeps_every_account_contact_point_and_consent(duplicates, system):
    # given two records of one person
    kept, merged = duplicates
    merged_points = set(ContactPoint.objects.filter(debtor=merged).values_list("kind", "value"))

    # when they are merged
    record = debtor_merge(kept=kept, merged=merged, actor=system)

    # then the kept debtor has both accounts, every distinct contact point and the consent
    assert sorted(AccountDebtor.objects.filter(debtor=kept).values_list("account__reference", flat=True)) == [
        "ACC-00001",
        "ACC-00002",
    ]
    kept_points = set(ContactPoint.objects.filter(debtor=kept).values_list("kind", "value"))
    assert merged_points <= kept_points
    assert ConsentRecord.objects.filter(debtor=kept).count() == 1
    # the shared phone could not move (kept has it already), so it stays with the merged record: nothing lost
    assert list(ContactPoint.objects.filter(debtor=merged).values_list("kind", flat=True)) == ["phone"]
    merged.refresh_from_db()
    assert merged.merged_into_id == kept.pk
    assert record.moved["accounts.AccountDebtor.debtor"]
    assert AuditEvent.objects.filter(event="debtor.merged", subject_id=str(kept.pk)).exists()


def test_unmerge_restores_everything(duplicates, system):
    # given a merge
    kept, merged = duplicates
    before = ownership()
    record = debtor_merge(kept=kept, merged=merged, actor=system)
    assert ownership() != before

    # when it is undone
    debtor_unmerge(merge=record, actor=system)

    # then every row points where it pointed before, and the merged debtor stands alone again
    assert ownership() == before
    merged.refresh_from_db()
    assert merged.merged_into_id is None
    assert AuditEvent.objects.filter(event="debtor.unmerged").exists()
    with pytest.raises(ArrearsError):
        debtor_unmerge(merge=record, actor=system)


@pytest.mark.parametrize("case", ["self", "already-merged", "other-tenant"])
def test_merges_that_are_refused(duplicates, system, other_org, case):
    kept, merged = duplicates
    if case == "self":
        merged = kept
    elif case == "already-merged":
        debtor_merge(kept=kept, merged=merged, actor=system)
    else:
        merged = Debtor.objects.create(organization=other_org, last_name="Elsewhere", name_key="elsewhere")

    with pytest.raises(ArrearsError):
        debtor_merge(kept=kept, merged=merged, actor=system)


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def cli(capsys, *args):
    try:
        main(["debtors", *args, "--json"])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else None)


def test_cli_merge_then_unmerge(duplicates, capsys):
    kept, merged = duplicates
    before = ownership()

    code, result = cli(capsys, "merge", str(kept.pk), str(merged.pk))
    assert code == 0
    assert (result["kept"], result["merged"], result["undone"]) == (kept.pk, merged.pk, False)

    code, result = cli(capsys, "unmerge", str(result["merge"]))
    assert (code, result["undone"]) == (0, True)
    assert ownership() == before


def test_cli_refusals_exit_2(duplicates, capsys):
    kept, _ = duplicates

    assert cli(capsys, "merge", str(kept.pk), str(kept.pk))[0] == 2
    assert cli(capsys, "merge", str(kept.pk), "999999")[0] == 2
    assert cli(capsys, "unmerge", "999999")[0] == 2


def test_reviewing_a_candidate_merges_the_pair_keeping_the_older_debtor(duplicates, system):
    # given a candidate pair on the review list
    kept, merged = duplicates
    candidate = MergeCandidate.objects.create(
        organization_id=kept.organization_id,
        debtor_a=merged,
        debtor_b=kept,
        score=95,
        reason="similar name, shared contact",
    )

    # when the reviewer chooses merge
    decided = merge_candidate_decide(candidate=candidate, merge=True, actor=system)

    # then the older debtor is kept and the candidate is closed with its merge; undoing reopens it
    assert decided.status == "merged"
    assert Debtor.objects.get(pk=merged.pk).merged_into_id == kept.pk
    debtor_unmerge(merge=decided.merge, actor=system)
    assert MergeCandidate.objects.get(pk=candidate.pk).status == "open"


def test_dismissing_a_candidate_merges_nothing(duplicates, system):
    kept, merged = duplicates
    candidate = MergeCandidate.objects.create(
        organization_id=kept.organization_id, debtor_a=kept, debtor_b=merged, score=90, reason="x"
    )

    decided = merge_candidate_decide(candidate=candidate, merge=False, actor=system)

    assert decided.status == "dismissed"
    assert Debtor.objects.get(pk=merged.pk).merged_into_id is None


def test_the_admin_merges_a_candidate_and_undoes_the_merge(duplicates, client, django_user_model):
    # given a superuser and a candidate pair
    kept, merged = duplicates
    candidate = MergeCandidate.objects.create(
        organization_id=kept.organization_id, debtor_a=kept, debtor_b=merged, score=90, reason="x"
    )
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests-1")
    client.force_login(root)

    # when the admin action merges it, then the undo action undoes it
    merge = {"action": "merge_pairs", "_selected_action": [candidate.pk]}
    client.post("/admin/debtors/mergecandidate/", merge)
    candidate.refresh_from_db()
    assert Debtor.objects.get(pk=merged.pk).merged_into_id == kept.pk
    client.post("/admin/debtors/debtormerge/", {"action": "undo", "_selected_action": [candidate.merge_id]})

    # then the merged debtor stands alone again
    assert Debtor.objects.get(pk=merged.pk).merged_into_id is None
