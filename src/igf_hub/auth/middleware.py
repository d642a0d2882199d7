"""Every request gets a Principal in ``scope["user"]``: anonymous without a token, 401 with a bad one, 403 with
one that lacks the API scope."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar.datastructures import Headers
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from igf_hub.auth.principal import ANONYMOUS, API_SCOPE, Principal, PrincipalKind
from igf_hub.auth.service import IdentityService
from igf_hub.auth.tokens import InvalidToken
from igf_hub.core.db import acquire
from igf_hub.core.errors import Forbidden, Unauthorized
from igf_hub.core.logging import bound

OAUTH_PREFIX = "/oauth/"
METRICS_PATH = "/metrics"  # Prometheus sends its scrape token there, not an access token


def _invalid(description: str) -> Unauthorized:
    safe = description.replace('"', "'")[:200]
    return Unauthorized(
        f"the access token was refused: {safe}",
        headers={
            "WWW-Authenticate": f'Bearer realm="igf-hub", error="invalid_token", error_description="{safe}"'
        },
    )


class InsufficientScope(Forbidden):
    slug, title = "insufficient-scope", "The access token lacks the scope this API requires"


def _insufficient_scope(required: str) -> InsufficientScope:
    return InsufficientScope(
        f"the access token does not carry the scope {required!r}; request it when obtaining the token",
        headers={
            "WWW-Authenticate": f'Bearer realm="igf-hub", error="insufficient_scope", scope="{required}"'
        },
    )


class AuthenticationMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        authorization = Headers.from_scope(scope).get("authorization")
        if scope["path"].startswith(OAUTH_PREFIX) or scope["path"] == METRICS_PATH:
            # These carry their own credentials: HTTP Basic client credentials, the scrape token.
            authorization = None
        if not authorization:
            scope["user"] = ANONYMOUS
            scope["auth"] = None
        else:
            scheme, _, token = authorization.partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise _invalid("use 'Authorization: Bearer <token>'")
            state = scope["litestar_app"].state
            try:
                claims = await state.verifier.verify(token.strip(), state.pool)
            except InvalidToken as exc:
                raise _invalid(str(exc)) from None
            own = claims["iss"] == state.settings.base_url
            required = API_SCOPE if own else state.settings.auth.external_scope
            if required not in str(claims.get("scope") or "").split():
                raise _insufficient_scope(required)
            principal = await self._principal(state, claims)
            if principal is None:
                raise _invalid("the account is unknown or disabled")
            scope["user"] = principal
            scope["auth"] = claims
        with bound(principal=scope["user"].subject):
            await next_app(scope, receive, send)

    @staticmethod
    async def _principal(state: Any, claims: dict[str, Any]) -> Principal | None:
        scopes = frozenset(str(claims.get("scope") or "").split())
        async with acquire(state) as conn:
            identity = IdentityService(conn, state.clock, state.settings)
            if claims["iss"] == state.settings.base_url:
                if claims["sub"] == claims.get("client_id"):
                    return await identity.client_principal(claims["sub"], scopes=scopes)
                try:
                    user_id = UUID(claims["sub"])
                except ValueError:
                    return None
                return await identity.user_principal(user_id, scopes=scopes)
            # An external issuer's subject, linked to a local account when one exists.
            external_subject = f"{claims['iss']}|{claims['sub']}"
            user = await identity.repo.user_by_external_subject(external_subject)
            if user is not None:
                return await identity.user_principal(user.id, scopes=scopes)
            return Principal(kind=PrincipalKind.user, subject=f"external:{external_subject}", scopes=scopes)
