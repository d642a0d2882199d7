"""Access-token verification with joserfc: our own keys (from the database) and, optionally, an external issuer.

Verification is local: keys are cached and re-read only when a token names a key id we have not seen.
"""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from igf_hub.auth import keys
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings

ALGORITHMS = ["RS256", "ES256", "PS256", "EdDSA"]
LEEWAY_SECONDS = 30
REFRESH_MIN_INTERVAL = 5.0  # an unknown kid re-reads the keys at most this often
# Keys are re-read this often anyway, so a retired key (rotated after a leak) stops verifying everywhere.
OWN_KEYS_MAX_AGE = 60.0
EXTERNAL_KEYS_MAX_AGE = 600.0


class InvalidToken(Exception):
    pass


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before verification: only to choose the issuer's key set.

    Both are hostile input until the signature is checked, so their shape is checked here: a ``kid`` that
    was a list once reached a set lookup and made every route answer 500.
    """
    try:
        header_b64, claims_b64, _ = token.split(".")
        header, claims = _b64json(header_b64), _b64json(claims_b64)
    except ValueError as exc:  # binascii, JSON and UTF-8 errors are all ValueErrors
        raise InvalidToken("the token is not a JSON Web Token (three base64url parts of JSON)") from exc
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in ALGORITHMS:
        raise InvalidToken(f"the token's algorithm must be one of {', '.join(ALGORITHMS)}")
    if not isinstance(header.get("kid", ""), str):
        raise InvalidToken("the token's key id (kid) must be a string")
    if "crit" in header:
        raise InvalidToken("the token names critical header extensions, which igf-hub does not support")
    if not isinstance(claims.get("iss"), str):
        raise InvalidToken("the token's issuer (iss) must be a string")
    return header, claims


def _b64json(segment: str) -> dict[str, Any]:
    if not segment.isascii():
        raise ValueError("not base64url")
    value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _check_types(claims: dict[str, Any]) -> None:
    """Claims the middleware reads beyond those joserfc checks: a wrong type is a refusal, not a crash."""
    for name in ("scope", "client_id"):
        if not isinstance(claims.get(name, ""), str):
            raise InvalidToken(f"the token's {name} claim must be a string")


class CachedKeySet:
    def __init__(self, max_age: float) -> None:
        self.keys: KeySet | None = None
        self.kids: set[str] = set()
        self.loaded_at = 0.0
        self.max_age = max_age

    def needs_refresh(self, kid: str | None) -> bool:
        if self.keys is None:
            return True
        age = time.monotonic() - self.loaded_at
        return age > self.max_age or (kid not in self.kids and age > REFRESH_MIN_INTERVAL)

    def set(self, jwks: dict[str, Any]) -> None:
        self.keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        self.kids = {k.get("kid", "") for k in jwks.get("keys", [])}
        self.loaded_at = time.monotonic()


class TokenVerifier:
    def __init__(self, settings: Settings, clock: Clock, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.clock = clock
        self.http = http
        self.own = CachedKeySet(OWN_KEYS_MAX_AGE)
        self.external = CachedKeySet(EXTERNAL_KEYS_MAX_AGE)

    async def verify(self, token: str, pool: asyncpg.Pool) -> dict[str, Any]:
        """The verified claims, or InvalidToken; ``iss``, ``aud`` and ``exp`` are always checked."""
        header, unverified = _unverified(token)
        issuer = unverified.get("iss")
        if issuer == self.settings.base_url:
            audience = self.settings.auth.audience
            if self.own.needs_refresh(header.get("kid")):
                async with pool.acquire(timeout=self.settings.db.acquire_timeout) as conn:
                    self.own.set(
                        await keys.published_jwks(
                            conn,
                            now=self.clock.now(),
                            max_token_age=timedelta(
                                seconds=self.settings.auth.access_token_ttl + LEEWAY_SECONDS
                            ),
                        )
                    )
            key_set = self.own.keys
        elif self.settings.auth.external_issuer and issuer == self.settings.auth.external_issuer:
            audience = self.settings.auth.external_audience or self.settings.auth.audience
            if self.external.needs_refresh(header.get("kid")):
                self.external.set(await self._fetch_external_jwks())
            key_set = self.external.keys
        else:
            raise InvalidToken("unknown issuer")
        assert key_set is not None
        try:
            decoded = jwt.decode(token, key_set, algorithms=ALGORITHMS)
            jwt.JWTClaimsRegistry(
                now=self.clock.timestamp,
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": issuer},
                aud={"essential": True, "value": audience},
                exp={"essential": True},
                iat={"essential": True},  # without it the lifetime below cannot be checked
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError, TypeError) as exc:  # TypeError: joserfc on odd header values
            raise InvalidToken(str(exc) or type(exc).__name__) from exc
        claims = dict(decoded.claims)
        _check_types(claims)
        # A stolen signing key (or a careless issuer) must not yield a token that lives for decades.
        lifetime = claims["exp"] - claims["iat"]
        if not lifetime <= self.settings.auth.max_token_lifetime:  # "not <=": a NaN exp or iat is refused too
            raise InvalidToken(
                "the token's lifetime from issue to expiry is longer than the "
                f"{self.settings.auth.max_token_lifetime} s this service accepts"
            )
        return claims

    async def _fetch_external_jwks(self) -> dict[str, Any]:
        url = self.settings.auth.external_jwks_url
        try:
            if not url:
                discovery = (
                    self.settings.auth.external_issuer.rstrip("/") + "/.well-known/openid-configuration"
                )
                response = await self.http.get(discovery)
                response.raise_for_status()
                url = response.json()["jwks_uri"]
            response = await self.http.get(url)
            response.raise_for_status()
            jwks: dict[str, Any] = response.json()
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            raise InvalidToken(f"the external issuer's keys could not be fetched: {exc}") from exc
        return jwks
