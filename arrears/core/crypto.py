"""Field encryption at rest (Fernet, rotatable keys) and keyed hashes for equality lookups."""

from __future__ import annotations

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return fernet().encrypt(plain.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: no configured key matches (ARREARS_FIELD_KEYS)") from exc


def looks_encrypted(value: str) -> bool:
    """Whether ``value`` has the shape of a Fernet token (version byte 0x80, URL-safe base64), not of
    plain text such as a base32 TOTP key or a hex seed."""
    return value.startswith("gAAAAA")


def rotate(token: str) -> str:
    """Re-encrypt under the newest key."""
    return fernet().rotate(token.encode()).decode()


@cache
def _newest(key: str) -> Fernet:
    return Fernet(key.encode())


def is_current(token: str) -> bool:
    """Whether ``token`` is encrypted under the newest key (the first of ARREARS_FIELD_KEYS)."""
    try:
        _newest(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def encrypt_bytes(plain: bytes) -> bytes:
    """A file's content encrypted at rest, under the newest key, like the columns."""
    return fernet().encrypt(plain)


def decrypt_bytes(token: bytes) -> bytes:
    try:
        return fernet().decrypt(token)
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: no configured key matches (ARREARS_FIELD_KEYS)") from exc


def lookup_hash(plain: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value, so encrypted fields can still be matched for equality."""
    key = hashlib.sha256(f"{purpose}:{settings.FIELD_HASH_KEY}".encode()).digest()
    return hmac.new(key, plain.encode(), hashlib.sha256).hexdigest()
