"""The account page partials: "Contact now?" and holds. Permissions, tenancy and query counts."""

from __future__ import annotations

import pytest
from django.urls import reverse

from arrears.compliance.models import Hold
from arrears.compliance.selectors import primary_debtor
from arrears.compliance.services import hold_place
from arrears.tenancy.choices import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, make_user, org):
    def login(role=Role.COLLECTOR, organization=None):
        user = make_user(organization or org, role=role)
        client.force_login(user)
        return client

    return login


def test_contact_now_requires_login(client, make_account):
    account = make_account()

    response = client.get(reverse("compliance:contact_now", args=[account.pk]))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_contact_now_shows_each_channel_with_its_reasons(
    logged_in, make_account, django_assert_max_num_queries
):
    account = make_account()
    web = logged_in()

    with django_assert_max_num_queries(25):
        response = web.get(reverse("compliance:contact_now", args=[account.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Contact now?" in html
    for channel in ("Call", "Sms", "Email", "Letter"):
        assert f"<td>{channel}</td>" in html
    assert "NO_SMS_CONSENT" in html  # the fixture's mobile has no recorded consent to texts
    assert "Must include:" in html and "MINI_MIRANDA" in html  # letters are never timed: always one allowed


def test_contact_now_shows_a_hold_and_that_waiting_does_not_help(logged_in, make_account, system):
    account = make_account()
    hold_place(kind="bankruptcy", account=account, actor=system)
    web = logged_in()

    html = web.get(reverse("compliance:contact_now", args=[account.pk])).content.decode()

    assert html.count("BANKRUPTCY") == 4
    assert "11 U.S.C. 362(a)(6)" in html
    assert "not by waiting" in html


def test_another_tenants_account_is_a_404(logged_in, make_account, other_org):
    account = make_account()
    stranger = logged_in(organization=other_org)

    contact = stranger.get(reverse("compliance:contact_now", args=[account.pk]))
    holds = stranger.get(reverse("compliance:holds", args=[account.pk]))

    assert contact.status_code == 404
    assert holds.status_code == 404


def test_collector_places_a_hold_but_only_a_manager_lifts_it(logged_in, make_account):
    account = make_account()
    collector = logged_in()

    placed = collector.post(
        reverse("compliance:holds", args=[account.pk]),
        {"kind": "cease_communication", "scope": "debtor", "reason": "letter of 3 March"},
    )
    hold = Hold.objects.get()
    refused = collector.post(reverse("compliance:hold_lift", args=[account.pk, hold.pk]), {"reason": "x"})

    assert placed.status_code == 200
    assert "Cease communication" in placed.content.decode()
    assert hold.debtor == primary_debtor(account) and hold.account is None
    assert refused.status_code == 403


def test_manager_lifts_a_hold_with_a_reason(logged_in, make_account, system):
    account = make_account()
    hold = hold_place(kind="dispute", account=account, actor=system, details={"written": True})
    manager = logged_in(role=Role.MANAGER)

    without_reason = manager.post(reverse("compliance:hold_lift", args=[account.pk, hold.pk]), {"reason": ""})
    lifted = manager.post(
        reverse("compliance:hold_lift", args=[account.pk, hold.pk]), {"reason": "verification sent"}
    )

    assert without_reason.status_code == 400
    assert lifted.status_code == 200
    assert "No active holds." in lifted.content.decode()
    hold.refresh_from_db()
    assert hold.lift_reason == "verification sent"


def test_dispute_hold_on_the_debtor_is_refused_with_a_message(logged_in, make_account):
    account = make_account()
    collector = logged_in()

    response = collector.post(
        reverse("compliance:holds", args=[account.pk]), {"kind": "dispute", "scope": "debtor"}
    )

    assert response.status_code == 400
    assert "concerns one account" in response.content.decode()
    assert not Hold.objects.exists()


def test_refused_form_is_swapped_by_htmx(logged_in, make_account):
    account = make_account()
    collector = logged_in()

    response = collector.post(
        reverse("compliance:holds", args=[account.pk]),
        {"kind": "dispute", "scope": "debtor"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


def test_client_viewer_sees_holds_but_cannot_place_one(logged_in, make_account, client_):
    account = make_account()
    viewer = logged_in(role=Role.CLIENT_VIEWER)
    from arrears.tenancy.models import Membership

    Membership.objects.get(user__username__startswith="client_viewer").clients.add(client_)

    page = viewer.get(reverse("compliance:holds", args=[account.pk]))
    post = viewer.post(reverse("compliance:holds", args=[account.pk]), {"kind": "deceased"})

    assert page.status_code == 200 and "Place hold" not in page.content.decode()
    assert post.status_code == 403


def test_admin_shows_holds_read_only_and_scoped_to_the_organization(
    client, make_account, make_user, other_org, system
):
    from django.contrib.auth.models import Permission

    account = make_account()
    hold = hold_place(kind="deceased", account=account, actor=system)
    compliance_permissions = Permission.objects.filter(content_type__app_label="compliance")
    own = make_user(account.client.organization, Role.ADMIN, username="own-admin")
    stranger = make_user(other_org, Role.ADMIN, username="other-admin")
    for user in (own, stranger):
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.user_permissions.set(compliance_permissions)

    client.force_login(own)
    mine = client.get(reverse("admin:compliance_hold_change", args=[hold.pk]))
    add = client.get(reverse("admin:compliance_hold_add"))
    client.force_login(stranger)
    theirs = client.get(reverse("admin:compliance_hold_change", args=[hold.pk]))

    assert mine.status_code == 200
    assert "Deceased" in mine.content.decode()
    assert add.status_code == 403
    assert theirs.status_code == 404


def test_contact_now_on_the_morning_clocks_spring_forward(logged_in, make_account):
    import time_machine

    account = make_account()
    web = logged_in()

    with time_machine.travel("2026-03-08T11:59:59Z", tick=False):  # 07:59:59 EDT, 06:59:59 EST's old clock
        before = web.get(reverse("compliance:contact_now", args=[account.pk])).content.decode()
    with time_machine.travel("2026-03-08T12:00:00Z", tick=False):  # 08:00:00 EDT
        after = web.get(reverse("compliance:contact_now", args=[account.pk])).content.decode()

    assert "INCONVENIENT_TIME" in before
    assert 'datetime="2026-03-08T08:00:00-04:00"' in before  # the organization's zone, New York
    assert "Sun 08 Mar 08:00 New York" in before
    assert "INCONVENIENT_TIME" not in after


@pytest.mark.parametrize(
    ("form", "field"),
    [
        pytest.param({"kind": "dispute", "effective_on": "2026-13-45"}, "effective-on", id="impossible-date"),
        pytest.param({"kind": "alien_abduction"}, "kind", id="unknown-kind"),
        pytest.param({"kind": "dispute", "scope": "galaxy"}, "scope", id="unknown-scope"),
        pytest.param({"kind": "dispute", "reason": "x" * 2001}, "reason", id="reason-too-long"),
    ],
)
def test_a_bad_hold_form_is_a_400_with_the_message_next_to_the_field(logged_in, make_account, form, field):
    account = make_account()

    response = logged_in().post(reverse("compliance:holds", args=[account.pk]), form)

    assert response.status_code == 400
    assert f'id="{field}-error"' in response.content.decode()
    assert not Hold.objects.exists()
