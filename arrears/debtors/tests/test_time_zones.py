"""A phone's time zones are worked out once, when it is written, and the compliance gate reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from arrears.cli import main
from arrears.compliance.scenario import facts_from_json
from arrears.compliance.services import decide
from arrears.debtors.models import ContactPoint
from arrears.debtors.services import contact_point_add, contact_points_locate, debtor_create
from arrears.strategies.services import nightly_run

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC)  # a Tuesday, 10:30 in New York, 07:30 in Los Angeles


@pytest.fixture
def debtor(org, system):
    return debtor_create(organization_id=org.pk, actor=system, first_name="Ann", last_name="Lee")


def test_a_phone_is_stored_with_its_zones_and_other_points_without(debtor, system):
    la = contact_point_add(debtor=debtor, kind="phone", value="(310) 555-0142", actor=system)
    toll_free = contact_point_add(debtor=debtor, kind="phone", value="800-555-0142", actor=system)
    email = contact_point_add(debtor=debtor, kind="email", value="ann@example.com", actor=system)

    stored = dict(ContactPoint.objects.values_list("pk", "time_zones"))
    assert stored[la.pk] == "America/Los_Angeles"
    assert stored[toll_free.pk] == ""  # not a place: worked out, and nothing
    assert stored[email.pk] is None


def test_locate_fills_only_phones_without_zones_and_twice_changes_nothing(debtor, org, other_org, system):
    ny = contact_point_add(debtor=debtor, kind="phone", value="(212) 555-0142", actor=system)
    chicago = contact_point_add(debtor=debtor, kind="phone", value="(312) 555-0142", actor=system)
    email = contact_point_add(debtor=debtor, kind="email", value="ann@example.com", actor=system)
    ContactPoint.objects.filter(pk__in=[ny.pk, chicago.pk]).update(time_zones=None)

    assert contact_points_locate(organization_id=other_org.pk) == 0
    assert contact_points_locate(organization_id=org.pk, limit=1) == 1
    assert contact_points_locate(organization_id=org.pk) == 1
    assert contact_points_locate(organization_id=org.pk) == 0

    stored = dict(ContactPoint.objects.values_list("pk", "time_zones"))
    assert stored == {ny.pk: "America/New_York", chicago.pk: "America/Chicago", email.pk: None}


def test_the_gate_uses_the_stored_zones_and_keeps_them_with_the_decision(make_account, system):
    """A Los Angeles number stored as in New York (say the zones table said so when it was written):
    the decision follows what was stored, and its facts carry the zones, so a replay gives the same."""
    account = make_account(jurisdiction_state="CA")
    debtor = account.debtors.get()
    debtor.contact_points.exclude(kind="phone").delete()
    phone = debtor.contact_points.get(kind="phone")
    ContactPoint.objects.filter(pk=phone.pk).update(value="+13105550142", time_zones="America/New_York")
    phone.refresh_from_db()

    decision = decide(account=account, channel="call", target=phone, at=NOW, actor=system)

    # 10:30 in New York: allowed (07:30 in Los Angeles would not be).
    assert decision.allowed, decision.reasons
    stored = decision.facts["consumer"]["phones"][0]
    assert stored["zones"] == ["America/New_York"]
    facts, _ = facts_from_json(json.loads(json.dumps(decision.facts)))
    assert facts.consumer.phones[0].zones == ("America/New_York",)

    # Not worked out yet: the gate works the zones out from the number, and the decision changes.
    ContactPoint.objects.filter(pk=phone.pk).update(time_zones=None)
    later = decide(account=account, channel="call", target=phone, at=NOW, actor=system)
    assert not later.allowed
    assert "INCONVENIENT_TIME" in [r["code"] for r in later.reasons]
    assert "zones" not in later.facts["consumer"]["phones"][0]


def test_an_import_writes_phones_without_zones_and_a_task_locates_them(
    client_, tmp_path, capsys, settings, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    path = tmp_path / "accounts.csv"
    path.write_text(
        "account_ref,first_name,last_name,phone,balance\n"
        "A1,Jane,Doe,(212) 555-0142,100\n"
        "A2,Jon,Roe,(415) 555-0199,200\n"
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        main(["import", "accounts", str(path), "--client", "bank", "--json"])
    capsys.readouterr()
    assert set(ContactPoint.objects.filter(kind="phone").values_list("time_zones", flat=True)) == {None}

    for callback in callbacks:
        callback()
    assert sorted(ContactPoint.objects.filter(kind="phone").values_list("time_zones", flat=True)) == [
        "America/Los_Angeles",
        "America/New_York",
    ]


def test_the_nightly_run_locates_what_is_left(debtor, org, system):
    point = contact_point_add(debtor=debtor, kind="phone", value="(212) 555-0142", actor=system)
    ContactPoint.objects.filter(pk=point.pk).update(time_zones=None)

    run = nightly_run(organization=org, run_on=NOW.date(), actor=system)

    assert run.counts["phones_located"] == 1
    assert ContactPoint.objects.get(pk=point.pk).time_zones == "America/New_York"
