"""The manager's pages: templates, money (settlements, reconciliation), people and the audit log.

Each view parses its input with a form, calls one service or selector, and renders; a service's error is
shown next to the field it concerns (4xx), never a traceback. Only managers and admins reach them
(`staff_view("manage")`): a collector or a client viewer gets 403.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from arrears.accounts.selectors import account_get_by_reference
from arrears.audit.events import Event
from arrears.audit.selectors import audit_search
from arrears.compliance.selectors import contact_policy
from arrears.compliance.services import contact_policy_set
from arrears.contact.messaging import branding_set, template_check, template_save
from arrears.contact.messaging_choices import TemplateChannel
from arrears.contact.selectors import (
    branding_get,
    template_get,
    template_preview_for_account,
    templates_current,
)
from arrears.core.errors import ArrearsError, NotFound
from arrears.payments.reconciliation import bank_line_dismiss, bank_line_resolve, bank_lines_for_review
from arrears.payments.selectors import settlement_get, settlements_pending
from arrears.payments.services import settlement_approve, settlements_reject
from arrears.tenancy.auth import staff_view
from arrears.tenancy.domain import Principal
from arrears.tenancy.invitations import invitation_accept, invitation_user, user_invite
from arrears.tenancy.selectors import (
    client_list,
    membership_get,
    memberships_list,
    organization_get,
    sso_get,
    teams_for,
)
from arrears.tenancy.services import (
    membership_grant,
    membership_team_set,
    organization_settings_update,
    sso_configure,
    team_create,
)

from .forms import (
    AuditFilterForm,
    BankLineForm,
    BrandingForm,
    ContactPolicyForm,
    InviteForm,
    MemberTeamForm,
    OrganizationSettingsForm,
    PreviewAccountForm,
    RoleForm,
    SetPasswordForm,
    SettlementDecisionForm,
    SsoForm,
    TeamForm,
    TemplateForm,
)

PAGE_SIZE = 50


def _window(qs: Any, page: int) -> tuple[list[Any], bool]:
    """One page and whether another follows, without COUNT(*) (one extra row tells)."""
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@staff_view("manage")
def home(request: HttpRequest, principal: Principal) -> HttpResponse:
    return render(request, "workbench/manage/home.html", {"principal": principal})


# --- templates ------------------------------------------------------------------------------------------


@require_GET
@staff_view("manage")
def template_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    templates = templates_current(organization_id=principal.organization_id)
    return render(request, "workbench/manage/template_list.html", {"templates": templates})


def _problems(principal: Principal, form: TemplateForm) -> tuple[list[dict[str, str]], str]:
    """The content rules the draft breaks, and a syntax error (as text) if it does not render."""
    data = form.cleaned_data
    organization = organization_get(organization_id=principal.organization_id)
    try:
        found = template_check(
            organization=organization, channel=data["channel"], subject=data["subject"], body=data["body"]
        )
    except ArrearsError as exc:
        return [], exc.message
    return [{"code": p.code, "citation": p.citation, "message": p.message} for p in found], ""


@staff_view("manage")
def template_edit(request: HttpRequest, principal: Principal, pk: int | None = None) -> HttpResponse:
    """New template (no pk) or a new version of one; saving keeps the old versions."""
    current = template_get(organization_id=principal.organization_id, pk=pk) if pk else None
    if request.method == "POST":
        form = TemplateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = template_save(
                    organization=organization_get(organization_id=principal.organization_id),
                    key=data["key"],
                    channel=data["channel"],
                    language=data["language"],
                    name=data["name"],
                    subject=data["subject"],
                    body=data["body"],
                    actor=principal,
                )
            except ArrearsError as exc:
                form.add_error("body", exc.message)
            else:
                messages.success(
                    request, f"Saved {saved.key} ({saved.get_channel_display()}) as version {saved.version}."
                )
                return redirect("workbench:manage:template_edit", pk=saved.pk)
        status = 400
    else:
        initial: dict[str, Any] = {"language": "en", "channel": TemplateChannel.EMAIL}
        if current is not None:
            initial = {
                "key": current.key,
                "channel": current.channel,
                "language": current.language,
                "name": current.name,
                "subject": current.subject,
                "body": current.body,
            }
        form = TemplateForm(initial=initial)
        status = 200
    context = {"form": form, "template": current, "preview_form": PreviewAccountForm()}
    return render(request, "workbench/manage/template_edit.html", context, status=status)


@require_POST
@staff_view("manage")
def template_check_view(request: HttpRequest, principal: Principal) -> HttpResponse:
    """htmx, as the manager types: the rules the draft breaks. htmx swaps only 2xx, so this answers 200
    with the field messages; anything but htmx gets 400 for bad input."""
    form = TemplateForm(request.POST)
    problems: list[dict[str, str]] = []
    syntax = ""
    if form.is_valid():
        problems, syntax = _problems(principal, form)
    status = 200 if form.is_valid() or request.htmx else 400
    context = {"form": form, "problems": problems, "syntax": syntax, "checked": form.is_valid()}
    return render(request, "workbench/manage/_template_check.html", context, status=status)


@require_POST
@staff_view("manage")
def template_preview_view(request: HttpRequest, principal: Principal) -> HttpResponse:
    """The draft rendered for a real account of the organization (by its reference)."""
    form = TemplateForm(request.POST)
    account_form = PreviewAccountForm(request.POST)
    context: dict[str, Any] = {"account_form": account_form}
    ok = form.is_valid() and account_form.is_valid()
    if ok and account_form.cleaned_data["account"]:
        data = form.cleaned_data
        try:
            account = account_get_by_reference(
                principal=principal, reference=account_form.cleaned_data["account"]
            )
            context["subject"], context["body"] = template_preview_for_account(
                channel=data["channel"],
                subject=data["subject"],
                body=data["body"],
                account=account,
                organization=organization_get(organization_id=principal.organization_id),
            )
            context["account"] = account
            context["is_letter"] = data["channel"] == TemplateChannel.LETTER
        except ArrearsError as exc:
            account_form.add_error("account", exc.message)
            ok = False
    elif ok:
        account_form.add_error("account", "Give an account reference, e.g. NOR-100000.")
        ok = False
    if not form.is_valid():
        context["draft_errors"] = form.errors
    status = 200 if ok or request.htmx else 400
    return render(request, "workbench/manage/_template_preview.html", context, status=status)


# --- settlements -----------------------------------------------------------------------------------------


@staff_view("approve_settlement")
def settlement_list(request: HttpRequest, principal: Principal) -> HttpResponse:
    rows = list(settlements_pending(principal=principal)[:200])
    return render(
        request, "workbench/manage/settlements.html", {"settlements": rows, "form": SettlementDecisionForm()}
    )


@require_POST
@staff_view("approve_settlement")
def settlement_decide(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    settlement = settlement_get(principal=principal, pk=pk)
    form = SettlementDecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                settlement_approve(settlement=settlement, actor=principal)
                messages.success(
                    request, f"Settlement {settlement.pk} on {settlement.account.reference} approved."
                )
            else:
                settlements_reject(
                    settlement_ids=[settlement.pk], reason=form.cleaned_data["reason"], actor=principal
                )
                messages.success(
                    request, f"Settlement {settlement.pk} on {settlement.account.reference} rejected."
                )
        except ArrearsError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("workbench:manage:settlements")
    rows = list(settlements_pending(principal=principal)[:200])
    context = {"settlements": rows, "form": SettlementDecisionForm(), "failed": form, "failed_pk": pk}
    return render(request, "workbench/manage/settlements.html", context, status=400)


# --- reconciliation ---------------------------------------------------------------------------------------


@staff_view("manage")
def reconciliation(request: HttpRequest, principal: Principal) -> HttpResponse:
    lines = bank_lines_for_review(actor=principal)[:200]
    return render(request, "workbench/manage/reconciliation.html", {"lines": lines, "form": BankLineForm()})


@require_POST
@staff_view("manage")
def bank_line_decide(request: HttpRequest, principal: Principal, pk: int) -> HttpResponse:
    form = BankLineForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "resolve":
                account = account_get_by_reference(principal=principal, reference=data["account"].strip())
                bank_line_resolve(line_id=pk, account=account, actor=principal)
                messages.success(request, f"Posted the bank line to {account.reference}.")
            else:
                bank_line_dismiss(line_id=pk, reason=data["reason"], actor=principal)
                messages.success(request, "Dismissed the bank line.")
        except NotFound as exc:
            form.add_error("account" if data["action"] == "resolve" else None, exc.message)
        except ArrearsError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("workbench:manage:reconciliation")
    lines = bank_lines_for_review(actor=principal)[:200]
    context = {"lines": lines, "form": BankLineForm(), "failed": form, "failed_pk": pk}
    return render(request, "workbench/manage/reconciliation.html", context, status=400)


# --- people -----------------------------------------------------------------------------------------------


def _people(
    request: HttpRequest,
    principal: Principal,
    form: InviteForm | None = None,
    status: int = 200,
    team_form: TeamForm | None = None,
):
    clients = client_list(organization_id=principal.organization_id)
    context = {
        "memberships": memberships_list(organization_id=principal.organization_id),
        "form": form or InviteForm(clients=clients),
        "role_form": RoleForm(),
        "teams": list(teams_for(principal.organization_id)),
        "team_form": team_form or TeamForm(),
    }
    return render(request, "workbench/manage/people.html", context, status=status)


@require_GET
@staff_view("manage")
def people(request: HttpRequest, principal: Principal) -> HttpResponse:
    return _people(request, principal)


@require_POST
@staff_view("manage")
def invite(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = InviteForm(request.POST, clients=client_list(organization_id=principal.organization_id))
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = user_invite(
                organization_id=principal.organization_id,
                username=data["username"],
                email=data["email"],
                role=data["role"],
                client_ids=data["clients"],
                actor=principal,
                link=lambda token: request.build_absolute_uri(reverse("workbench:manage:join", args=[token])),
            )
        except ArrearsError as exc:
            field = {"USER_USERNAME_TAKEN": "username", "CLIENT_NOT_FOUND": "clients"}.get(exc.code, "role")
            form.add_error(field, exc.message)
        else:
            messages.success(request, f"Invited {user.username}: the link is on its way to {user.email}.")
            return redirect("workbench:manage:people")
    return _people(request, principal, form, status=400)


@require_POST
@staff_view("admin")
def role_set(request: HttpRequest, principal: Principal, user_id: int) -> HttpResponse:
    """Change a member's role (admins only: a manager may not make anyone an admin)."""
    membership = membership_get(organization_id=principal.organization_id, user_id=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid() or membership.user_id == principal.user_id:
        messages.error(request, "Choose a role from the list; you cannot change your own role.")
        return _people(request, principal, status=400)
    membership_grant(
        organization=organization_get(organization_id=principal.organization_id),
        user=membership.user,
        role=form.cleaned_data["role"],
        actor=principal,
    )
    messages.success(request, f"{membership.user.username} is now {form.cleaned_data['role']}.")
    return redirect("workbench:manage:people")


@require_POST
@staff_view("manage")
def team_new(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = TeamForm(request.POST)
    if form.is_valid():
        try:
            team = team_create(
                organization_id=principal.organization_id, name=form.cleaned_data["name"], actor=principal
            )
        except ArrearsError as exc:
            form.add_error("name", exc.message)
        else:
            messages.success(request, f"Team {team.name} created.")
            return redirect("workbench:manage:people")
    return _people(request, principal, status=400, team_form=form)


@require_POST
@staff_view("manage")
def member_team_set(request: HttpRequest, principal: Principal, user_id: int) -> HttpResponse:
    membership = membership_get(organization_id=principal.organization_id, user_id=user_id)
    form = MemberTeamForm(request.POST, teams=teams_for(principal.organization_id))
    if not form.is_valid():
        messages.error(request, f"Team of {membership.user.username}: choose a team from the list.")
        return _people(request, principal, status=400)
    membership_team_set(
        organization_id=principal.organization_id,
        user_id=membership.user_id,
        team_id=form.cleaned_data["team"],
        actor=principal,
    )
    messages.success(request, f"{membership.user.username}'s team is saved.")
    return redirect("workbench:manage:people")


def join(request: HttpRequest, token: str) -> HttpResponse:
    """The invitation link: no login; the signed token names the user, expires, and works once."""
    try:
        user = invitation_user(token=token)
    except ArrearsError as exc:
        return render(request, "workbench/manage/join.html", {"invalid": exc.message}, status=400)
    form = SetPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_accept(token=token, password=form.cleaned_data["password1"])
        except ArrearsError as exc:
            form.add_error("password1", exc.message)
        else:
            messages.success(request, "Your password is set. Log in with it now.")
            return redirect("login")
    status = 400 if request.method == "POST" else 200
    return render(request, "workbench/manage/join.html", {"form": form, "invited": user}, status=status)


# --- audit ------------------------------------------------------------------------------------------------


@require_GET
@staff_view("manage")
def audit_log(request: HttpRequest, principal: Principal) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    rows: list[Any] = []
    has_next = False
    page = 1
    if form.is_valid():
        data = form.cleaned_data
        page = data["page"] or 1
        tz = zoneinfo.ZoneInfo(organization_get(organization_id=principal.organization_id).timezone)
        since = datetime.combine(data["since"], time(), tzinfo=tz) if data["since"] else None
        until = (
            datetime.combine(data["until"] + timedelta(days=1), time(), tzinfo=tz) if data["until"] else None
        )
        qs = audit_search(
            principal=principal,
            event=data["event"],
            actor=data["actor"],
            since=since,
            until=until,
            account_id=data["account"],
        )
        rows, has_next = _window(qs, page)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        "events": sorted(e.value for e in Event),
    }
    return render(request, "workbench/manage/audit.html", context, status=200 if form.is_valid() else 400)


# --- settings ---------------------------------------------------------------------------------------------


@staff_view("admin")
def organization_settings(request: HttpRequest, principal: Principal) -> HttpResponse:
    """The organization's settings and letterhead (admins): one form each, each through its service."""
    organization = organization_get(organization_id=principal.organization_id)
    branding = branding_get(organization_id=principal.organization_id)
    settings_form = OrganizationSettingsForm(
        initial={f: getattr(organization, f) for f in OrganizationSettingsForm.base_fields}
    )
    branding_form = BrandingForm(
        initial={
            "primary_colour": branding.primary_colour if branding else "#1f3a5f",
            "accent_colour": branding.accent_colour if branding else "#6b7c93",
            "envelope_name": branding.envelope_name if branding else "",
            "return_address": branding.return_address if branding else "",
        }
    )
    policy = contact_policy(organization_id=principal.organization_id)
    policy_form = ContactPolicyForm(initial={f: getattr(policy, f) for f in ContactPolicyForm.base_fields})
    status = 200
    if request.method == "POST" and request.POST.get("part") == "policy":
        policy_form = ContactPolicyForm(request.POST)
        if policy_form.is_valid():
            try:
                contact_policy_set(
                    organization_id=principal.organization_id, actor=principal, **policy_form.cleaned_data
                )
            except ArrearsError as exc:
                policy_form.add_error(str(exc.details.get("field") or "call_limit"), exc.message)
            else:
                messages.success(request, "Contact policy saved. The compliance gate applies it from now on.")
                return redirect("workbench:manage:settings")
        status = 400
    elif request.method == "POST" and request.POST.get("part") == "branding":
        branding_form = BrandingForm(request.POST, request.FILES)
        if branding_form.is_valid():
            data = branding_form.cleaned_data
            try:
                branding_set(organization_id=principal.organization_id, actor=principal, **data)
            except ArrearsError as exc:
                branding_form.add_error(
                    "logo" if exc.code == "CONTACT_LOGO_INVALID" else "envelope_name", exc.message
                )
            else:
                messages.success(request, "Letterhead saved.")
                return redirect("workbench:manage:settings")
        status = 400
    elif request.method == "POST":
        settings_form = OrganizationSettingsForm(request.POST)
        if settings_form.is_valid():
            try:
                organization_settings_update(
                    organization_id=principal.organization_id,
                    changes=settings_form.cleaned_data,
                    actor=principal,
                )
            except ArrearsError as exc:
                settings_form.add_error("timezone" if "ZONE" in exc.code else "name", exc.message)
            else:
                messages.success(request, "Settings saved.")
                return redirect("workbench:manage:settings")
        status = 400
    context = {
        "settings_form": settings_form,
        "branding_form": branding_form,
        "branding": branding,
        "policy_form": policy_form,
        "sso": sso_get(organization_id=principal.organization_id),
    }
    return render(request, "workbench/manage/settings.html", context, status=status)


@staff_view("admin")
def sso_settings(request: HttpRequest, principal: Principal) -> HttpResponse:
    """The organization's single sign-on (admins): its OpenID Connect provider, through `sso_configure`."""
    sso = sso_get(organization_id=principal.organization_id)
    initial: dict[str, Any] = {
        "enabled": True,
        "label": organization_get(organization_id=principal.organization_id).name,
    }
    if sso is not None:
        initial = {f: getattr(sso, f) for f in ("enabled", "label", "issuer", "client_id", "email_domain")}
    form = SsoForm(initial=initial)
    status = 200
    if request.method == "POST":
        form = SsoForm(request.POST)
        if form.is_valid():
            try:
                sso_configure(organization_id=principal.organization_id, actor=principal, **form.cleaned_data)
            except ArrearsError as exc:
                field = "client_secret" if "secret" in exc.message else "issuer"
                form.add_error("email_domain" if "domain" in exc.message else field, exc.message)
            else:
                messages.success(request, "Single sign-on saved.")
                return redirect("workbench:manage:sso")
        status = 400
    callback = request.build_absolute_uri(
        reverse(
            "openid_connect_callback",
            kwargs={"provider_id": organization_get(organization_id=principal.organization_id).slug},
        )
    )
    context = {"form": form, "sso": sso, "callback": callback}
    return render(request, "workbench/manage/sso.html", context, status=status)


@require_GET
@staff_view("manage")
def logo(request: HttpRequest, principal: Principal) -> HttpResponse:
    branding = branding_get(organization_id=principal.organization_id)
    if branding is None or not branding.logo:
        raise Http404("No logo yet.")
    return FileResponse(branding.logo.open("rb"))
