"""Password and client-secret hashing with argon2 (argon2-cffi's defaults: RFC 9106 low-memory profile)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the account does not exist, so a wrong e-mail costs the same time as a wrong password.
_DUMMY_HASH = _hasher.hash("igf-hub-dummy-password")


def hash_secret(secret: str) -> str:
    return str(_hasher.hash(secret))


def verify_secret(stored_hash: str | None, candidate: str) -> bool:
    try:
        return bool(_hasher.verify(stored_hash or _DUMMY_HASH, candidate)) and stored_hash is not None
    except (VerificationError, InvalidHashError):
        return False
