"""Fixtures shared by every app's tests: an organization, its clients, users and principals."""

import pytest
from hypothesis import settings as hypothesis_settings

from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

# The machine is shared: a property test is about its property, never about how fast an example ran,
# so Hypothesis's per-example deadline (200 ms) is off everywhere; slow examples are not failures.
hypothesis_settings.register_profile("arrears", deadline=None)
hypothesis_settings.load_profile("arrears")


# The shared organizations ask nobody for a second factor, like the demo, so that every test can sign
# in as any role; the MFA policy's own tests (tenancy/tests/test_mfa.py) set it.
@pytest.fixture
def org(db):
    from arrears.tenancy.services import organization_create

    return organization_create(
        mfa_policy="off",
        slug="acme",
        name="Acme Recovery",
        kind="agency",
        currency="USD",
        country="US",
        timezone="America/New_York",
    )


@pytest.fixture
def other_org(db):
    from arrears.tenancy.services import organization_create

    return organization_create(
        mfa_policy="off",
        slug="other",
        name="Other Collections",
        kind="agency",
        currency="USD",
        country="US",
        timezone="America/Chicago",
    )


@pytest.fixture
def system(org):
    return Principal(organization_id=org.pk, role=Role.ADMIN, label="test")


@pytest.fixture
def client_(org, system):
    from arrears.tenancy.services import client_create

    return client_create(organization=org, code="bank", name="First Bank", actor=system)


@pytest.fixture
def make_user(db):
    from arrears.tenancy.models import User
    from arrears.tenancy.services import membership_grant

    def make(org, role=Role.COLLECTOR, username=None, clients=None):
        user = User.objects.create_user(username=username or f"{role}-{org.slug}", password="pw-for-tests-1")
        actor = Principal(organization_id=org.pk, role=Role.ADMIN, label="test")
        membership_grant(organization=org, user=user, role=role, actor=actor, clients=clients)
        return user

    return make


@pytest.fixture
def make_account(client_, system):
    """An account with one debtor, a phone, an email and an address; override anything by keyword."""
    from decimal import Decimal

    from arrears.debtors.services import contact_point_add, debtor_create
    from arrears.ledger.services import account_open

    counter = {"n": 0}

    def make(reference=None, principal=Decimal("1000.00"), client=None, debtor=None, **fields):
        counter["n"] += 1
        n = counter["n"]
        target_client = client or client_
        actor = Principal(organization_id=target_client.organization_id, role=Role.ADMIN, label="test")
        if debtor is None:
            debtor = debtor_create(
                organization_id=target_client.organization_id,
                actor=actor,
                first_name="Jane",
                last_name=f"Doe{n}",
            )
            contact_point_add(
                debtor=debtor, kind="phone", value=f"(212) 555-{n:04d}", label="mobile", actor=actor
            )
            contact_point_add(
                debtor=debtor, kind="email", value=f"Jane{n}@Example.com", label="personal", actor=actor
            )
            contact_point_add(
                debtor=debtor,
                kind="address",
                line1=f"{n} Main St",
                city="New York",
                state="NY",
                postal_code="10001",
                country="US",
                label="home",
                actor=actor,
            )
        fields.setdefault("currency", "USD")
        return account_open(
            client=target_client,
            reference=reference or f"ACC-{n:05d}",
            debtors=[debtor],
            actor=actor,
            principal=principal,
            **fields,
        )

    return make


CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = __import__("pathlib").Path(__file__).parent / "test-artifacts"


@pytest.fixture
def page(live_server, monkeypatch):
    """A Playwright page in Debian's headless Chromium; skips with the reason when Chromium is missing."""
    import os

    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser test: {CHROMIUM} is not installed (apt-get install chromium; CI installs it)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's DB is in another.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(30000)  # CI shares 2 cores with PostgreSQL and the server
        yield tab
        context.close()
        browser.close()
        # Django keeps a connection per contextvars context (asgiref's Local), and with Playwright
        # started the test's database work runs in another context than Django's own teardown, which
        # closes only its own: the test's are closed here, or one outlives the test and holds the test
        # database open when PostgreSQL is asked to drop it.
        from django.db import connections

        connections.close_all()


@pytest.fixture
def screenshot(request):
    """Save a screenshot under test-artifacts/, named after the test."""

    def take(page, name: str = "") -> None:
        page.screenshot(
            path=str(ARTIFACTS / f"{request.node.name}{'-' + name if name else ''}.png"), full_page=True
        )

    return take
