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

from .test_bad_input_everywhere import VALID, oidc_provider, routes, seeded  # noqa: F401 - fixtures

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

# A manager page with an id: the role is refused (403) before the lookup, whoever's id it is.
REFUSED = {"collector": 403, "client_viewer": 403}

EXPECTED: dict[str, dict[str, dict[str, int]]] = {
    # Sign-in (allauth): the form, to a signed-in user too (to sign in as someone else).
    "login": everyone(200),
    "account_login": everyone(200),
    "sso_start": POST_ONLY,
    "logout": POST_ONLY,
    "account_logout": rule(200, 200, 200, 200, 302, other=None),
    "account_inactive": everyone(200),
    "account_reauthenticate": rule(200, 200, 200, 200, 302, other=None),
    "mfa_index": rule(200, 200, 200, 200, 302, other=None),
    "mfa_authenticate": everyone(302),  # only in the middle of a sign-in
    "mfa_reauthenticate": rule(302, 302, 302, 302, 302, other=None),
    "mfa_activate_totp": rule(302, 302, 302, 302, 302, other=None),
    # Nothing to turn off or show before an authenticator app is enrolled: 404.
    "mfa_deactivate_totp": rule(404, 404, 404, 404, other=None),
    "mfa_view_recovery_codes": rule(404, 404, 404, 404, other=None),
    "mfa_generate_recovery_codes": rule(302, 302, 302, 302, 302, other=None),
    "mfa_download_recovery_codes": rule(404, 404, 404, 404, other=None),
    "mfa_list_webauthn": rule(200, 200, 200, 200, 302, other=None),
    "mfa_add_webauthn": rule(302, 302, 302, 302, 302, other=None),
    "mfa_reauthenticate_webauthn": rule(302, 302, 302, 302, 302, other=None),
    # Changing passkeys asks for the password again first (whoever's the id is).
    "mfa_remove_webauthn": rule(302, 302, 302, 302, other=302),
    "mfa_edit_webauthn": rule(302, 302, 302, 302, other=302),
    "socialaccount_login_cancelled": everyone(200),
    "socialaccount_login_error": everyone(401),
    # The provider's start page (the button posts); the callback without a sign-in under way: an error page.
    "openid_connect_login": everyone(200, other=200),
    "openid_connect_callback": everyone(401, other=401),  # no sign-in under way: refused
    "workbench:manage:sso": rule(200, 403, 403, 403, other=None),
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
    "imports:mapping": rule(200, 200, 403, 403, other_for=REFUSED),
    "imports:job_progress": rule(200, 200, 200, 404),
    "imports:confirm": POST_ONLY,
    "imports:errors_csv": rule(200, 200, 200, 404),
    # Debtor merges span the organization's clients: not for a client viewer.
    "imports:merge_review": rule(200, 200, 200, 403, other=None),
    "imports:retry": POST_ONLY,
    "imports:merge_decide": POST_ONLY,
    "imports:merge_undo": POST_ONLY,
    "payments:stripe_webhook": POST_ONLY,
    "documents:account_documents": rule(200, 200, 200, 404),
    "documents:upload": POST_ONLY,
    "documents:download": rule(200, 200, 200, 404),
    "documents:share": POST_ONLY,
    "workbench:account_list": rule(200, 200, 200, 200, other=None),
    "workbench:account_detail": rule(200, 200, 200, 404),
    "workbench:timeline": rule(200, 200, 200, 404),
    "workbench:note_add": POST_ONLY,
    "workbench:call_form": rule(
        200, 200, 200, 403, other_for={"client_viewer": 403}
    ),  # read-only role: refused
    "workbench:call_log": POST_ONLY,
    # Workbench: the account page's actions. A client viewer is read-only: refused before the lookup.
    "workbench:home": everyone(302),  # to the account list, or to /login/
    "workbench:contact_now": rule(200, 200, 200, 404),
    "workbench:status": rule(200, 200, 200, 404),
    "workbench:money": rule(200, 200, 200, 404),
    "workbench:promise_add": POST_ONLY,
    "workbench:plan_add": POST_ONLY,
    "workbench:settlement_add": POST_ONLY,
    "workbench:payment_add": POST_ONLY,
    "workbench:payment_reverse": POST_ONLY,
    "workbench:message": rule(200, 200, 200, 403, other_for={"client_viewer": 403}),
    "workbench:message_preview": POST_ONLY,
    "workbench:message_send": POST_ONLY,
    "workbench:evidence": rule(200, 200, 200, 403, other_for={"client_viewer": 403}),
    # No validation notice on the seeded account: back to the account page.
    "workbench:validation_notice": rule(302, 302, 302, 403, other_for={"client_viewer": 403}),
    # Workbench manager pages (/manage/): admin and manager only; settings are the admin's.
    "workbench:manage:home": rule(200, 200, 403, 403),
    "workbench:manage:templates": rule(200, 200, 403, 403),
    "workbench:manage:template_new": rule(200, 200, 403, 403),
    "workbench:manage:template_edit": rule(200, 200, 403, 403, other_for=REFUSED),
    "workbench:manage:template_check": POST_ONLY,
    "workbench:manage:template_preview": POST_ONLY,
    "workbench:manage:settlements": rule(200, 200, 403, 403),
    "workbench:manage:settlement_decide": POST_ONLY,
    "workbench:manage:reconciliation": rule(200, 200, 403, 403),
    "workbench:manage:bank_line_decide": POST_ONLY,
    "workbench:manage:people": rule(200, 200, 403, 403),
    "workbench:manage:invite": POST_ONLY,
    "workbench:manage:role_set": POST_ONLY,
    "workbench:manage:member_team_set": POST_ONLY,
    "workbench:manage:team_new": POST_ONLY,
    # The invitation link: no sign-in, a signed token; shown to whoever holds it.
    "workbench:manage:join": everyone(200, other=200),
    "workbench:manage:audit": rule(200, 200, 403, 403),
    "workbench:manage:settings": rule(200, 403, 403, 403),
    "workbench:manage:logo": rule(404, 404, 403, 403),  # no logo uploaded
    "workbench:manage:outbox": rule(200, 200, 403, 403),
    "workbench:manage:letters": rule(200, 200, 403, 403),
    "workbench:manage:letter_batch_new": POST_ONLY,
    # No letter batch seeded: 404 for the managers, the role refused first for the others.
    "workbench:manage:letter_file": rule(404, 404, 403, 403, other_for=REFUSED),
    "workbench:manage:tasks": rule(200, 200, 403, 403),
    "workbench:manage:task_done": POST_ONLY,
    "workbench:manage:clients": rule(200, 200, 403, 403),
    # Without a period the remittance statement is a bad request (400).
    "workbench:manage:remittance": rule(400, 400, 403, 403, other_for=REFUSED),
    "workbench:manage:ach": rule(200, 200, 403, 403),
    "workbench:manage:ach_export": POST_ONLY,
    "workbench:manage:ach_returns": POST_ONLY,
    # Scoring: the work queue for those who work accounts; the model and forecast for managers.
    "scoring:queue": rule(200, 200, 200, 403),
    "scoring:next": POST_ONLY,
    "scoring:home": rule(200, 200, 200, 403),
    "scoring:report": rule(200, 200, 403, 403),
    "scoring:report_pdf": rule(404, 404, 403, 403),  # no trained model seeded
    "scoring:retrain": POST_ONLY,
    "scoring:forecast": rule(200, 200, 403, 403),
    # Strategies: managers only. Names are looked up in the signed-in organization: another
    # organization's name finds this organization's strategy of that name (seeded in both).
    "strategies:index": rule(200, 200, 403, 403),
    "strategies:runs": rule(200, 200, 403, 403),
    "strategies:new": rule(200, 200, 403, 403),
    "strategies:edit": rule(200, 200, 403, 403, other=None),
    "strategies:experiment_new": rule(200, 200, 403, 403),
    "strategies:experiment": rule(200, 200, 403, 403, other=None),
    "strategies:schedule": rule(200, 200, 403, 403),
    # Reports: a client viewer is sent to its client portal; a client's report only for its viewers.
    "reports:org": rule(200, 200, 200, 302),
    "reports:client": rule(200, 200, 200, 404),
    "reports:collector": rule(200, 200, 404, 404),  # a collector: its own report only
    "reports:accounts": rule(400, 400, 400, 400),  # the export needs its filters
    "reports:payments": rule(400, 400, 400, 400),
    "reports:layout": POST_ONLY,
    "reports:notifications": rule(200, 200, 200, 200),  # the user's own notifications
    # Scheduled reports and alert rules: managers only; the role is refused before the lookup.
    "reports:schedules": rule(200, 200, 403, 403),
    "reports:schedule_new": rule(200, 200, 403, 403),
    "reports:schedule_edit": rule(200, 200, 403, 403, other_for=REFUSED),
    "reports:schedule_pause": POST_ONLY,
    "reports:schedule_send": POST_ONLY,
    "reports:schedule_delete": POST_ONLY,
    "reports:alerts": rule(200, 200, 403, 403),
    "reports:alert_new": rule(200, 200, 403, 403),
    "reports:alert_edit": rule(200, 200, 403, 403, other_for=REFUSED),
    "reports:alert_pause": POST_ONLY,
    "reports:alert_delete": POST_ONLY,
    # The client portal: staff sign-in; a client viewer sees its own clients' accounts only.
    "portal:client_home": rule(200, 200, 200, 200),
    "portal:client_account": rule(200, 200, 200, 404),
    "portal:client_message": POST_ONLY,
    "portal:client_recall": POST_ONLY,
    "portal:client_remittance": rule(400, 400, 400, 400),  # the statement needs its period
    "portal:client_upload": POST_ONLY,
    # The client's dashboard: its own clients' figures (the matrix's viewer: another client, 200).
    "portal:client_dashboard": rule(200, 200, 200, 200),
    "portal:client_drill": rule(400, 400, 400, 400),  # the accounts behind a figure need its filters
    "portal:client_payments": rule(400, 400, 400, 400),
    # The debtor portal: no staff sign-in (a staff session gives nothing), the debtor's own signed
    # session. Without one, every page sends to the portal's start (302).
    "portal:start": everyone(200, other=200),
    "portal:brand_css": everyone(200, other=200),  # the organization's colours: public, like its logo
    "portal:link": everyone(200, other=200),
    # The matrix's browsers followed the other organization's link last: its code step is pending.
    "portal:code": rule(302, 302, 302, 302, 302, other=200, other_for={"anonymous": 200}),
    "portal:signout": POST_ONLY,
    "portal:home": everyone(302, other=302),
    "portal:account": everyone(302, other=302),
    "portal:notice": everyone(302, other=302),
    "portal:document": everyone(302, other=302),
    "portal:promise": everyone(302, other=302),
    "portal:plan": everyone(302, other=302),
    "portal:dispute": everyone(302, other=302),
    "portal:settle": POST_ONLY,
    "portal:pay": everyone(302, other=302),
    "portal:pay_next": everyone(302, other=302),
    "portal:preferences": everyone(302, other=302),
    # The API (/api/v1/): a token, never a session; without one, 401 problem+json.
    "api-v1:openapi-json": everyone(200),
    "api-v1:openapi-view": everyone(200),
    "api-v1:ping": everyone(200),
    "api-v1:accounts_list": everyone(401),
    "api-v1:accounts_get": everyone(401, other=401),
    "api-v1:payments_create": POST_ONLY,
    "api-v1:payments_get": everyone(401, other=401),
    "api-v1:payments_reverse": POST_ONLY,
    "api-v1:decisions_create": POST_ONLY,
    "api-v1:decisions_batch": POST_ONLY,
    "api-v1:api-root": everyone(404),  # no index page
    # Accounts placed and moved, promises, plans, settlements, holds and disputes. A POST that shares its
    # path with a GET list answers that GET: 401 without a token, like the list.
    "api-v1:accounts_create": everyone(401),
    "api-v1:accounts_status": POST_ONLY,
    "api-v1:accounts_recall": POST_ONLY,
    "api-v1:promises_create": everyone(401),
    "api-v1:promises_list": everyone(401),
    "api-v1:promises_get": everyone(401, other=401),
    "api-v1:promises_cancel": POST_ONLY,
    "api-v1:plans_create": everyone(401),
    "api-v1:plans_list": everyone(401),
    "api-v1:plans_get": everyone(401, other=401),
    "api-v1:plans_cancel": POST_ONLY,
    "api-v1:settlements_create": everyone(401),
    "api-v1:settlements_list": everyone(401),
    "api-v1:settlements_get": everyone(401, other=401),
    "api-v1:holds_list": everyone(401, other=401),
    "api-v1:holds_create": everyone(401, other=401),
    "api-v1:disputes_list": everyone(401, other=401),
    "api-v1:disputes_create": everyone(401, other=401),
    "api-v1:holds_get": everyone(401, other=401),
    "api-v1:holds_lift": POST_ONLY,
    # Debtors, attempts and calls, messages, documents and imports. A path with GET and another method
    # is one view: its GET answers for both names.
    "api-v1:debtors_list": everyone(401),
    "api-v1:debtors_get": everyone(401, other=401),
    "api-v1:contact_points_create": POST_ONLY,
    "api-v1:contact_points_get": everyone(401, other=401),
    "api-v1:contact_points_update": everyone(401, other=401),
    "api-v1:consents_create": POST_ONLY,
    "api-v1:attempts_list": everyone(401),
    "api-v1:attempts_get": everyone(401, other=401),
    "api-v1:calls_create": POST_ONLY,
    "api-v1:messages_create": everyone(401),
    "api-v1:messages_list": everyone(401),
    "api-v1:messages_get": everyone(401, other=401),
    "api-v1:documents_list": everyone(401),
    "api-v1:documents_create": everyone(401),
    "api-v1:documents_get": everyone(401, other=401),
    "api-v1:documents_download": everyone(401, other=401),
    "api-v1:imports_create": everyone(401),
    "api-v1:imports_list": everyone(401),
    "api-v1:imports_get": everyone(401, other=401),
    "api-v1:imports_errors": everyone(401, other=401),
    "api-v1:imports_confirm": POST_ONLY,
    # API tokens and webhooks (/manage/api/): managers only.
    "api:manage": rule(200, 200, 403, 403),
    "api:token_create": POST_ONLY,
    "api:token_revoke": POST_ONLY,
    "api:webhook_create": POST_ONLY,
    "api:webhook_rotate": POST_ONLY,
    "api:webhook_disable": POST_ONLY,
    "api:delivery_redeliver": POST_ONLY,
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
