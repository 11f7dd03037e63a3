"""Invitations: a manager adds a person by email; the email carries a signed link that expires and works
once, where the person chooses a password."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from arrears.audit.events import Event
from arrears.audit.services import audit_record
from arrears.core.errors import ArrearsError, Conflict

from .choices import Role
from .domain import Principal
from .errors import TenancyError
from .models import Client, Membership, User

SALT = "arrears.tenancy.invitation"
MAX_AGE = 7 * 24 * 3600  # an invitation link works for a week


def _fingerprint(user: User) -> str:
    """Changes once the password is set, so a used link stops working."""
    return hashlib.sha256(f"{user.password}|{user.last_login}".encode()).hexdigest()[:16]


def invitation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "f": _fingerprint(user)}, salt=SALT, compress=True)


def invitation_user(*, token: str, max_age: int = MAX_AGE) -> User:
    """The user a link invites; an expired, forged or used link is ``USER_INVITATION_INVALID``."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age)
        user = User.objects.get(pk=int(data["u"]), is_active=True)
    except (signing.BadSignature, User.DoesNotExist, KeyError, TypeError, ValueError):
        raise ArrearsError(
            TenancyError.INVITATION_INVALID, "This invitation link is invalid or expired."
        ) from None
    if data.get("f") != _fingerprint(user):
        raise ArrearsError(TenancyError.INVITATION_INVALID, "This invitation link was already used.")
    return user


@transaction.atomic
def user_invite(
    *,
    organization_id: int,
    username: str,
    email: str,
    role: str,
    actor: Principal,
    link: Callable[[str], str],
    client_ids: Sequence[int] = (),
) -> User:
    """Create a login without a password, grant it a role in the organization, and email the link
    (``link(token)`` gives the absolute URL) once the transaction commits."""
    if role not in Role.values:
        raise ArrearsError(TenancyError.ROLE_INVALID, f"role must be one of {', '.join(Role.values)}")
    clients = list(Client.objects.filter(organization_id=organization_id, pk__in=client_ids))
    if len(clients) != len(set(client_ids)):
        raise ArrearsError(TenancyError.CLIENT_NOT_FOUND, "no such client in this organization")
    if role == Role.CLIENT_VIEWER and not clients:
        raise ArrearsError(TenancyError.ROLE_INVALID, "a client viewer needs at least one client")
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=username, email=email, password=None)
    except IntegrityError:
        raise Conflict(TenancyError.USERNAME_TAKEN, f"the username {username!r} is taken") from None
    membership = Membership.objects.create(organization_id=organization_id, user=user, role=role)
    if clients:
        membership.clients.set(clients)
    audit_record(
        actor=actor,
        event=Event.USER_INVITED,
        subject_type="user",
        subject_id=user.pk,
        data={"username": username, "email": email, "role": role, "clients": [c.code for c in clients]},
    )
    url = link(invitation_token(user))
    transaction.on_commit(lambda: _send(email=email, username=username, url=url))
    return user


def _send(*, email: str, username: str, url: str) -> None:
    days = MAX_AGE // 86400
    mail.send_mail(
        subject="You are invited to Arrears",
        message=(
            f"Hello,\n\nYou have been given access to Arrears as {username}.\n"
            f"Choose your password here (the link works once, for {days} days):\n\n{url}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[email],
    )


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> User:
    """Set the invited user's password (Django's validators apply); the link then stops working."""
    user = invitation_user(token=token)
    user = User.objects.select_for_update().get(pk=user.pk)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ArrearsError(TenancyError.INVITATION_INVALID, " ".join(exc.messages)) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    for membership in Membership.objects.filter(user=user).only("organization_id"):
        audit_record(
            actor=Principal(
                organization_id=membership.organization_id, role="", user_id=user.pk, label=user.username
            ),
            event=Event.USER_INVITATION_ACCEPTED,
            subject_type="user",
            subject_id=user.pk,
        )
    return user
