from django.db import models


class OrganizationKind(models.TextChoices):
    AGENCY = "agency", "Collection agency"
    BUSINESS = "business", "Business (first-party)"


class CollectionMode(models.TextChoices):
    FIRST_PARTY = "first_party", "First party"
    AGENCY = "agency", "Agency (third party)"


class Role(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    COLLECTOR = "collector", "Collector"
    CLIENT_VIEWER = "client_viewer", "Client viewer"


class MfaPolicy(models.TextChoices):
    """Who must sign in with a second factor (TOTP, a passkey, or a recovery code)."""

    ADMINS_AND_MANAGERS = "admins_managers", "Admins and managers"
    EVERYONE = "everyone", "Everyone"
    OFF = "off", "Nobody (evaluation only)"
