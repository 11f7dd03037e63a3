"""`make run`'s path and the organization commands: migrate, demo, org, client, createsuperuser, audit,
ledger."""

from __future__ import annotations

from .conftest import CLIENT, DEMO_ACCOUNTS, ORG, usage_error


def test_migrate_then_demo_seed_only_seed_the_demo_portfolio(database):
    # given: the session's database, made by `arrears migrate --no-input` and `arrears demo --seed-only`
    demo = database.setup["demo"]

    # then: the logins are printed, and the portfolio is committed
    assert "Seeded in" in demo.stderr and "admin" in demo.stderr and "arrears-demo" in demo.stderr
    demo_org = database.org_id("demo")
    # the demo asks nobody for a second factor, and says so next to the logins
    assert "(MFA) is OFF in this demo organization" in demo.stderr
    assert database.value("SELECT mfa_policy FROM tenancy_organization WHERE id = %s", [demo_org]) == "off"
    # (the scoring app's demo adds a client of synthetic history to train on: not the demo portfolio)
    portfolio = (
        "SELECT count(*) FROM accounts_account a JOIN tenancy_client c ON c.id = a.client_id "
        "WHERE a.organization_id = %s AND c.code <> 'synthetic-history'"
    )
    assert database.value(portfolio, [demo_org]) == DEMO_ACCOUNTS
    assert database.value("SELECT count(*) FROM tenancy_user WHERE username IN ('admin', 'collector')") == 2
    assert database.value("SELECT count(*) FROM django_migrations") > 0


def test_demo_seed_only_again_with_the_defaults_does_not_seed_twice(database):
    # given
    before = database.value("SELECT count(*) FROM accounts_account")

    # when: exactly what `make run` runs a second time
    again = database.ok("demo", "--seed-only")

    # then
    assert "already exists; not seeding again" in again.stderr
    assert database.value("SELECT count(*) FROM accounts_account") == before


def test_org_create_and_client_create_commit_what_their_json_says(database):
    # given: made by the session fixture
    org, client = database.setup["org"].json, database.setup["client"].json

    # then
    assert {k: org[k] for k in ("slug", "kind", "currency", "country", "timezone")} == {
        "slug": ORG,
        "kind": "agency",
        "currency": "USD",
        "country": "US",
        "timezone": "America/New_York",
    }
    assert (
        database.value("SELECT name FROM tenancy_organization WHERE id = %s", [org["id"]]) == "E2E Recovery"
    )
    # any organization but the demo asks admins and managers for a second factor
    assert org["mfa_policy"] == "admins_managers"
    assert database.value("SELECT mfa_policy FROM tenancy_organization WHERE id = %s", [org["id"]]) == (
        "admins_managers"
    )
    assert (client["org"], client["code"]) == (ORG, CLIENT)
    assert (
        database.value("SELECT organization_id FROM tenancy_client WHERE id = %s", [client["id"]])
        == org["id"]
    )


def test_a_business_gets_its_own_client(database):
    # when
    made = database.ok(
        "org", "create", "--slug", "corner-shop", "--name", "Corner Shop", "--kind", "business", "--json"
    )

    # then
    org_id = made.json["id"]
    assert made.json["kind"] == "business"
    assert database.value("SELECT count(*) FROM tenancy_client WHERE organization_id = %s", [org_id]) == 1


def test_org_create_with_a_taken_slug_is_a_usage_error(database):
    # when
    result = database.run("org", "create", "--slug", ORG, "--name", "Again", "--kind", "agency")

    # then
    assert "ORG_SLUG_TAKEN" in usage_error(result)
    assert database.value("SELECT count(*) FROM tenancy_organization WHERE slug = %s", [ORG]) == 1


def test_client_create_in_an_unknown_organization_is_a_usage_error(database):
    # when
    result = database.run("client", "create", "--org", "no-such-org", "--code", "x", "--name", "X")

    # then
    assert "ORG_NOT_FOUND" in usage_error(result)


def test_createsuperuser_without_input(database):
    # when
    database.ok(
        "createsuperuser",
        "--no-input",
        "--username",
        "e2e-root",
        "--email",
        "root@example.com",
        DJANGO_SUPERUSER_PASSWORD="e2e-root-password-1",
    )

    # then
    assert database.value("SELECT is_superuser FROM tenancy_user WHERE username = 'e2e-root'") in (1, True)


def test_audit_verify_and_ledger_check_pass_on_the_seeded_book(database):
    # when
    audit = database.ok("audit", "verify", "--json")
    ledger = database.ok("ledger", "check", "--json")
    human = database.ok("audit", "verify", "--org", ORG)

    # then
    assert audit.json["ok"] is True
    checked = {o["org"]: o["checked"] for o in audit.json["organizations"]}
    assert {"demo", ORG} <= set(checked) and checked["demo"] > DEMO_ACCOUNTS
    assert ledger.json == {"ok": True, "mismatches": []}
    assert human.stdout.startswith(f"{ORG}: ") and "OK" in human.stdout


def test_audit_verify_of_an_unknown_organization_is_a_usage_error(database):
    # when
    result = database.run("audit", "verify", "--org", "no-such-org", "--json")

    # then: not "0 organizations checked, all OK"
    assert "ORG_NOT_FOUND" in usage_error(result)


def test_audit_verify_finds_a_tampered_event(database):
    # given: one committed audit event edited behind the application's back
    org = database.org_id(ORG)
    seq, label = database.query(
        "SELECT seq, actor_label FROM audit_auditevent WHERE organization_id = %s ORDER BY seq LIMIT 1", [org]
    )[0]
    database.execute(
        "UPDATE audit_auditevent SET actor_label = %s WHERE organization_id = %s AND seq = %s",
        ["mallory", org, seq],
    )

    # when
    try:
        broken = database.run("audit", "verify", "--org", ORG, "--json")
    finally:
        database.execute(
            "UPDATE audit_auditevent SET actor_label = %s WHERE organization_id = %s AND seq = %s",
            [label, org, seq],
        )

    # then: exit 1 at the first break, and the chain is whole again once put back
    assert broken.returncode == 1, str(broken)
    assert broken.json["ok"] is False
    assert broken.json["organizations"][0]["first_break"]["seq"] == seq
    assert database.ok("audit", "verify", "--org", ORG, "--json").json["ok"] is True
