"""The permission matrix, generated from the URLconf: every URL × every role × own or another tenant.

Each route is requested (GET) as each role of the seeded organization and anonymously, with the ids of
its own organization and with another organization's. The expected statuses sit in one table, EXPECTED:
a route missing from it fails the suite with its name and pattern, so a new view cannot arrive without a
rule. To add one: a row `"namespace:name": rule(...)` (see `rule`). Another tenant's ids must give 404
(or the anonymous answer) for every signed-in role, unless the row says otherwise.
"""

from __future__ import annotations

import pytest
from django.test import Client

from arrears.tenancy.choices import Role

from .test_bad_input_everywhere import VALID, routes, seeded  # noqa: F401 - fixture

ROLES = ("admin", "manager", "collector", "client_viewer", "anonymous")
STAFF = ("admin", "manager", "collector", "client_viewer")
LOGIN = 302  # anonymous: redirected to /login/


def rule(
    admin: int,
    manager: int,
    collector: int,
    client_viewer: int,
    anonymous: int = LOGIN,
    other: int | None = 404,
    other_for: dict[str, int] | None = None,
) -> dict[str, dict[str, int]]:
    """Statuses for the own organization's ids, and for another's (``other``: every signed-in role's
    answer, None when the route has no id of a tenant; ``other_for``: a role's own answer there)."""
    own = dict(zip(ROLES, (admin, manager, collector, client_viewer, anonymous), strict=True))
    theirs = {role: (own[role] if other is None or role == "anonymous" else other) for role in ROLES}
    theirs.update(other_for or {})
    return {"own": own, "other": theirs}


def everyone(status: int, other: int | None = None) -> dict[str, dict[str, int]]:
    return rule(status, status, status, status, status, other=other)


# GET of a POST-only view: 405 (the method is refused before any permission or lookup).
POST_ONLY = rule(405, 405, 405, 405, 405, other=405)

EXPECTED: dict[str, dict[str, dict[str, int]]] = {
    "login": everyone(200),
    "logout": POST_ONLY,
    "compliance:contact_now": rule(200, 200, 200, 404),
    "compliance:holds": rule(200, 200, 200, 404),
    "compliance:hold_lift": POST_ONLY,
    "contact:unsubscribe": everyone(200),  # the link in an email: no sign-in, a signed token
    # Templates are the organization's wording, no personal data: every role may preview them.
    "contact:template_preview": rule(200, 200, 200, 200),
    "contact:twilio_inbound": POST_ONLY,
    "contact:twilio_status": POST_ONLY,
    "contact:email_bounce": POST_ONLY,
    "imports:job_list": rule(200, 200, 200, 200, other=None),  # a client viewer: its clients' jobs only
    "imports:upload": POST_ONLY,
    "imports:job_detail": rule(200, 200, 200, 404),
    # The role is checked before the job is looked up: 403 whoever's job it is.
    "imports:mapping": rule(200, 200, 403, 403, other_for={"collector": 403, "client_viewer": 403}),
    "imports:job_progress": rule(200, 200, 200, 404),
    "imports:confirm": POST_ONLY,
    "imports:errors_csv": rule(200, 200, 200, 404),
    "imports:merge_review": rule(200, 200, 200, 200, other=None),  # to review: see the security report
    "imports:merge_decide": POST_ONLY,
    "imports:merge_undo": POST_ONLY,
    "payments:stripe_webhook": POST_ONLY,
    "documents:account_documents": rule(200, 200, 200, 404),
    "documents:upload": POST_ONLY,
    "documents:download": rule(200, 200, 200, 404),
    "workbench:account_list": rule(200, 200, 200, 200, other=None),
    "workbench:account_detail": rule(200, 200, 200, 404),
    "workbench:timeline": rule(200, 200, 200, 404),
    "workbench:note_add": POST_ONLY,
    "workbench:call_form": rule(
        200, 200, 200, 403, other_for={"client_viewer": 403}
    ),  # read-only role: refused
    "workbench:call_log": POST_ONLY,
}


def test_every_route_has_a_rule():
    walked = {r.name: r.route for r in routes()}
    missing = [f"{name} (/{route})" for name, route in walked.items() if name not in EXPECTED]
    stale = [name for name in EXPECTED if name not in walked]
    assert missing == [], f"add these URLs to EXPECTED in {__name__}: {missing}"
    assert stale == [], f"EXPECTED names routes that no longer exist: {stale}"


@pytest.fixture
def browsers(seeded, org, make_user, client_):  # noqa: F811 - the fixture imported above
    made = {"admin": Client(), "anonymous": Client()}
    made["admin"].force_login(seeded.admin)
    for role in (Role.MANAGER, Role.COLLECTOR, Role.CLIENT_VIEWER):
        browser = Client()
        # The client viewer sees another client of the organization only: not the seeded one.
        clients = [_other_client(org)] if role == Role.CLIENT_VIEWER else None
        browser.force_login(make_user(org, role, username=f"matrix-{role}", clients=clients))
        made[str(role)] = browser
    return made


def _other_client(org):
    from arrears.tenancy.domain import Principal
    from arrears.tenancy.services import client_create

    actor = Principal(organization_id=org.pk, role=Role.ADMIN, label="matrix")
    return client_create(organization=org, code="elsewhere", name="Elsewhere Ltd", actor=actor)


def test_the_permission_matrix(seeded, browsers):  # noqa: F811
    mismatches = []
    for route in routes():
        expected = EXPECTED.get(route.name)
        if expected is None:
            continue  # reported by test_every_route_has_a_rule
        tenants = {"own": seeded.mine, "other": seeded.theirs} if route.converters else {"own": seeded.mine}
        for tenant, data in tenants.items():
            url = route.path(VALID[route.name](data) if route.converters else {})
            for role in ROLES:
                status = browsers[role].get(url).status_code
                want = expected[tenant][role]
                if status != want:
                    mismatches.append(f"{route.name} {url} as {role} ({tenant}): {status}, expected {want}")
    assert mismatches == [], "\n".join(mismatches)
