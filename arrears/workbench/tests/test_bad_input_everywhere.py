"""No URL of the project answers bad input with a 5xx.

The routes are read from the URLconf, so a view added later is walked too: each route is requested with
valid ids from a seeded organization, with bad ones (a huge integer, another tenant's id, 0, nonsense
strings), with GET and POST, and with garbage for every parameter name the project's views, forms and
templates use, as a logged-in admin and as an anonymous visitor. Whatever the answer, it is not a 5xx.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from http.cookies import SimpleCookie
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path

from arrears.tenancy.choices import Role
from arrears.tenancy.domain import Principal

ARREARS = Path(__file__).resolve().parents[2]

# Not walked: Django's admin is Django's own code (our ModelAdmins have their own tests in each app), and
# static/media are served by whitenoise or the web server, not by views of ours.
EXCLUDED_NAMESPACES = {"admin"}
EXCLUDED_PREFIXES = ("static/", "media/")

HUGE = "99999999999999999999"
LONG = "x" * 5000
GARBAGE = (
    "abc",
    HUGE,
    "99999999999",
    "-99999999999",
    "1e999",
    "2026-13-45",
    "",
    LONG,
    "unknown_choice",
    "\x00",
)
GARBAGE_RANGES = ("bytes=99999999999999999999-", "bytes=5-2", "bytes=-0")


@dataclass(frozen=True)
class Route:
    name: str  # namespace:name
    route: str  # the full path pattern, e.g. "compliance/accounts/<int:pk>/holds/"
    converters: dict[str, str]  # kwarg -> converter type ("int", "str", "slug", "path")
    module: str  # where the view is defined: its source is read for the parameter names it uses

    def path(self, kwargs: dict[str, object]) -> str:
        def fill(match: re.Match[str]) -> str:
            return str(kwargs[match.group(2)])

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, self.route)


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in EXCLUDED_NAMESPACES:
                continue
            ns = ":".join(filter(None, [namespace, entry.namespace or ""]))
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            if route.startswith(EXCLUDED_PREFIXES):
                continue
            converters = {m.group(2): m.group(1) or "str" for m in re.finditer(r"<(?:(\w+):)?(\w+)>", route)}
            name = ":".join(filter(None, [namespace, entry.name or route]))
            module = getattr(entry.callback, "__module__", "") or ""
            yield Route(name=name, route=route, converters=converters, module=module)


def routes() -> list[Route]:
    return list(walk(get_resolver().url_patterns))


def parameter_names(walked: list[Route]) -> tuple[set[str], set[str]]:
    """Every field name the routed views read, the project's forms declare and its templates post:
    (all, files)."""
    names: set[str] = set()
    files: set[str] = set()
    sources = {p for p in ARREARS.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts}
    sources |= {Path(sys.modules[r.module].__file__ or "") for r in walked if r.module in sys.modules}
    for source in sources:
        if not source.is_file():
            continue
        text = source.read_text()
        if "request." not in text:
            continue
        names |= set(re.findall(r"""\.get(?:list)?\(\s*["'](\w+)["']""", text))
        names |= set(re.findall(r"""(?:GET|POST|data)\[\s*["'](\w+)["']\s*\]""", text))
        names |= set(re.findall(r"""["'](\w+)["'] in request\.(?:GET|POST)""", text))
        files |= set(re.findall(r"""FILES\.get\(\s*["'](\w+)["']""", text))
    for template in ARREARS.rglob("templates/**/*.html"):
        text = template.read_text()
        names |= set(re.findall(r"""name=["'](\w+)["']""", text))
        files |= set(re.findall(r"""type=["']file["'][^>]*name=["'](\w+)["']""", text))
        files |= set(re.findall(r"""name=["'](\w+)["'][^>]*type=["']file["']""", text))
    from django import forms

    packages = {c.name for c in apps.get_app_configs() if c.name.startswith("arrears.")}
    packages |= {r.module.rsplit(".", 1)[0] for r in walked if r.module.startswith("arrears.")}
    for package in packages:
        try:
            module = import_module(f"{package}.forms")
        except ModuleNotFoundError:
            continue
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm):
                for field_name, field in value.base_fields.items():
                    names.add(field_name)
                    if isinstance(field, forms.FileField):
                        files.add(field_name)
    return names, files


# How to find a valid value for each route's path kwargs in a seeded organization. A route added with a
# path kwarg must say here where its ids come from, or ``test_every_route_with_ids_is_seeded`` fails.
VALID: dict[str, Callable[[SimpleNamespace], dict[str, object]]] = {
    # Sign-in: an organization's provider is named by its slug. A passkey belongs to a user, not to an
    # organization, and none is seeded: any id is somebody else's (404).
    "openid_connect_login": lambda s: {"provider_id": s.org.slug},
    "openid_connect_callback": lambda s: {"provider_id": s.org.slug},
    "mfa_remove_webauthn": lambda s: {"pk": s.account.pk},
    "mfa_edit_webauthn": lambda s: {"pk": s.account.pk},
    "compliance:contact_now": lambda s: {"pk": s.account.pk},
    "compliance:holds": lambda s: {"pk": s.account.pk},
    "compliance:hold_lift": lambda s: {"pk": s.account.pk, "hold_pk": s.hold.pk},
    "contact:unsubscribe": lambda s: {"token": s.unsubscribe_token},
    "contact:template_preview": lambda s: {"pk": s.template.pk},
    "contact:twilio_inbound": lambda s: {"org_slug": s.org.slug},
    "contact:twilio_status": lambda s: {"org_slug": s.org.slug},
    "contact:email_bounce": lambda s: {"org_slug": s.org.slug},
    "documents:account_documents": lambda s: {"account_pk": s.account.pk},
    "documents:upload": lambda s: {"account_pk": s.account.pk},
    "documents:download": lambda s: {"pk": s.document.pk},
    "documents:share": lambda s: {"pk": s.document.pk},
    "imports:job_detail": lambda s: {"pk": s.job.pk},
    "imports:mapping": lambda s: {"pk": s.job.pk},
    "imports:job_progress": lambda s: {"pk": s.job.pk},
    "imports:confirm": lambda s: {"pk": s.job.pk},
    "imports:retry": lambda s: {"pk": s.job.pk},
    "imports:errors_csv": lambda s: {"pk": s.job.pk},
    "imports:merge_decide": lambda s: {"pk": s.candidate.pk},
    "imports:merge_undo": lambda s: {"pk": s.merge.pk},
    "portal:client_account": lambda s: {"pk": s.account.pk},
    "portal:client_message": lambda s: {"pk": s.account.pk},
    "portal:start": lambda s: {"slug": s.org.slug},
    "portal:brand_css": lambda s: {"slug": s.org.slug},
    "portal:link": lambda s: {"slug": s.org.slug, "token": s.portal_link.rstrip("/").rsplit("/", 1)[1]},
    "portal:code": lambda s: {"slug": s.org.slug},
    "portal:signout": lambda s: {"slug": s.org.slug},
    "portal:home": lambda s: {"slug": s.org.slug},
    "portal:account": lambda s: {"slug": s.org.slug, "pk": s.account.pk},
    "portal:notice": lambda s: {"slug": s.org.slug, "pk": s.account.pk},
    "portal:document": lambda s: {"slug": s.org.slug, "pk": s.account.pk, "document_pk": s.document.pk},
    "portal:promise": lambda s: {"slug": s.org.slug, "pk": s.account.pk},
    "portal:plan": lambda s: {"slug": s.org.slug, "pk": s.account.pk},
    "portal:dispute": lambda s: {"slug": s.org.slug, "pk": s.account.pk},
    "portal:settle": lambda s: {"slug": s.org.slug, "pk": s.account.pk, "settlement_pk": 1},
    "portal:pay": lambda s: {"slug": s.org.slug},
    "portal:pay_next": lambda s: {"slug": s.org.slug},
    "portal:preferences": lambda s: {"slug": s.org.slug},
    "reports:client": lambda s: {"client_id": s.account.client_id},
    "reports:schedule_edit": lambda s: {"pk": s.report_schedule.pk},
    "reports:schedule_pause": lambda s: {"pk": s.report_schedule.pk},
    "reports:schedule_send": lambda s: {"pk": s.report_schedule.pk},
    "reports:schedule_delete": lambda s: {"pk": s.report_schedule.pk},
    "reports:alert_edit": lambda s: {"pk": s.alert_rule.pk},
    "reports:alert_pause": lambda s: {"pk": s.alert_rule.pk},
    "reports:alert_delete": lambda s: {"pk": s.alert_rule.pk},
    "reports:collector": lambda s: {"user_id": min(organization_member_ids(s.org.pk), default=0)},
    "workbench:account_detail": lambda s: {"pk": s.account.pk},
    "workbench:timeline": lambda s: {"pk": s.account.pk},
    "workbench:note_add": lambda s: {"pk": s.account.pk},
    "workbench:call_form": lambda s: {"pk": s.account.pk},
    "workbench:call_log": lambda s: {"pk": s.account.pk},
    "workbench:manage:template_edit": lambda s: {"pk": s.template.pk},
    "workbench:manage:settlement_decide": lambda s: {"pk": s.settlement.pk},
    "workbench:manage:bank_line_decide": lambda s: {"pk": s.bank_line.pk},
    "workbench:manage:role_set": lambda s: {"user_id": s.member.pk},
    "workbench:manage:member_team_set": lambda s: {"user_id": s.member.pk},
    "workbench:manage:join": lambda s: {"token": s.invitation},
    "workbench:manage:letter_file": lambda s: {"pk": s.letter_batch.pk, "part": "print"},
    "workbench:manage:task_done": lambda s: {"pk": s.task.pk},
    "workbench:manage:remittance": lambda s: {"pk": s.client.pk},
    "workbench:contact_now": lambda s: {"pk": s.account.pk},
    "workbench:status": lambda s: {"pk": s.account.pk},
    "workbench:money": lambda s: {"pk": s.account.pk},
    "workbench:promise_add": lambda s: {"pk": s.account.pk},
    "workbench:plan_add": lambda s: {"pk": s.account.pk},
    "workbench:settlement_add": lambda s: {"pk": s.account.pk},
    "workbench:payment_add": lambda s: {"pk": s.account.pk},
    "workbench:payment_reverse": lambda s: {"pk": s.account.pk, "payment_pk": s.payment.pk},
    "workbench:message": lambda s: {"pk": s.account.pk},
    "workbench:message_preview": lambda s: {"pk": s.account.pk},
    "workbench:message_send": lambda s: {"pk": s.account.pk},
    "workbench:evidence": lambda s: {"pk": s.account.pk},
    "workbench:validation_notice": lambda s: {"pk": s.account.pk},
    "api-v1:accounts_get": lambda s: {"id": s.account.pk},
    "api-v1:payments_get": lambda s: {"id": s.api.payment.pk},
    "api-v1:payments_reverse": lambda s: {"id": s.api.payment.pk},
    # The API's accounts, promises, plans, settlements, holds and disputes.
    "api-v1:accounts_status": lambda s: {"id": s.account.pk},
    "api-v1:accounts_recall": lambda s: {"id": s.account.pk},
    "api-v1:promises_get": lambda s: {"id": s.api.promise.pk},
    "api-v1:promises_cancel": lambda s: {"id": s.api.promise.pk},
    "api-v1:plans_get": lambda s: {"id": s.api.plan.pk},
    "api-v1:plans_cancel": lambda s: {"id": s.api.plan.pk},
    "api-v1:settlements_get": lambda s: {"id": s.settlement.pk},
    "api-v1:holds_list": lambda s: {"id": s.account.pk},
    "api-v1:holds_create": lambda s: {"id": s.account.pk},
    "api-v1:disputes_list": lambda s: {"id": s.account.pk},
    "api-v1:disputes_create": lambda s: {"id": s.account.pk},
    "api-v1:holds_get": lambda s: {"id": s.hold.pk},
    "api-v1:holds_lift": lambda s: {"id": s.hold.pk},
    "api:token_revoke": lambda s: {"pk": s.api.token.pk},
    "api:webhook_rotate": lambda s: {"pk": s.api.endpoint.pk},
    "api:webhook_disable": lambda s: {"pk": s.api.endpoint.pk},
    "api:delivery_redeliver": lambda s: {"pk": s.api.delivery.pk},
    # The API's debtors, attempts, messages, documents and imports.
    "api-v1:debtors_get": lambda s: {"id": s.contact.debtor.pk},
    "api-v1:contact_points_create": lambda s: {"id": s.contact.debtor.pk},
    "api-v1:consents_create": lambda s: {"id": s.contact.debtor.pk},
    "api-v1:contact_points_get": lambda s: {"id": s.contact.point.pk},
    "api-v1:contact_points_update": lambda s: {"id": s.contact.point.pk},
    "api-v1:attempts_get": lambda s: {"id": s.contact.attempt.pk},
    "api-v1:messages_get": lambda s: {"id": s.contact.message.pk},
    "api-v1:documents_get": lambda s: {"id": s.document.pk},
    "api-v1:documents_download": lambda s: {"id": s.document.pk},
    "api-v1:imports_get": lambda s: {"id": s.job.pk},
    "api-v1:imports_errors": lambda s: {"id": s.job.pk},
    "api-v1:imports_confirm": lambda s: {"id": s.job.pk},
    "strategies:edit": lambda s: {"name": s.strategy},
    "strategies:experiment": lambda s: {"name": s.experiment},
}


def organization_member_ids(organization_id: int) -> set[int]:
    from arrears.tenancy.selectors import organization_member_ids as members

    return members(organization_id)


BAD_BY_CONVERTER = {
    "int": (HUGE, "0", "2147483648"),
    "str": ("no-such-thing", "x" * 300, "%00"),
    "slug": ("no-such-thing", "x" * 300),
    "path": ("no/such/thing", "x" * 300),
}


def seed(organization, client, make_account) -> SimpleNamespace:
    """One of everything a route can point at, in one organization."""
    import io

    from django.core import signing

    from arrears.compliance.services import hold_place
    from arrears.contact.messaging import UNSUBSCRIBE_SALT, template_save
    from arrears.debtors.merging import debtor_merge
    from arrears.debtors.models import MergeCandidate
    from arrears.debtors.services import contact_point_add
    from arrears.documents.services import document_store
    from arrears.imports import services as imports
    from arrears.portal.services import portal_link_make

    actor = Principal(organization_id=organization.pk, role=Role.ADMIN, label="seed")
    account = make_account(client=client, principal=Decimal("250.00"))
    hold = hold_place(kind="dispute", actor=actor, account=account, reason="seeded")
    document = document_store(
        actor=actor,
        kind="other",
        stream=io.BytesIO(b"%PDF-1.4\n%%EOF\n"),
        original_name="a.pdf",
        account=account,
    )
    template = template_save(
        organization=organization,
        key="reminder",
        channel="sms",
        body=(
            "{{ organization.name }}: {{ account.balance }} is due. From a debt collector. "
            "Reply STOP to opt out."
        ),
        actor=actor,
    )
    job = imports.import_upload(
        client=client,
        name="p.csv",
        chunks=iter([b"account_ref,first_name,last_name,balance\nW1,Jo,Sm,10\n"]),
        actor=actor,
    )
    first = make_account(client=client).debtors.get()
    second = make_account(client=client).debtors.get()
    third = make_account(client=client).debtors.get()
    phone = first.contact_points.filter(kind="phone").first()
    contact_point_add(debtor=second, kind="phone", value=phone.value, actor=actor)
    candidate = MergeCandidate.objects.create(
        organization_id=organization.pk, debtor_a=second, debtor_b=first, score=95, reason="seeded"
    )
    merge = debtor_merge(kept=first, merged=third, actor=actor)
    manager = manager_seed(organization, client, account, actor)
    from arrears.core.clock import utcnow
    from arrears.core.money import Money
    from arrears.payments.services import payment_post

    payment = payment_post(
        account=account,
        amount=Money(Decimal("10.00"), account.currency),
        method="cash",
        received_at=utcnow(),
        actor=actor,
        idempotency_key="seeded",
    )
    from arrears.api.tests.seeding import api_contact_seed, api_seed
    from arrears.strategies.definitions import experiment_start, strategy_save

    for name in ("walk-a", "walk-b"):
        strategy_save(
            organization_id=organization.pk,
            source=f'name = "{name}"\n[[segments]]\nname = "all"\n[[segments.steps]]\naction = "stop"\n',
            actor=actor,
        )
    experiment_start(
        organization_id=organization.pk,
        name="walk-ab",
        arms=[("champion", "walk-a", 50), ("challenger", "walk-b", 50)],
        actor=actor,
        today=account.created_at.date(),
    )
    report_schedule, alert_rule = reports_seed(organization, client, manager["member"], actor)
    return SimpleNamespace(
        **manager,
        report_schedule=report_schedule,
        alert_rule=alert_rule,
        payment=payment,
        api=api_seed(organization_id=organization.pk, account=account, actor=actor),
        contact=api_contact_seed(organization=organization, account=account, template=template, actor=actor),
        org=organization,
        account=account,
        hold=hold,
        document=document,
        template=template,
        job=job,
        candidate=candidate,
        merge=merge,
        unsubscribe_token=signing.dumps({"k": "no-such-message"}, salt=UNSUBSCRIBE_SALT, compress=True),
        portal_link=portal_link_make(
            organization=organization, debtor_id=account.debtors.get().pk, account_id=account.pk
        ),
        strategy="walk-a",
        experiment="walk-ab",
    )


def reports_seed(organization, client, member, actor) -> tuple[object, object]:
    """A scheduled report and an alert rule, made as a manager makes them."""
    from datetime import time

    from arrears.core.clock import utcnow
    from arrears.reports.services import alert_rule_save, report_schedule_save

    schedule = report_schedule_save(
        actor=actor, schedule=None, name="Weekly", format="pdf", frequency="weekly", send_at=time(7),
        recipients=[member.pk], client_id=client.pk, now=utcnow(),
    )  # fmt: skip
    rule = alert_rule_save(
        actor=actor, rule=None, name="Low liquidation", kind="kpi_below", kpi="liquidation_rate",
        period="week", threshold=Decimal("0.04"), recipients=[member.pk],
    )  # fmt: skip
    return schedule, rule


def manager_seed(organization, client, account, actor) -> dict[str, object]:
    """What the manager's pages point at: a pending settlement, a bank line in review, a member with a
    pending invitation, a letter batch and an open review task."""
    from datetime import timedelta

    from arrears.contact.models import CollectorTask, LetterBatch
    from arrears.core.clock import utcnow
    from arrears.core.money import Money
    from arrears.payments.models import BankLine, BankStatementImport
    from arrears.payments.services import settlement_offer
    from arrears.tenancy.invitations import invitation_token
    from arrears.tenancy.models import User
    from arrears.tenancy.services import membership_grant

    today = utcnow().date()
    collector = Principal(organization_id=organization.pk, role=Role.COLLECTOR, label="seed")
    settlement = settlement_offer(
        account=account,
        amount=Money(Decimal("100.00"), "USD"),
        expires_on=today + timedelta(days=30),
        actor=collector,
        today=today,
    )
    statement = BankStatementImport.objects.create(
        organization=organization, file_name="s.ofx", file_sha256="0" * 64, format="ofx"
    )
    bank_line = BankLine.objects.create(
        organization=organization, statement_import=statement, key=f"k{organization.pk}", bank_account="1",
        transaction_id="t1", booking_date=today, currency="USD", direction="credit", status="booked",
        amount=Decimal("5.00"), state="review", created_at=utcnow(),
    )  # fmt: skip
    member = User.objects.create_user(username=f"member-{organization.slug}", email="m@example.com")
    membership_grant(organization=organization, user=member, role=Role.COLLECTOR, actor=actor)
    letter_batch = LetterBatch.objects.create(organization=organization, created_by_label="seed")
    task = CollectorTask.objects.create(
        organization=organization, kind="inbound_message", description="seeded"
    )
    return {
        "settlement": settlement,
        "bank_line": bank_line,
        "member": member,
        "invitation": invitation_token(member),
        "letter_batch": letter_batch,
        "task": task,
        "client": client,
    }


@pytest.fixture
def oidc_provider():
    """Single sign-on at a local provider stand-in, so the walk reaches the start and the callback."""
    from .oidc_standin import OidcStandIn

    provider = OidcStandIn().start()
    yield provider
    provider.stop()


def _sso(organization, provider, actor) -> None:
    from arrears.tenancy.services import sso_configure

    sso_configure(
        organization_id=organization.pk,
        enabled=True,
        label=f"{organization.slug} SSO",
        issuer=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        email_domain="example.com",
        actor=actor,
    )


@pytest.fixture
def seeded(org, other_org, client_, make_account, make_user, settings, tmp_path, oidc_provider):
    from arrears.tenancy.services import client_create

    settings.MEDIA_ROOT = str(tmp_path)
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    other_actor = Principal(organization_id=other_org.pk, role=Role.ADMIN, label="seed")
    other_client = client_create(organization=other_org, code="bank", name="Other Bank", actor=other_actor)
    mine = seed(org, client_, make_account)
    theirs = seed(other_org, other_client, make_account)
    _sso(org, oidc_provider, Principal(organization_id=org.pk, role=Role.ADMIN, label="seed"))
    _sso(other_org, oidc_provider, other_actor)
    admin = make_user(org, Role.ADMIN, username="walker")
    return SimpleNamespace(mine=mine, theirs=theirs, admin=admin)


def kwarg_variants(route: Route, seeded: SimpleNamespace) -> Iterator[tuple[str, dict[str, object]]]:
    """(label, kwargs): the valid ids, another tenant's, and nonsense per converter, one kwarg at a time."""
    if not route.converters:
        yield "no kwargs", {}
        return
    valid = VALID[route.name](seeded.mine)
    yield "valid", valid
    yield "another tenant's", VALID[route.name](seeded.theirs)
    for kwarg, converter in route.converters.items():
        for bad in BAD_BY_CONVERTER.get(converter, BAD_BY_CONVERTER["str"]):
            yield f"{kwarg}={bad[:20]}", {**valid, kwarg: bad}


def request(browser: Client, method: str, path: str, value: str, names: set[str], files: set[str], **extra):
    """One request in a savepoint that is rolled back, and with the cookies put back, so every request sees
    the seeded data and the login unchanged (a POST to logout/ would otherwise end the session)."""
    cookies = browser.cookies
    browser.cookies = SimpleCookie(cookies.output(header="", sep=";"))
    data: dict[str, object] = {name: value for name in names}
    if method == "POST" and files:
        for name in files:
            data[name] = SimpleUploadedFile(value[:100] or "empty", value.encode(), content_type="text/plain")
    with transaction.atomic():
        if method == "GET":
            response = browser.get(path, data, HTTP_RANGE=value, **extra)
        else:
            response = browser.post(path, data, **extra)
        transaction.set_rollback(True)
    browser.cookies = cookies
    return response


def test_every_route_with_ids_is_seeded():
    missing = [r.name for r in routes() if r.converters and r.name not in VALID]

    assert not missing, f"say in VALID how to find a valid id for these routes: {missing}"


def test_the_walk_finds_the_project_routes():
    found = {r.name for r in routes()}

    assert {
        "workbench:call_log",
        "imports:mapping",
        "compliance:holds",
        "contact:unsubscribe",
        "login",
    } <= found
    assert not any(name.startswith("admin:") for name in found)


def server_errors(seeded: SimpleNamespace, staff_user) -> list[str]:
    """Walk the URLconf with good and bad ids and garbage in every parameter; the requests that got a 5xx."""
    walked = routes()
    names, files = parameter_names(walked)
    staff = Client(raise_request_exception=False)
    staff.force_login(staff_user)
    anonymous = Client(raise_request_exception=False)
    failures: list[str] = []
    logged_out: list[str] = []

    def check(browser: Client, who: str, method: str, path: str, value: str, **extra) -> None:
        response = request(browser, method, path, value, names, files, **extra)
        if browser is staff and response.get("Location", "").startswith("/login/?next="):
            logged_out.append(f"{method} {path}")  # the walk would test nothing past the login
        if response.status_code >= 500:
            error = response.exc_info[1] if getattr(response, "exc_info", None) else ""
            failures.append(
                f"{who} {method} {path[:100]} value={value[:24]!r} -> {response.status_code} {error!r:.200}"
            )

    for route in walked:
        for label, kwargs in kwarg_variants(route, seeded):
            path = route.path(kwargs)
            if label not in ("valid", "no kwargs"):  # the ids are the garbage here
                for method in ("GET", "POST"):
                    check(staff, "staff", method, path, "abc")
                continue
            for value in GARBAGE:
                for method in ("GET", "POST"):
                    check(staff, "staff", method, path, value)
            check(staff, "staff htmx", "GET", path, "abc", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
            check(staff, "staff htmx", "POST", path, HUGE, HTTP_HX_REQUEST="true")
            for rng in GARBAGE_RANGES:
                check(staff, "staff", "GET", path, rng)
            for method in ("GET", "POST"):
                check(anonymous, "anonymous", method, path, "abc")
    assert not logged_out, f"the staff user was sent to log in, so the walk tested nothing: {logged_out[:5]}"
    return failures


def test_no_route_answers_bad_input_with_a_5xx(seeded):
    # given every route of the project, every parameter name it knows, and a logged-in admin

    # when each is requested with good and bad ids, with garbage in every parameter
    failures = server_errors(seeded, seeded.admin)

    # then none answered with a server error
    assert not failures, "\n".join(failures)


def careless_report(request: HttpRequest) -> HttpResponse:
    """A view written without a form, as a new one might be: ``int()`` of a query parameter."""
    return HttpResponse(str(int(request.GET.get("rows", "10")) * 2))


urlpatterns = [path("careless-report/", careless_report, name="careless_report")]


def test_the_walk_catches_a_new_view_that_does_not_check_its_input(org, make_user, settings):
    # given a URLconf with a view added later that trusts its query string
    settings.ROOT_URLCONF = __name__

    # when the URLconf is walked
    failures = server_errors(SimpleNamespace(), make_user(org, Role.ADMIN, username="walker"))

    # then its 500 is reported
    assert any("careless-report/" in f and "ValueError" in f for f in failures), failures
