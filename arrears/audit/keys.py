"""The secret that keys the audit chain, read from the settings (kept out of the pure domain)."""

from __future__ import annotations

from django.conf import settings


def chain_key() -> bytes | None:
    """``ARREARS_AUDIT_KEY`` as bytes, or None for plain SHA-256."""
    key: str = settings.AUDIT_CHAIN_KEY
    return key.encode() if key else None
