"""Standard Webhooks signatures (https://www.standardwebhooks.com, spec 1.0.0).

Signed content is ``{webhook-id}.{webhook-timestamp}.{body}`` over the exact body bytes. ``v1`` is
HMAC-SHA256 with the endpoint's ``whsec_`` secret (32 random bytes, base64); ``v1a`` is Ed25519 with
igf_hub's own key, whose public half (``whpk_``) is published, so a UN body can verify without a shared
secret. Several signatures are space-separated: during a rotation's grace period the new and every unexpired
old secret sign, and a receiver accepts the request if any of them verifies.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets as _secrets
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SECRET_PREFIX = "whsec_"  # noqa: S105 (the spec's prefix, not a secret)
PUBLIC_KEY_PREFIX = "whpk_"
SECRET_BYTES = 32
DEFAULT_TOLERANCE = 300  # seconds a receiver accepts between webhook-timestamp and its clock


class SignatureError(ValueError):
    pass


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (the base64 after the prefix)."""
    if not secret.startswith(SECRET_PREFIX):
        raise SignatureError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :])


def signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def sign_v1(key: bytes, content: bytes) -> str:
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def sign_v1a(private_key: Ed25519PrivateKey, content: bytes) -> str:
    return "v1a," + base64.b64encode(private_key.sign(content)).decode()


def signature_header(
    msg_id: str,
    timestamp: int,
    body: bytes,
    *,
    hmac_keys: Iterable[bytes],
    ed25519_key: Ed25519PrivateKey | None = None,
) -> str:
    """The ``webhook-signature`` value: one ``v1`` per live secret, plus ``v1a`` when asked."""
    content = signed_content(msg_id, timestamp, body)
    parts = [sign_v1(key, content) for key in hmac_keys]
    if ed25519_key is not None:
        parts.append(sign_v1a(ed25519_key, content))
    return " ".join(parts)


KEY_ID_HEADER = "webhook-key-id"  # the kid (signing-keys document) of the key behind the v1a signature


def headers(
    msg_id: str,
    timestamp: int,
    body: bytes,
    *,
    hmac_keys: Iterable[bytes],
    ed25519_key: Ed25519PrivateKey | None = None,
    ed25519_kid: str | None = None,
) -> dict[str, str]:
    result = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            msg_id, timestamp, body, hmac_keys=hmac_keys, ed25519_key=ed25519_key
        ),
    }
    if ed25519_key is not None and ed25519_kid is not None:
        result[KEY_ID_HEADER] = ed25519_kid
    return result


def verify(
    msg_id: str,
    timestamp: int,
    body: bytes,
    signature: str,
    *,
    secret: str,
    now: int,
    tolerance: int = DEFAULT_TOLERANCE,
) -> None:
    """Raise SignatureError unless one ``v1`` signature verifies and the timestamp is fresh."""
    if abs(now - timestamp) > tolerance:
        raise SignatureError("webhook-timestamp is outside the tolerance")
    expected = sign_v1(secret_key(secret), signed_content(msg_id, timestamp, body))
    if not any(hmac.compare_digest(expected, part) for part in signature.split(" ")):
        raise SignatureError("no signature matches")


# -- Ed25519 (v1a) -------------------------------------------------------------------------------------


def new_ed25519_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def ed25519_private_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def ed25519_public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def ed25519_from_private_bytes(raw: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text(public: bytes) -> str:
    return PUBLIC_KEY_PREFIX + base64.b64encode(public).decode()


def key_id(public: bytes) -> str:
    return hashlib.sha256(public).hexdigest()[:16]


def verify_v1a(msg_id: str, timestamp: int, body: bytes, signature: str, *, public_key: str) -> None:
    if not public_key.startswith(PUBLIC_KEY_PREFIX):
        raise SignatureError("a webhook public key starts with whpk_")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key[len(PUBLIC_KEY_PREFIX) :]))
    content = signed_content(msg_id, timestamp, body)
    for part in signature.split(" "):
        version, _, value = part.partition(",")
        if version != "v1a":
            continue
        try:
            key.verify(base64.b64decode(value), content)
            return
        except (InvalidSignature, ValueError):
            continue
    raise SignatureError("no v1a signature matches")
