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


class InvalidToken(Exception):
    pass


def _unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before verification: only to choose the issuer's key set."""
    try:
        header_b64, claims_b64, _ = token.split(".")
        return _b64json(header_b64), _b64json(claims_b64)
    except (ValueError, TypeError) as exc:
        raise InvalidToken("malformed token") from exc


def _b64json(segment: str) -> dict[str, Any]:
    value = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


class CachedKeySet:
    def __init__(self) -> None:
        self.keys: KeySet | None = None
        self.kids: set[str] = set()
        self.loaded_at = 0.0

    def needs_refresh(self, kid: str | None) -> bool:
        if self.keys is None:
            return True
        return kid not in self.kids and time.monotonic() - self.loaded_at > REFRESH_MIN_INTERVAL

    def set(self, jwks: dict[str, Any]) -> None:
        self.keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        self.kids = {k.get("kid", "") for k in jwks.get("keys", [])}
        self.loaded_at = time.monotonic()


class TokenVerifier:
    def __init__(self, settings: Settings, clock: Clock, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.clock = clock
        self.http = http
        self.own = CachedKeySet()
        self.external = CachedKeySet()

    async def verify(self, token: str, pool: asyncpg.Pool) -> dict[str, Any]:
        """The verified claims, or InvalidToken; ``iss``, ``aud`` and ``exp`` are always checked."""
        header, unverified = _unverified(token)
        issuer = unverified.get("iss")
        if issuer == self.settings.base_url:
            audience = self.settings.auth.audience
            if self.own.needs_refresh(header.get("kid")):
                async with pool.acquire() as conn:
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
                sub={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise InvalidToken(str(exc) or type(exc).__name__) from exc
        return dict(decoded.claims)

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
