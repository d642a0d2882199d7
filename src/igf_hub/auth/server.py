"""The built-in OAuth 2 authorization server, assembled from authlib's grants.

authlib's server API is synchronous, our database is not: a request's grant flow runs in a worker thread
(``anyio.to_thread``) and every storage call hops back to the event loop with ``anyio.from_thread.run``
on the request's own connection, so one token request is one transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import anyio.from_thread
import asyncpg
from authlib.oauth2 import AuthorizationServer, OAuth2Request
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin, grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError, InvalidScopeError
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc import jwt
from joserfc.jwk import KeySet

from igf_hub.auth import passwords
from igf_hub.auth.keys import ALGORITHM
from igf_hub.auth.principal import Grant, Principal, PrincipalKind, Role
from igf_hub.auth.repository import IdentityRepository
from igf_hub.auth.twofactor_repository import TwoFactorRepository
from igf_hub.auth.twofactor_service import required_for
from igf_hub.core import changelog
from igf_hub.core.clock import Clock
from igf_hub.core.settings import Settings

T = TypeVar("T")
SECRET_METHODS = ["client_secret_basic", "client_secret_post"]


def token_hash(token: str) -> str:
    """Codes and refresh tokens are stored only as SHA-256: a database leak does not leak live credentials."""
    return hashlib.sha256(token.encode()).hexdigest()


def _run(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    result: T = anyio.from_thread.run(fn, *args)  # type: ignore[arg-type]
    return result


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth2Request built from an already parsed form or query."""

    def __init__(self, method: str, uri: str, headers: Mapping[str, str], data: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self.payload = BasicOAuth2Payload(data)
        self._data = data

    @property
    def form(self) -> dict[str, str]:
        return self._data

    @property
    def args(self) -> dict[str, str]:
        return self._data


class OAuthUser:
    def __init__(self, user_id: UUID) -> None:
        self.id = user_id

    def get_user_id(self) -> str:
        return str(self.id)


class OAuthClient(ClientMixin):  # type: ignore[misc]
    def __init__(self, row: Mapping[str, Any]) -> None:
        self.client_id: str = row["client_id"]
        self.name: str = row["name"]
        self.secret_hash: str | None = row["client_secret_hash"]
        self.redirect_uris: list[str] = list(row["redirect_uris"])
        self.grant_types: list[str] = list(row["grant_types"])
        self.auth_method: str = row["token_endpoint_auth_method"]
        self.scope: str = row["scope"]

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope: str | None) -> str:
        """The requested scopes this client may have (its own when none is asked for); none of them is an error,
        not a token with an empty scope that the API would refuse."""
        if not scope:
            return self.scope
        allowed = set(self.scope.split())
        granted = " ".join(s for s in scope.split() if s in allowed)
        if not granted:
            raise InvalidScopeError(f"this client may request only: {self.scope}")
        return granted

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self.secret_hash is not None and passwords.verify_secret(self.secret_hash, client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint != "token":
            return True
        if self.auth_method == "none":
            return method == "none"
        return method in SECRET_METHODS  # confidential clients: HTTP Basic or form post

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types


class AuthorizationCode(AuthorizationCodeMixin):  # type: ignore[misc]
    def __init__(self, row: Mapping[str, Any]) -> None:
        self.user_id: UUID = row["user_id"]
        self.redirect_uri: str = row["redirect_uri"]
        self.scope: str = row["scope"]
        self.code_challenge: str | None = row["code_challenge"]
        self.code_challenge_method: str | None = row["code_challenge_method"]

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope


class RefreshToken(TokenMixin):  # type: ignore[misc]
    def __init__(self, row: Mapping[str, Any], refresh_token: str) -> None:
        self.refresh_token = refresh_token
        self.client_id: str = row["client_id"]
        self.user_id: UUID = row["user_id"]
        self.scope: str = row["scope"]
        self.family_id: UUID = row["family_id"]

    def check_client(self, client: OAuthClient) -> bool:
        return client.client_id == self.client_id

    def get_scope(self) -> str:
        return self.scope

    def is_revoked(self) -> bool:
        return False  # revoked and expired tokens are never loaded

    def is_expired(self) -> bool:
        return False


class ClientCredentialsGrant(grants.ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [*SECRET_METHODS, "none"]
    server: IgfAuthorizationServer

    def validate_authorization_request(self) -> str:
        # authlib checks PKCE only when a challenge is sent; igf_hub requires S256 from every client.
        data = self.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        redirect_uri: str = super().validate_authorization_request()
        return redirect_uri

    def save_authorization_code(self, code: str, request: FormRequest) -> None:
        data = request.payload.data
        s = self.server
        _run(
            lambda: s.repo.insert_code(
                code_hash=token_hash(code),
                client_id=request.client.get_client_id(),
                user_id=request.user.id,
                redirect_uri=request.payload.redirect_uri,
                scope=request.client.get_allowed_scope(request.payload.scope),  # none asked: the client's
                code_challenge=data.get("code_challenge"),
                code_challenge_method=data.get("code_challenge_method"),
                nonce=data.get("nonce"),
                expires_at=s.clock.now() + timedelta(seconds=s.settings.auth.authorization_code_ttl),
            )
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> AuthorizationCode | None:
        row = _run(self.server.repo.take_code, token_hash(code), client.get_client_id())
        if row is None or row["expires_at"] <= self.server.clock.now():
            return None
        return AuthorizationCode(row)

    def delete_authorization_code(self, authorization_code: AuthorizationCode) -> None:
        """Already gone: ``query_authorization_code`` takes the code out in the same statement."""

    def authenticate_user(self, authorization_code: AuthorizationCode) -> OAuthUser:
        return OAuthUser(authorization_code.user_id)


class RefreshTokenGrant(grants.RefreshTokenGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = [*SECRET_METHODS, "none"]
    INCLUDE_NEW_REFRESH_TOKEN = True  # rotation: each refresh token is used once
    server: IgfAuthorizationServer

    def authenticate_refresh_token(self, refresh_token: str) -> RefreshToken | None:
        row = _run(self.server.repo.refresh_token, token_hash(refresh_token))
        if row is None or row["expires_at"] <= self.server.clock.now():
            return None
        if row["revoked_at"] is not None:
            # A rotated-out token presented again: it leaked, to an attacker or from the client. Either party may
            # hold the newest one, so revoke the whole family (RFC 9700 section 4.14.2); the user signs in again.
            _run(self._revoke_family, row)
            return None
        if _run(self._two_factor_missing, row["user_id"]):
            return None  # invalid_grant; the same token works again once two-factor is set up
        return RefreshToken(row, refresh_token)

    async def _two_factor_missing(self, user_id: UUID) -> bool:
        """The person's role requires two-factor and they have none (a role granted after the refresh token was
        issued, or a reset): no new access token until they set it up."""
        s = self.server
        rows = await s.repo.user_principal_rows(user_id, s.clock.now())
        grants = tuple(
            Grant(role=Role(r["role"]), resource_id=r["resource_id"], is_chair=r["is_chair"])
            for r in rows
            if r["role"] is not None
        )
        person = Principal(kind=PrincipalKind.user, subject=f"user:{user_id}", grants=grants)
        return required_for(person) and not await TwoFactorRepository(s.repo.conn).has_two_factor(user_id)

    async def _revoke_family(self, row: Mapping[str, Any]) -> None:
        s = self.server
        revoked = await s.repo.revoke_refresh_family(row["family_id"], s.clock.now())
        await changelog.record(
            s.repo.conn,
            "oauth.refresh_token_reused",
            actor=f"client:{row['client_id']}",
            subject_type="user",
            subject_id=row["user_id"],
            data={"family_id": row["family_id"], "revoked": revoked},
            publish=False,  # a security record, not a change others act on
        )

    def authenticate_user(self, refresh_token: RefreshToken) -> OAuthUser:
        return OAuthUser(refresh_token.user_id)

    def revoke_old_credential(self, refresh_token: RefreshToken) -> None:
        _run(
            self.server.repo.revoke_refresh, token_hash(refresh_token.refresh_token), self.server.clock.now()
        )


class AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc]
    """RFC 9068 JWT access tokens signed with igf_hub's active key; roles are looked up per request.

    The claims are authlib's, but times come from the injected clock, so issuing and verifying agree.
    """

    def __init__(self, settings: Settings, keys: KeySet, clock: Clock | None = None) -> None:
        super().__init__(
            issuer=settings.base_url,
            alg=ALGORITHM,
            refresh_token_generator=lambda *_, **__: secrets.token_urlsafe(32),
            expires_generator=lambda *_, **__: settings.auth.access_token_ttl,
        )
        self._keys = keys
        self._audience = settings.auth.audience
        self._ttl = settings.auth.access_token_ttl
        self._clock = clock or Clock()

    def get_jwks(self) -> KeySet:
        return self._keys

    def get_audiences(self, client: OAuthClient, user: OAuthUser | None, scope: str) -> list[str]:
        return [self._audience]

    def access_token_generator(
        self, client: OAuthClient, grant_type: str, user: OAuthUser | None, scope: str
    ) -> str:
        now = self._clock.timestamp()
        claims = {
            "iss": self.issuer,
            "exp": now + self._ttl,
            "iat": now,
            "client_id": client.get_client_id(),
            "jti": self.get_jti(client, grant_type, user, scope),
            "scope": scope,
            "sub": user.get_user_id() if user else client.get_client_id(),
            "aud": self.get_audiences(client, user, scope),
        }
        key = next(iter(self._keys))
        token: str = jwt.encode({"alg": self.alg, "typ": "at+jwt", "kid": key.kid}, claims, key)
        return token


class IgfAuthorizationServer(AuthorizationServer):  # type: ignore[misc]
    """One per token or authorization request, bound to that request's connection."""

    def __init__(self, *, conn: asyncpg.Connection, settings: Settings, clock: Clock, keys: KeySet) -> None:
        super().__init__(scopes_supported=["api", "openid"])
        self.repo = IdentityRepository(conn)
        self.settings = settings
        self.clock = clock
        self.register_token_generator("default", AccessTokenGenerator(settings, keys, clock))
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [CodeChallenge(required=True)])
        self.register_grant(RefreshTokenGrant)

    def query_client(self, client_id: str) -> OAuthClient | None:
        row = _run(self.repo.client_for_auth, client_id)
        return OAuthClient(row) if row else None

    def save_token(self, token: dict[str, Any], request: FormRequest) -> None:
        if "refresh_token" not in token or request.user is None:
            return
        expires_at: datetime = self.clock.now() + timedelta(seconds=self.settings.auth.refresh_token_ttl)
        previous = getattr(request, "refresh_token", None)  # set by the refresh_token grant: same family
        _run(
            self.repo.insert_refresh,
            token_hash(token["refresh_token"]),
            request.client.get_client_id(),
            request.user.id,
            token.get("scope", ""),
            expires_at,
            previous.family_id if isinstance(previous, RefreshToken) else None,
        )

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request

    def create_json_request(self, request: Any) -> Any:
        raise NotImplementedError("igf_hub exposes no JSON-bodied OAuth endpoints")

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> tuple[int, Any, Any]:
        return status, body, headers

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """authlib's hook for framework signals: nothing listens."""
