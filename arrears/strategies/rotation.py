"""`arrears rotate-keys`: every encrypted value of every app re-encrypted under the newest field key.

The rotation spans the apps, so it lives here; each app re-encrypts its own columns through its own
service. Batches commit one by one: the app keeps running (a batch locks only its rows), and a rotation
that stops half-way resumes by running again, skipping what is already under the newest key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from arrears.core.rotation import RotationBatch
from arrears.debtors.selectors import debtor_national_ids_stale
from arrears.debtors.services import debtor_national_ids_rotate
from arrears.payments.ach import ach_secrets_rotate, ach_secrets_stale
from arrears.tenancy.selectors import mfa_secrets_stale, sso_secrets_stale
from arrears.tenancy.services import mfa_secrets_rotate, sso_secrets_rotate


@dataclass(frozen=True, slots=True)
class EncryptedColumn:
    name: str
    rotate: Callable[..., RotationBatch]  # (after_id=, batch=)
    stale: Callable[[], int]


ENCRYPTED = (
    EncryptedColumn("debtors.national_id", debtor_national_ids_rotate, debtor_national_ids_stale),
    EncryptedColumn(
        "payments.ach_authorization.account_number",
        partial(ach_secrets_rotate, column="ach_authorizations"),
        partial(ach_secrets_stale, column="ach_authorizations"),
    ),
    EncryptedColumn(
        "payments.ach_file.content",
        partial(ach_secrets_rotate, column="ach_files"),
        partial(ach_secrets_stale, column="ach_files"),
    ),
    EncryptedColumn("tenancy.single_sign_on.client_secret", sso_secrets_rotate, sso_secrets_stale),
    EncryptedColumn("mfa.authenticator.secret", mfa_secrets_rotate, mfa_secrets_stale),
)


@dataclass(frozen=True, slots=True)
class RotationResult:
    re_encrypted: int
    remaining: int
    by_column: dict[str, int]


def keys_rotate(
    *, batch: int = 1000, on_batch: Callable[[str, RotationBatch], None] | None = None
) -> RotationResult:
    """Re-encrypt every encrypted value under the newest key of ARREARS_FIELD_KEYS, ``batch`` rows per
    transaction; ``remaining`` counts, afterwards, the values still under an older key."""
    by_column: dict[str, int] = {}
    for column in ENCRYPTED:
        after_id, done = 0, 0
        while True:
            result = column.rotate(after_id=after_id, batch=batch)
            done += result.re_encrypted
            if on_batch is not None:
                on_batch(column.name, result)
            if result.last_id is None or result.scanned < batch:
                break
            after_id = result.last_id
        by_column[column.name] = done
    remaining = sum(column.stale() for column in ENCRYPTED)
    return RotationResult(sum(by_column.values()), remaining, by_column)
