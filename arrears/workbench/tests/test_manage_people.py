"""People: a manager invites a user by email (a real SMTP server, aiosmtpd); the signed link sets a
password once and expires; roles change; client viewers need a client."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from arrears.audit.events import Event
from arrears.audit.models import AuditEvent
from arrears.contact.tests.conftest import Mailbox, free_port
from arrears.tenancy.choices import Role
from arrears.tenancy.invitations import invitation_user
from arrears.tenancy.models import Membership, User

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings):
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield mailbox
    controller.stop()


def manager_browser(org, make_user, role=Role.MANAGER) -> Client:
    browser = Client()
    browser.force_login(make_user(org, role, username=f"boss-{role}"))
    return browser


def link_in(mailbox: Mailbox) -> str:
    (message,) = mailbox.messages
    body = message.get_content()
    return re.search(r"http://testserver(/manage/join/[^/\s]+/)", body).group(1)


def test_an_invited_user_sets_a_password_from_the_emailed_link_and_logs_in(org, make_user, smtp):
    # given
    boss = manager_browser(org, make_user)

    # when
    answer = boss.post(
        reverse("workbench:manage:invite"),
        {"username": "newbie", "email": "newbie@example.com", "role": Role.COLLECTOR},
    )

    # then: the user exists without a usable password and the email went out over SMTP
    assert answer.status_code == 302
    user = User.objects.get(username="newbie")
    assert not user.has_usable_password()
    assert Membership.objects.get(user=user).role == Role.COLLECTOR
    assert smtp.messages[0]["To"] == "newbie@example.com"
    link = link_in(smtp)
    assert AuditEvent.objects.filter(event=Event.USER_INVITED, subject_id=str(user.pk)).exists()

    # when the invitee opens the link and chooses a password
    visitor = Client()
    assert visitor.get(link).status_code == 200
    short = visitor.post(link, {"password1": "abc", "password2": "abc"})
    done = visitor.post(link, {"password1": "a-long-pass-4-me", "password2": "a-long-pass-4-me"})

    # then: too short is refused next to the field; the good one is set; the link is spent
    assert short.status_code == 400 and "too short" in short.content.decode()
    assert done.status_code == 302
    # (logging in through the login page: django-axes needs the request, which Client.login never passes)
    logged_in = visitor.post(reverse("login"), {"username": "newbie", "password": "a-long-pass-4-me"})
    assert logged_in.status_code == 302 and visitor.session.get("_auth_user_id") == str(user.pk)
    again = Client().get(link)
    assert again.status_code == 400 and "already used" in again.content.decode()
    assert AuditEvent.objects.filter(event=Event.USER_INVITATION_ACCEPTED).count() == 1


def test_an_expired_or_forged_link_is_refused(org, make_user, smtp):
    boss = manager_browser(org, make_user)
    boss.post(
        reverse("workbench:manage:invite"),
        {"username": "late", "email": "late@example.com", "role": Role.MANAGER},
    )
    link = link_in(smtp)
    token = link.split("/")[-2]

    with pytest.raises(Exception, match="invalid or expired"):
        invitation_user(token=token, max_age=-1)
    forged = Client().get(reverse("workbench:manage:join", args=[token[:-3] + "abc"]))

    assert forged.status_code == 400 and "invalid or expired" in forged.content.decode()


def test_bad_invitations_are_messages_next_to_the_fields(org, make_user, client_, smtp):
    boss = manager_browser(org, make_user)
    invite = reverse("workbench:manage:invite")

    taken = boss.post(invite, {"username": "boss-manager", "email": "x@example.com", "role": Role.COLLECTOR})
    bad_email = boss.post(invite, {"username": "ok", "email": "not-an-email", "role": Role.COLLECTOR})
    no_client = boss.post(invite, {"username": "v", "email": "v@example.com", "role": Role.CLIENT_VIEWER})
    bad_role = boss.post(invite, {"username": "r", "email": "r@example.com", "role": "owner"})

    assert taken.status_code == 400 and "is taken" in taken.content.decode()
    assert bad_email.status_code == 400 and "valid email" in bad_email.content.decode()
    assert no_client.status_code == 400 and "needs at least one client" in no_client.content.decode()
    assert bad_role.status_code == 400 and "Select a valid choice" in bad_role.content.decode()
    assert smtp.messages == []
    assert not User.objects.filter(username__in=["ok", "v", "r"]).exists()


def test_only_an_admin_changes_roles(org, make_user):
    target = make_user(org, Role.COLLECTOR, username="target")
    manager = manager_browser(org, make_user, Role.MANAGER)
    admin = manager_browser(org, make_user, Role.ADMIN)
    path = reverse("workbench:manage:role_set", args=[target.pk])

    by_manager = manager.post(path, {"role": Role.ADMIN})
    by_admin = admin.post(path, {"role": Role.MANAGER})

    assert by_manager.status_code == 403
    assert by_admin.status_code == 302
    assert Membership.objects.get(user=target).role == Role.MANAGER


def test_a_manager_creates_a_team_and_puts_a_collector_in_it(org, make_user):
    # given
    carla = make_user(org, Role.COLLECTOR, username="carla")
    boss = manager_browser(org, make_user)

    # when
    empty = boss.post(reverse("workbench:manage:team_new"), {"name": "  "})
    made = boss.post(reverse("workbench:manage:team_new"), {"name": "Early shift"})
    twice = boss.post(reverse("workbench:manage:team_new"), {"name": "Early shift"})
    team_id = (
        Membership.objects.model._meta.get_field("team").related_model.objects.get(name="Early shift").pk
    )
    placed = boss.post(reverse("workbench:manage:member_team_set", args=[carla.pk]), {"team": team_id})
    bad = boss.post(reverse("workbench:manage:member_team_set", args=[carla.pk]), {"team": "999999"})

    # then
    assert empty.status_code == 400
    assert made.status_code == 302
    assert twice.status_code == 400 and "exists" in twice.content.decode()
    assert placed.status_code == 302 and Membership.objects.get(user=carla).team_id == team_id
    assert bad.status_code == 400
    assert "Early shift" in boss.get(reverse("workbench:manage:people")).content.decode()
