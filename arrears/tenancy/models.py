from django.contrib.auth.models import AbstractUser
from django.db import models

from arrears.core.models import TimeStamped

from .choices import CollectionMode, MfaPolicy, OrganizationKind, Role


class User(AbstractUser):
    """A person who logs in (staff or a creditor client's viewer). Debtors are not users."""


class Organization(TimeStamped):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganizationKind.choices)
    collection_mode = models.CharField(max_length=20, choices=CollectionMode.choices)
    currency = models.CharField(max_length=3)
    country = models.CharField(max_length=2)
    timezone = models.CharField(max_length=64)
    # Branding and letterhead, used on letters and the portal.
    legal_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    # The name emails come from ("Summit Billing" <noreply@…>); empty: the organization's name.
    email_sender_name = models.CharField(max_length=100, blank=True, db_default="")
    # Who must enrol a second factor before using the workbench (docs/security.md).
    # (db_default too: rows written by code that predates the column, such as an older migration's
    # historical model, get the same policy.)
    mfa_policy = models.CharField(
        max_length=20,
        choices=MfaPolicy.choices,
        default=MfaPolicy.ADMINS_AND_MANAGERS,
        db_default=MfaPolicy.ADMINS_AND_MANAGERS,
    )

    def __str__(self) -> str:
        return self.name


class Client(TimeStamped):
    """A creditor the organization collects for. A business has exactly one: itself."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="clients")
    code = models.SlugField(max_length=40)
    name = models.CharField(max_length=200)
    is_self = models.BooleanField(default=False)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "code"], name="client_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Team(TimeStamped):
    """A group of collectors who share a work queue; accounts may be assigned to a team."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=80)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class Membership(TimeStamped):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    # A client viewer sees only these clients' accounts; staff roles see every client.
    clients = models.ManyToManyField(Client, blank=True, related_name="viewers")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.role})"


class SingleSignOn(TimeStamped):
    """The organization's OpenID Connect provider: its members may sign in through it (docs/security.md).
    The client secret is encrypted at rest with the field keys (ARREARS_FIELD_KEYS), like national ids."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="sso")
    enabled = models.BooleanField(default=True)
    label = models.CharField(max_length=80)
    issuer = models.URLField(max_length=400)
    client_id = models.CharField(max_length=200)
    client_secret_encrypted = models.TextField()
    # Only identities whose verified email ends in @<email_domain> may sign in.
    email_domain = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.label} ({self.organization})"
