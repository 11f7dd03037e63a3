"""Who is acting, and what they may see and do. Pure: no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field

from .choices import Role

# What each role may do. Views, API and CLI ask `can`, never compare role names themselves.
PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {"view", "work", "manage", "admin", "override_compliance", "approve_settlement", "view_pii"}
    ),
    Role.MANAGER: frozenset({"view", "work", "manage", "override_compliance", "approve_settlement"}),
    Role.COLLECTOR: frozenset({"view", "work"}),
    Role.CLIENT_VIEWER: frozenset({"view"}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The acting user (or token, or system job) within one organization."""

    organization_id: int
    role: str
    user_id: int | None = None
    label: str = ""
    # None means every client of the organization; otherwise only these.
    client_ids: frozenset[int] | None = field(default=None)

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())

    def sees_client(self, client_id: int) -> bool:
        return self.client_ids is None or client_id in self.client_ids


def system_principal(organization_id: int, label: str = "system") -> Principal:
    return Principal(organization_id=organization_id, role=Role.ADMIN, label=label)


# allauth's second factors keep their secrets in ``Authenticator.data``: a TOTP key under "secret", the
# recovery codes' seed under "seed". Arrears encrypts both with the field keys (the MFA adapter in
# ``workbench.signin``); a value written before that, in the clear, is encrypted by the next rotation.
MFA_SECRET_KEYS = ("secret", "seed")
